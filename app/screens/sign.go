package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/session"
)

// SignaturePad is a finger-drawing area that yields the signature as PNG.
type SignaturePad interface {
	fyne.CanvasObject
	PNG() ([]byte, error)
	IsEmpty() bool
}

func (u *UI) sign(s session.Snapshot) fyne.CanvasObject {
	var text string
	for _, m := range s.Materials {
		if m.Spec.ID == s.Signing {
			text = m.Spec.Commitment
		}
	}
	errText := widget.NewLabel("")
	errText.Importance = widget.DangerImportance
	body := []fyne.CanvasObject{u.heading(u.T("sign.title")), u.para(text), u.caption(u.T("sign.instruction"))}
	if u.opt.NewSignaturePad == nil {
		return u.page_(vbox(body...), u.bottom(true, nil))
	}
	pad := u.opt.NewSignaturePad()
	box := container.NewGridWrap(fyne.NewSize(1000, 420), pad)
	done := u.primary(u.T("sign.done"), func() {
		if pad.IsEmpty() {
			errText.SetText(u.T("sign.empty"))
			return
		}
		png, err := pad.PNG()
		if err == nil {
			err = u.sess.Sign(png)
		}
		if err != nil {
			errText.SetText(u.errorText(err))
		}
	})
	body = append(body, container.NewCenter(box), errText)
	return u.page_(vbox(body...), u.bottom(true, done))
}
