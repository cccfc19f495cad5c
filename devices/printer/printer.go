// Package printer is what the app sees of the receipt printer: the Printer
// interface, the small set of printer states, the receipt layouts for 58 and 80 mm paper, the ESC/POS-backed printer,
// the reprint spool and the Service that polls status and reopens the
// transport after an unplug.
//
// The app and cmd/ import this package; it imports the root domain package
// and devices/printer/escpos, never UI code.
package printer

import (
	"context"
	"errors"
	"fmt"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/devloop"
	"github.com/bianmin/kiosk/devices/printer/escpos"
)

// Printer prints receipts. Implementations must refuse early, before
// sending anything, when the printer is known to be out of paper or open,
// returning an error that matches ErrPaperOut or ErrCoverOpen.
type Printer interface {
	// Print prints one receipt.
	Print(ctx context.Context, r kiosk.Receipt) error
	// Status queries the printer now.
	Status(ctx context.Context) (Status, error)
}

// Status is a printer's summarised state with a technician-facing detail
// (e.g. the raw status bytes). Resident-facing text is the UI's
// (app/screens/states.go), never the driver's.
type Status = devloop.Status

// Errors callers act on.
var (
	ErrPaperOut     = errors.New("printer: paper out")
	ErrCoverOpen    = errors.New("printer: cover open")
	ErrFault        = errors.New("printer: fault")
	ErrDisconnected = errors.New("printer: disconnected")
	ErrNotFound     = errors.New("printer: no such spooled receipt")
)

// StateError says why a printer refused to print. It matches the sentinel
// of its state with errors.Is.
type StateError struct{ Status Status }

func (e *StateError) Error() string { return fmt.Sprintf("printer not ready: %s", e.Status.State) }

// Is matches ErrPaperOut, ErrCoverOpen, ErrFault or ErrDisconnected.
func (e *StateError) Is(target error) bool { return target == sentinel(e.Status.State) }

func sentinel(s kiosk.DeviceState) error {
	switch s {
	case kiosk.DevicePaperOut:
		return ErrPaperOut
	case kiosk.DeviceCoverOpen:
		return ErrCoverOpen
	case kiosk.DeviceDisconnected:
		return ErrDisconnected
	case kiosk.DeviceError:
		return ErrFault
	}
	return nil
}

// CanPrint reports whether a printer in state s accepts a job.
func CanPrint(s kiosk.DeviceState) bool {
	return s == kiosk.DeviceReady || s == kiosk.DevicePaperLow || s == kiosk.DeviceBusy
}

// newStatus builds a Status.
func newStatus(s kiosk.DeviceState, detail string) Status {
	return Status{State: s, Detail: detail}
}

// Summarise is the one place where raw ESC/POS status bits become a
// printer state. Order matters: the cause that needs a person first.
func Summarise(s escpos.Status) Status {
	detail := fmt.Sprintf("dle-eot % x", s.Raw[:])
	switch {
	case s.CoverOpen:
		return newStatus(kiosk.DeviceCoverOpen, detail)
	case s.PaperEnd || s.PaperEndStop:
		return newStatus(kiosk.DevicePaperOut, detail)
	case s.CutterError || s.Unrecoverable || s.AutoRecoverable || s.ErrorOccurred || s.Offline:
		return newStatus(kiosk.DeviceError, detail)
	case s.PaperNearEnd:
		return newStatus(kiosk.DevicePaperLow, detail)
	}
	return newStatus(kiosk.DeviceReady, detail)
}

// Disconnected is the status of a printer that does not answer.
func Disconnected(detail string) Status { return newStatus(kiosk.DeviceDisconnected, detail) }
