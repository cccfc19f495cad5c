package session

import (
	"errors"
	"strings"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// Degraded is what this terminal cannot do for a resident right now. The
// terminal measures it (cmd/internal/terminal: Degraded) and hands it to
// SetDegraded; the session debounces it, acts on it (refuses a new
// application when the disk is low, refuses a reprint while the printer
// cannot print) and puts it in every Snapshot, where the screens turn it
// into words (app/screens/states.go).
type Degraded struct {
	// ReaderMissing: no ID card reader answers. The attract screen offers
	// the QR code (electronic ID, receipt) and staff help, never a card
	// prompt that cannot work.
	ReaderMissing bool
	// PrinterOut: receipts cannot be printed (out of paper, cover open,
	// jammed, unplugged). The resident is told before a service starts that
	// the receipt will be shown on screen and can be reprinted later.
	PrinterOut bool
	// DiskLow: no room for new applications. They are refused with a plain
	// message; the terminal alerts the technician.
	DiskLow bool
}

// Any reports whether some degraded mode holds.
func (d Degraded) Any() bool { return d.ReaderMissing || d.PrinterOut || d.DiskLow }

// Degraded mode names, as heartbeats and metrics carry them.
const (
	ModeReaderMissing = "reader_missing"
	ModePrinterOut    = "printer_out"
	ModeDiskLow       = "disk_low"
)

// Modes are all the degraded mode names, in a fixed order.
var Modes = []string{ModeReaderMissing, ModePrinterOut, ModeDiskLow}

// Modes lists the modes in force, in the order of Modes.
func (d Degraded) Modes() []string {
	var out []string
	for _, m := range Modes {
		if d.Has(m) {
			out = append(out, m)
		}
	}
	return out
}

// Has reports whether mode m holds.
func (d Degraded) Has(m string) bool {
	switch m {
	case ModeReaderMissing:
		return d.ReaderMissing
	case ModePrinterOut:
		return d.PrinterOut
	case ModeDiskLow:
		return d.DiskLow
	}
	return false
}

// DegradedFrom reads the terminal's list of mode names.
func DegradedFrom(modes []string) Degraded {
	var d Degraded
	for _, m := range modes {
		switch m {
		case ModeReaderMissing:
			d.ReaderMissing = true
		case ModePrinterOut:
			d.PrinterOut = true
		case ModeDiskLow:
			d.DiskLow = true
		}
	}
	return d
}

// Errors of a refused action in a degraded mode.
var (
	// ErrDiskLow: a new application is refused, there is no room to keep it.
	ErrDiskLow = errors.New("disk low: no new applications")
	// ErrPrinterNotReady: the printer cannot print now; nothing was spooled.
	ErrPrinterNotReady = errors.New("printer cannot print now")
	// ErrPrintBusy: a print of this visit is still running; nothing more
	// was spooled.
	ErrPrintBusy = errors.New("a print is still running")
	// ErrNothingToPrint: there is no receipt of this visit to reprint.
	ErrNothingToPrint = errors.New("no receipt to reprint")
	// ErrNeedsPerson: the material is a face check that no scan can give.
	ErrNeedsPerson = errors.New("material needs an in-person check by staff")
)

// SetDegraded hands the session the degraded modes as measured now. The
// terminal calls it when a device or the disk changes (and may call it
// again with the same modes). A change takes effect only once it has held
// for Config.DegradedSettle: a state that flaps (a printer missing one
// status reply, the disk at its threshold) changes nothing on the screen.
// A change that is still held when no new report comes is taken by Tick
// (Run wakes for it: NextTick).
func (s *Session) SetDegraded(d Degraded) {
	now := s.deps.Clock.Now()
	s.mu.Lock()
	changed := d != s.degRaw
	if changed {
		s.degRaw, s.degSince = d, now
	}
	s.mu.Unlock()
	if !s.settleDegraded(now) && changed {
		select { // Run arms the settle time
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// settleDegraded shows the last reported modes once they have held for
// DegradedSettle; it reports whether it did.
func (s *Session) settleDegraded(now time.Time) bool {
	s.mu.Lock()
	d := s.degRaw
	take := d != s.s.Degraded && now.Sub(s.degSince) >= s.cfg.DegradedSettle
	s.mu.Unlock()
	if !take {
		return false
	}
	s.update(func() {
		if s.degRaw != d { // a newer report came in meanwhile
			return
		}
		s.s.Degraded = d
		s.log.Info("degraded modes", "reader_missing", d.ReaderMissing, "printer_out", d.PrinterOut, "disk_low", d.DiskLow)
		if s.s.Ask == "ask.printer_out" && !d.PrinterOut {
			s.s.Ask = "" // the printer is back: nothing to warn of
		}
	})
	return true
}

// AnswerAsk answers the question of Snapshot.Ask. To "ask.printer_out" yes
// goes on to the form (the resident knows the receipt will be on screen),
// no stays on the guide. To "ask.disk_low" yes calls staff, no stays.
func (s *Session) AnswerAsk(yes bool) {
	s.mu.Lock()
	ask := s.s.Ask
	s.mu.Unlock()
	s.update(func() {
		s.s.Ask = ""
		s.touchLocked()
		if ask == "ask.printer_out" && yes {
			s.printerTold = true
		}
	})
	switch {
	case ask == "ask.printer_out" && yes:
		s.StartForm()
	case ask == "ask.disk_low" && yes:
		s.OpenHelp()
	}
}

// NeedsPerson reports a material that no scan can give: a face check
// (现场人脸识别) needs a camera this terminal does not have, so staff or a
// window must do it.
func NeedsPerson(m kiosk.MaterialSpec) bool {
	return strings.Contains(m.Name, "人脸") || strings.Contains(m.Standard, "摄像头")
}

// printerReadyLocked reports whether a print may be tried now: the
// debounced degraded mode, and the printer's own state when the Printer
// port reports one.
func (s *Session) printerReadyLocked() bool {
	if s.s.Degraded.PrinterOut {
		return false
	}
	if ps, ok := s.deps.Printer.(PrinterState); ok {
		switch ps.PrinterState() {
		case kiosk.DeviceReady, kiosk.DevicePaperLow, kiosk.DeviceBusy, "":
		default:
			return false
		}
	}
	return true
}

// PrinterState is implemented by a Printer that knows its printer's
// summarised state without printing (the printer service's last status).
type PrinterState interface {
	PrinterState() kiosk.DeviceState
}

// settleDefault is how long a degraded mode must hold before it is shown.
const settleDefault = 3 * time.Second
