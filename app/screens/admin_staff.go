package screens

import (
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/app/session"
	kiotheme "github.com/bianmin/kiosk/app/theme"
)

// pinPad is a numeric pad for PINs: the digits are never shown, only one
// dot per digit. It holds the PIN typed so far; clear wipes it.
type pinPad struct {
	obj   fyne.CanvasObject
	dots  *widget.Label
	pin   *string
	onChg func()
}

// newPinPad makes a pad writing into *pin (at most auth.MaxPINLen digits).
func (u *UI) newPinPad(pin *string, onChange func()) *pinPad {
	p := &pinPad{pin: pin, onChg: onChange}
	p.dots = u.heading(" ")
	p.dots.Alignment = fyne.TextAlignCenter
	key := func(label string, tap func()) fyne.CanvasObject {
		b := widget.NewButton(label, func() { tap(); p.show(); u.sess.Touch() })
		return container.New(minHeight{u.th.Size(kiotheme.SizeNameTarget)}, b)
	}
	var keys []fyne.CanvasObject
	for _, d := range "123456789" {
		d := string(d)
		keys = append(keys, key(d, func() {
			if len(*p.pin) < auth.MaxPINLen {
				*p.pin += d
			}
		}))
	}
	keys = append(keys,
		key(u.T("admin.pin_clear"), func() { *p.pin = "" }),
		key("0", func() {
			if len(*p.pin) < auth.MaxPINLen {
				*p.pin += "0"
			}
		}),
		key(u.T("admin.pin_delete"), func() {
			if n := len(*p.pin); n > 0 {
				*p.pin = (*p.pin)[:n-1]
			}
		}))
	grid := container.NewGridWithColumns(3, keys...)
	// At most 720 px wide: the pad stays a pad on a landscape screen.
	width := min(u.textWidth(), 720)
	p.obj = container.NewCenter(container.NewGridWrap(fyne.NewSize(width, grid.MinSize().Height), grid))
	p.show()
	return p
}

func (p *pinPad) show() {
	text := strings.Repeat("●", len(*p.pin))
	if text == "" {
		text = " "
	}
	if p.dots.Text != text {
		p.dots.SetText(text)
	}
	if p.onChg != nil {
		p.onChg()
	}
}

func (p *pinPad) clear() {
	*p.pin = ""
	p.show()
}

// staffPINRows are the manual identity screen's staff PIN field: a button
// showing dots (or the hint), which opens the pad in place of the
// keyboards of the other fields (editing is the screen's open field). A
// refused PIN (the session's AuthErr) is shown in errText and wiped.
func (u *UI) staffPINRows(s session.Snapshot, pin *string, editing *string, refreshAll func(), errText *widget.Label) ([]fyne.CanvasObject, *region) {
	const key = "manual:pin"
	hint := u.T("staff.pin_hint")
	var value *widget.Button
	value = u.valueButton("", hint, func() {
		*editing = key
		refreshAll()
		u.sess.Touch()
	})
	var pad *pinPad
	box := u.region(s, func(session.Snapshot) string { return "" }, func(session.Snapshot) []fyne.CanvasObject {
		if *editing != key {
			return nil
		}
		pad = u.newPinPad(pin, func() {
			u.setValue(value, strings.Repeat("●", len(*pin)), hint)
			setLines(errText, "", 1)
		})
		done := widget.NewButton(u.T("app.confirm"), func() { *editing = ""; refreshAll(); u.sess.Touch() })
		return []fyne.CanvasObject{pad.dots, pad.obj, done}
	})
	var lastErr error
	u.onUpdate(s, func(s session.Snapshot) {
		if s.AuthErr == lastErr {
			return
		}
		lastErr = s.AuthErr
		if s.AuthErr != nil {
			*pin = ""
			u.setValue(value, "", hint)
			if pad != nil {
				pad.show()
			}
			setLines(errText, u.fit(u.errorText(s.AuthErr), fynetheme.SizeNameText, false), 1)
		}
	})
	l := widget.NewLabel(u.T("staff.pin"))
	l.TextStyle.Bold = true
	return []fyne.CanvasObject{l, value, box.box}, box
}

// authErrorText is errorText's part for PINs and staff-only lookups.
func (u *UI) authErrorText(err error) (string, bool) {
	var le *auth.LockedError
	switch {
	case errors.As(err, &le):
		return u.T("admin.locked", le.Until.In(ChinaTime).Format("15:04:05")), true
	case errors.Is(err, auth.ErrWrongPIN):
		return u.T("admin.wrong_pin"), true
	case errors.Is(err, auth.ErrNotConfigured), errors.Is(err, session.ErrAdminUnavailable):
		return u.T("admin.not_configured"), true
	case errors.Is(err, session.ErrPINRequired):
		return u.T("staff.need_pin"), true
	case errors.Is(err, session.ErrStaffOnly):
		return u.T("staff.only"), true
	case errors.Is(err, session.ErrNoReceiptLookup):
		return u.T("staff.no_receipt_lookup"), true
	case auth.IsTechQRError(err): // a technician QR code refused on the PIN pad
		return u.T(session.TechQRNotice(err)), true
	}
	return "", false
}
