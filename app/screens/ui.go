// Package screens renders the resident's session on the touchscreen with
// Fyne: one function per session screen, a top bar (elder mode, voice, home),
// the idle-timeout warning with its countdown and "more time" button, and the
// translation of errors into plain Chinese in one place (errors.go). It talks
// to the session only; devices and the store stay behind the session's ports.
// cmd/kiosk imports it.
package screens

import (
	"image/color"
	"log/slog"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/i18n"
	"github.com/bianmin/kiosk/app/session"
	kiotheme "github.com/bianmin/kiosk/app/theme"
)

// Searcher finds item codes for a query typed in characters or pinyin.
type Searcher interface {
	Search(query string, limit int) []string
}

// Status is what the status line shows: technician-readable device states
// and whether the platform is reachable.
type Status struct {
	Online  bool
	Printer string // state key: ready, paper_out, …
	Queue   int    // applications waiting for upload
}

// Options configures the UI.
type Options struct {
	Lang     string
	Search   Searcher
	Status   func() Status // may be nil
	Keyboard KeyboardFactory
	Voice    func(on bool) // switches voice prompts; nil hides the button
	// NewSignaturePad makes the pad of the 告知承诺 screen.
	NewSignaturePad func() SignaturePad
}

// UI renders a session into a window.
type UI struct {
	win  fyne.Window
	sess *session.Session
	tr   *i18n.Bundle
	th   *kiotheme.Kiosk
	opt  Options

	last    session.Snapshot
	editing string // form field key being edited, or ""
	page    int    // page of the current list
	voiceOn bool
	rating  *ratingDraft
	manual  manualDraft
	// OnRendered is called after each render (tests and screenshots).
	OnRendered func(session.Screen)
}

// New makes the UI and subscribes it to the session.
func New(win fyne.Window, sess *session.Session, opt Options) *UI {
	if opt.Lang == "" {
		opt.Lang = i18n.ZhCN
	}
	if opt.Keyboard == nil {
		opt.Keyboard = EntryKeyboard{}
	}
	u := &UI{win: win, sess: sess, tr: i18n.MustLoad(opt.Lang), th: &kiotheme.Kiosk{}, opt: opt, voiceOn: opt.Voice != nil}
	fyne.CurrentApp().Settings().SetTheme(u.th)
	sess.OnChange(func(s session.Snapshot) { fyne.Do(func() { u.Render(s) }) })
	u.Render(sess.Snapshot())
	return u
}

// ChinaTime is the zone times are shown in, whatever the machine's zone:
// receipts and screens must agree (China has one zone, UTC+8, no DST).
var ChinaTime = time.FixedZone("CST", 8*3600)

// T translates a key.
func (u *UI) T(key string, args ...any) string { return u.tr.T(key, args...) }

// Render draws a snapshot. Called on the UI goroutine.
func (u *UI) Render(s session.Snapshot) {
	if s.Screen != u.last.Screen {
		u.page = 0
		u.editing = ""
	}
	if s.Elder != u.th.Elder {
		u.th.Elder = s.Elder
		fyne.CurrentApp().Settings().SetTheme(&kiotheme.Kiosk{Elder: s.Elder})
		// Widgets measured before the new sizes reach them would keep a
		// stale layout (wrapped labels overlapping): build the screen
		// again once the theme change has gone round.
		defer fyne.Do(func() { u.Render(u.last) })
	}
	u.last = s
	body := u.screen(s)
	content := container.NewBorder(u.topBar(s), u.statusLine(s), nil, nil, body)
	if s.Warning {
		content = container.NewStack(content, u.warning(s))
	}
	u.win.SetContent(content)
	if min, size := content.MinSize(), u.win.Canvas().Size(); min.Width > size.Width+1 || os.Getenv("KIOSK_DEBUG_LAYOUT") != "" {
		slog.Warn("screen wider than the window", "screen", string(s.Screen), "min_width", min.Width, "width", size.Width, "scale", u.win.Canvas().Scale())
	}
	if u.OnRendered != nil {
		u.OnRendered(s.Screen)
	}
}

func (u *UI) screen(s session.Snapshot) fyne.CanvasObject {
	switch s.Screen {
	case session.ScreenAttract:
		return u.attract(s)
	case session.ScreenManualID:
		return u.manualID(s)
	case session.ScreenConfirmID:
		return u.confirmID(s)
	case session.ScreenHome:
		return u.home(s)
	case session.ScreenCategory:
		return u.category(s)
	case session.ScreenSearch:
		return u.search(s)
	case session.ScreenGuide:
		return u.guide(s)
	case session.ScreenForm:
		return u.form(s)
	case session.ScreenMaterials:
		return u.materials(s)
	case session.ScreenSign:
		return u.sign(s)
	case session.ScreenReview:
		return u.review(s)
	case session.ScreenSubmitting:
		return u.submitting(s)
	case session.ScreenDone:
		return u.done(s)
	case session.ScreenRate:
		return u.rate(s)
	case session.ScreenEnd:
		return u.end(s)
	case session.ScreenProgress:
		return u.progress(s)
	case session.ScreenHelp:
		return u.help(s)
	}
	return widget.NewLabel(string(s.Screen))
}

// topBar: title on the left; elder mode, voice and home on the right.
func (u *UI) topBar(s session.Snapshot) fyne.CanvasObject {
	title := canvas.NewText(u.T("app.title"), kiotheme.White)
	title.TextSize = u.th.Size(fynetheme.SizeNameSubHeadingText)
	title.TextStyle.Bold = true
	elderKey := "app.elder_on"
	if s.Elder {
		elderKey = "app.elder_off"
	}
	elder := widget.NewButton(u.T(elderKey), u.sess.ToggleElder)
	elder.Importance = widget.HighImportance
	right := []fyne.CanvasObject{elder}
	if u.opt.Voice != nil {
		v := widget.NewButton(u.T("app.voice"), func() {
			u.voiceOn = !u.voiceOn
			u.opt.Voice(u.voiceOn)
			u.sess.Touch()
		})
		if u.voiceOn {
			v.Importance = widget.HighImportance
		}
		right = append(right, v)
	}
	if s.Screen != session.ScreenAttract && s.Screen != session.ScreenSubmitting && s.Identity != nil {
		right = append(right, widget.NewButton(u.T("app.home"), u.sess.Home))
		right = append(right, widget.NewButton(u.T("app.exit"), u.sess.End))
	}
	bg := canvas.NewRectangle(u.th.Color(fynetheme.ColorNameHeaderBackground, 0))
	bar := container.NewBorder(nil, nil, container.NewPadded(title), container.NewHBox(right...))
	return container.NewStack(bg, container.NewPadded(bar))
}

func (u *UI) statusLine(s session.Snapshot) fyne.CanvasObject {
	if u.opt.Status == nil {
		return layout.NewSpacer()
	}
	st := u.opt.Status()
	var parts []string
	if !st.Online {
		parts = append(parts, u.T("app.offline"))
	}
	if st.Printer != "" && st.Printer != "ready" {
		parts = append(parts, "🖨 "+u.stateLabel(kiosk.DeviceState(st.Printer)))
	}
	if len(parts) == 0 {
		return layout.NewSpacer()
	}
	l := widget.NewLabel(strings.Join(parts, "  ·  "))
	l.Wrapping = fyne.TextWrapBreak
	l.Importance = widget.WarningImportance
	l.SizeName = fynetheme.SizeNameCaptionText
	return l
}

func (u *UI) warning(s session.Snapshot) fyne.CanvasObject {
	shade := canvas.NewRectangle(color.NRGBA{A: 0x99})
	secs := int(s.Remaining.Seconds() + 0.5)
	msg := u.label(u.T("app.idle_warning", secs), fynetheme.SizeNameSubHeadingText, false)
	more := u.primary(u.T("app.more_time"), u.sess.MoreTime)
	exit := widget.NewButton(u.T("app.exit"), u.sess.End)
	card := container.NewStack(canvas.NewRectangle(u.th.Color(fynetheme.ColorNameBackground, 0)),
		container.NewPadded(container.NewVBox(msg, more, exit)))
	return container.NewStack(shade, container.NewCenter(container.NewGridWrap(fyne.NewSize(860, 420), card)))
}

// Helpers shared by the screens.

func (u *UI) heading(text string) *widget.Label {
	return u.label(text, fynetheme.SizeNameHeadingText, true)
}

func (u *UI) para(text string) *widget.Label {
	return u.label(text, fynetheme.SizeNameText, false)
}

func (u *UI) caption(text string) *widget.Label {
	l := u.label(text, fynetheme.SizeNameCaptionText, false)
	l.Importance = widget.LowImportance
	return l
}

// label is a paragraph broken into lines that fit the screen.
func (u *UI) label(text string, size fyne.ThemeSizeName, bold bool) *widget.Label {
	l := widget.NewLabel(wrapText(text, u.th.Size(size), bold, u.textWidth()))
	l.SizeName = size
	l.TextStyle.Bold = bold
	return l
}

// wrap breaks Chinese anywhere and English at words.
func (u *UI) wrap() fyne.TextWrap {
	if u.tr.Lang() == i18n.ZhCN {
		return fyne.TextWrapBreak
	}
	return fyne.TextWrapWord
}

func (u *UI) primary(text string, tap func()) *widget.Button {
	b := widget.NewButton(text, tap)
	b.Importance = widget.HighImportance
	return b
}

// tall makes a big tile button of at least the touch target.
func (u *UI) tile(text string, tap func()) fyne.CanvasObject {
	b := widget.NewButton(text, tap)
	return container.New(minHeight{u.th.Size(kiotheme.SizeNameTarget) * 1.6}, b)
}

// page returns the items of the current page and a pager row.
func pageOf[T any](u *UI, items []T, per int) ([]T, fyne.CanvasObject) {
	if per <= 0 || len(items) <= per {
		return items, nil
	}
	pages := (len(items) + per - 1) / per
	if u.page >= pages {
		u.page = pages - 1
	}
	lo := u.page * per
	hi := min(lo+per, len(items))
	prev := widget.NewButton(u.T("app.prev_page"), func() { u.page--; u.sess.Touch() })
	next := widget.NewButton(u.T("app.next_page"), func() { u.page++; u.sess.Touch() })
	if u.page == 0 {
		prev.Disable()
	}
	if u.page >= pages-1 {
		next.Disable()
	}
	label := widget.NewLabelWithStyle(u.T("app.page", u.page+1, pages), fyne.TextAlignCenter, fyne.TextStyle{})
	return items[lo:hi], container.NewGridWithColumns(3, prev, label, next)
}

func (u *UI) perPage(normal int) int {
	if u.th.Elder {
		return max(2, normal*2/3)
	}
	return normal
}

// bottom makes the bottom bar: back on the left, the main action on the right.
func (u *UI) bottom(back bool, main fyne.CanvasObject) fyne.CanvasObject {
	var left fyne.CanvasObject = layout.NewSpacer()
	if back {
		left = widget.NewButton(u.T("app.back"), u.sess.Back)
	}
	if main == nil {
		main = layout.NewSpacer()
	}
	return container.NewPadded(container.NewGridWithColumns(2, left, main))
}

func (u *UI) notice(s session.Snapshot) fyne.CanvasObject {
	if s.Notice == "" {
		return nil
	}
	l := u.para("！" + u.T(s.Notice))
	l.Importance = widget.DangerImportance
	return l
}

func vbox(objs ...fyne.CanvasObject) *fyne.Container {
	var keep []fyne.CanvasObject
	for _, o := range objs {
		if o != nil {
			keep = append(keep, o)
		}
	}
	return container.NewVBox(keep...)
}

func (u *UI) page_(content fyne.CanvasObject, bottom fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, bottom, nil, nil, container.NewPadded(container.NewVScroll(content)))
}

// minHeight lays its objects over its whole area and asks for at least h.
type minHeight struct{ h float32 }

func (m minHeight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return fyne.NewSize(s.Width, max(s.Height, m.h))
}

func (m minHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// columnsFor returns how many columns of buttons with these labels fit the
// window side by side, at most max: long labels in 长辈模式 get one column
// rather than pushing the screen wider than the display.
func (u *UI) columnsFor(labels []string, max int) int {
	width := u.win.Canvas().Size().Width
	if width <= 0 {
		width = 1080
	}
	size := u.th.Size(fynetheme.SizeNameText)
	pad := u.th.Size(fynetheme.SizeNameInnerPadding)*2 + u.th.Size(fynetheme.SizeNamePadding)*3
	widest := float32(0)
	for _, l := range labels {
		widest = fyne.Max(widest, fyne.MeasureText(l, size, fyne.TextStyle{}).Width+pad)
	}
	usable := width - 4*u.th.Size(fynetheme.SizeNamePadding)
	n := max
	for n > 1 && float32(n)*widest > usable {
		n--
	}
	return n
}

// wrapText breaks text into lines that fit width at the given text size.
// Fyne's own wrapping measures a label before it knows its width, which
// leaves wrapped paragraphs overlapping the next widget in a VBox; lines
// broken here give every label its true height. Chinese breaks anywhere;
// a Latin word is kept whole when the line has a space to break at.
func wrapText(text string, size float32, bold bool, width float32) string {
	if width <= 0 {
		return text
	}
	style := fyne.TextStyle{Bold: bold}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := []rune{}
		for _, r := range para {
			next := append(line, r)
			if len(line) > 0 && fyne.MeasureText(string(next), size, style).Width > width {
				cut := len(line)
				if r != ' ' && r < 0x2E80 {
					if sp := strings.LastIndexByte(string(line), ' '); sp > 0 {
						cut = len([]rune(string(line)[:sp])) + 1
					}
				}
				out = append(out, strings.TrimRight(string(line[:cut]), " "))
				line = append([]rune{}, line[cut:]...)
				if r == ' ' && len(line) == 0 {
					continue
				}
			}
			line = append(line, r)
		}
		out = append(out, string(line))
	}
	return strings.Join(out, "\n")
}

// textWidth is the width paragraphs are broken to: the window less the
// scroll area's and the containers' padding.
func (u *UI) textWidth() float32 {
	w := u.win.Canvas().Size().Width
	if w <= 0 {
		w = 1080
	}
	p := u.th.Size(fynetheme.SizeNamePadding)
	ip := u.th.Size(fynetheme.SizeNameInnerPadding)
	return w - 6*p - 2*ip - u.th.Size(fynetheme.SizeNameScrollBar)
}
