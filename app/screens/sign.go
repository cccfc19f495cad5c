package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/session"
)

// SignaturePad is a finger-drawing area that yields the signature as PNG.
// A pad that also has SetOnChanged(func()) reports each stroke, which
// counts as activity for the idle timer.
type SignaturePad interface {
	fyne.CanvasObject
	PNG() ([]byte, error)
	IsEmpty() bool
}

// strokeNotifier is a pad that reports strokes.
type strokeNotifier interface{ SetOnChanged(func()) }

// sign: the pad is made once when the screen opens; its strokes stay until
// the resident rewrites them or the screen goes away.
func (u *UI) sign(s session.Snapshot) fyne.CanvasObject {
	var text string
	for _, m := range s.Materials {
		if m.Spec.ID == s.Signing {
			text = u.C(m.Spec.Commitment)
		}
	}
	errText := u.para("")
	errText.Importance = widget.DangerImportance
	setLines(errText, "", 1)
	body := []fyne.CanvasObject{u.heading(u.T("sign.title")), u.para(text), u.caption(u.T("sign.instruction"))}
	if u.opt.NewSignaturePad == nil {
		return u.page_(vbox(body...), u.bottom(true, nil))
	}
	pad := u.opt.NewSignaturePad()
	if n, ok := pad.(strokeNotifier); ok {
		n.SetOnChanged(func() {
			setLines(errText, "", 1)
			u.sess.Touch() // drawing is activity: no idle timeout while signing
		})
	}
	width := min(1000, u.textWidth())
	box := container.NewGridWrap(fyne.NewSize(width, 420), pad)
	done := u.primary(u.T("sign.done"), func() {
		u.sess.Touch()
		if pad.IsEmpty() {
			setLines(errText, u.fit(u.T("sign.empty"), fynetheme.SizeNameText, false), 1)
			return
		}
		png, err := pad.PNG()
		if err == nil {
			err = u.sess.Sign(png)
		}
		if err != nil {
			setLines(errText, u.fit(u.errorText(err), fynetheme.SizeNameText, false), 1)
		}
	})
	body = append(body, container.NewCenter(box), errText)
	return u.page_(vbox(body...), u.bottom(true, done))
}
