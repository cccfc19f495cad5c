package screens

import (
	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/i18n"
	"github.com/bianmin/kiosk/app/session"
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

// The degraded modes of the terminal (session.Degraded) are states too: the
// words a resident is told for each are the degraded.* keys.

// degradedText is the sentence for one degraded mode (session.Mode*).
func degradedText(tr *i18n.Bundle, mode string) string { return tr.T("degraded." + mode) }

// degradedNotice is what the attract screen's notice line says while the
// terminal is degraded, "" when it is not. The reader's absence is said by
// the subtitle and the card picture instead; disk low says more than
// printer out (no new application can be made at all).
func degradedNotice(tr *i18n.Bundle, d session.Degraded) string {
	switch {
	case d.DiskLow:
		return degradedText(tr, session.ModeDiskLow)
	case d.PrinterOut:
		return degradedText(tr, session.ModePrinterOut)
	}
	return ""
}

// degradedNotices are every text degradedNotice can give: the attract
// screen reserves room for the longest, so that nothing moves when one
// comes or goes.
func degradedNotices(tr *i18n.Bundle) []string {
	return []string{degradedText(tr, session.ModeDiskLow), degradedText(tr, session.ModePrinterOut)}
}

// attractSubtitle is the attract screen's invitation: the card, or without
// a reader the QR code and staff help (never a card prompt that cannot work).
func attractSubtitle(tr *i18n.Bundle, d session.Degraded) string {
	if d.ReaderMissing {
		return degradedText(tr, session.ModeReaderMissing)
	}
	return tr.T("attract.subtitle")
}

// cardHint is the two lines in the drawn card outline of the attract
// screen.
func cardHint(tr *i18n.Bundle, d session.Degraded) (string, string) {
	if d.ReaderMissing {
		return tr.T("attract.card_hint_no_reader"), tr.T("attract.card_hint_no_reader_2")
	}
	return tr.T("attract.hint_card"), ""
}

// progressHint is the progress screen's instruction.
func progressHint(tr *i18n.Bundle, d session.Degraded) string {
	if d.ReaderMissing {
		return tr.T("progress.hint_no_reader")
	}
	return tr.T("progress.hint")
}
