package screens

import (
	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/i18n"
)

// This file is the one place where a device state becomes words. Drivers
// and the domain report kiosk.DeviceState values only; the texts are the
// state.* keys of app/i18n/locales (a short label per state, and per device
// a sentence for the resident).

// stateLabel is the short label of a state (the status line: "缺纸").
func stateLabel(tr *i18n.Bundle, st kiosk.DeviceState) string {
	if st == "" {
		st = kiosk.DeviceDisconnected
	}
	return tr.T("state." + string(st))
}

// stateText is the sentence a resident is shown for device (printer, a4,
// scanner, idcard, qr) in state st; a state the device's table lacks falls
// back to the short label.
func stateText(tr *i18n.Bundle, device string, st kiosk.DeviceState) string {
	if st == "" {
		st = kiosk.DeviceDisconnected
	}
	if k := "state." + device + "." + string(st); device != "" && tr.Has(k) {
		return tr.T(k)
	}
	return stateLabel(tr, st)
}

// The UI's methods onto the same texts.
func (u *UI) stateLabel(st kiosk.DeviceState) string { return stateLabel(u.tr, st) }
func (u *UI) stateText(device string, st kiosk.DeviceState) string {
	return stateText(u.tr, device, st)
}
