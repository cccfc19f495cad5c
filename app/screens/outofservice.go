package screens

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kiotheme "github.com/bianmin/kiosk/app/theme"
)

// OutOfService is what the appliance shows when it cannot start: a plain
// notice for residents and, at the bottom, a fault code and one line for the
// technician (what failed, which file, what to do). It carries no personal
// data; the reason comes from the start-up failure.
type OutOfService struct {
	Code    int       // the process's exit status for this failure class
	Reason  string    // one line, technician-readable (English, paths)
	Station string    // station code and terminal, when the configuration was readable
	Since   time.Time // when the failure happened
}

// Texts of the out-of-service screen. The screen is bilingual on purpose:
// it must be readable whatever the configuration (perhaps unreadable) says.
const (
	OutOfServiceTitle   = "暂停服务"
	OutOfServiceTitleEN = "Out of service"
	OutOfServiceAdvice  = "本机暂时无法办理业务，请到服务窗口办理，或稍后再来。"
	OutOfServiceAdviceE = "This terminal cannot serve residents at the moment. Please use the service counter."
)

// ShowOutOfService fills win with the out-of-service screen.
func ShowOutOfService(win fyne.Window, o OutOfService) {
	th := &kiotheme.Kiosk{}
	fyne.CurrentApp().Settings().SetTheme(th)
	win.SetTitle(OutOfServiceTitle + " / " + OutOfServiceTitleEN)
	win.SetContent(OutOfServiceContent(o, th))
}

// OutOfServiceContent builds the screen's content (ShowOutOfService, tests).
func OutOfServiceContent(o OutOfService, th fyne.Theme) fyne.CanvasObject {
	title := canvas.NewText(OutOfServiceTitle, kiotheme.Red)
	title.TextSize = 3 * th.Size(fynetheme.SizeNameHeadingText)
	title.TextStyle.Bold = true
	title.Alignment = fyne.TextAlignCenter
	titleEN := canvas.NewText(OutOfServiceTitleEN, kiotheme.Muted)
	titleEN.TextSize = th.Size(fynetheme.SizeNameHeadingText)
	titleEN.Alignment = fyne.TextAlignCenter
	advice := widget.NewLabel(OutOfServiceAdvice + "\n" + OutOfServiceAdviceE)
	advice.Alignment = fyne.TextAlignCenter
	advice.Wrapping = fyne.TextWrapWord
	advice.SizeName = fynetheme.SizeNameSubHeadingText

	tech := fmt.Sprintf("故障代码 / fault code E%02d", o.Code)
	if o.Station != "" {
		tech += "   " + o.Station
	}
	if !o.Since.IsZero() {
		tech += "   " + o.Since.Format("2006-01-02 15:04:05")
	}
	techLine := widget.NewLabel(tech)
	techLine.TextStyle.Bold = true
	reason := widget.NewLabel(o.Reason)
	reason.Wrapping = fyne.TextWrapWord
	reason.SizeName = fynetheme.SizeNameCaptionText
	techBox := container.NewVBox(widget.NewSeparator(), techLine, reason)

	bg := canvas.NewRectangle(th.Color(fynetheme.ColorNameBackground, 0))
	body := container.NewBorder(nil, container.NewPadded(techBox), nil, nil,
		container.NewVBox(layout.NewSpacer(), title, titleEN, container.NewPadded(advice), layout.NewSpacer()))
	return container.NewStack(bg, container.NewPadded(body))
}
