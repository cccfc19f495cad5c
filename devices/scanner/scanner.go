// Package scanner defines the small interface the kiosk consumes to scan a
// resident's materials, the settings and capability types shared by every
// backend, and the one place where raw scanner conditions are summarised into
// kiosk.DeviceState. Backends live in sub-packages: escl (network and
// IPP-over-USB scanners), sane (through scanimage), v4l2 (UVC document
// cameras) and sim (in-process simulator). Anyone may import this package;
// only cmd/ should import the backends.
package scanner

import (
	"context"
	"errors"
	"image"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/devloop"
)

// Source is where the paper is: on the glass or in the document feeder.
type Source string

// Sources.
const (
	Platen Source = "platen"
	Feeder Source = "feeder"
)

// ColorMode is what the scanner is asked to deliver.
type ColorMode string

// Colour modes.
const (
	Color ColorMode = "color"
	Gray  ColorMode = "gray"
)

// Settings is one scan request.
type Settings struct {
	Source Source    // Platen when empty
	Color  ColorMode // Gray when empty (text documents)
	DPI    int       // 200 when zero
	Duplex bool      // both sides, feeder only
	// MaxPages stops a feeder scan after this many pages; 0 means until the
	// feeder is empty. A platen scan always yields one page.
	MaxPages int
}

// WithDefaults fills the zero fields.
func (s Settings) WithDefaults() Settings {
	if s.Source == "" {
		s.Source = Platen
	}
	if s.Color == "" {
		s.Color = Gray
	}
	if s.DPI <= 0 {
		s.DPI = 200
	}
	return s
}

// Caps is what a scanner says it can do.
type Caps struct {
	MakeAndModel string      `json:"make_and_model,omitempty"`
	Sources      []Source    `json:"sources"`
	ColorModes   []ColorMode `json:"color_modes"`
	Resolutions  []int       `json:"resolutions"` // dpi, ascending; for ranges the common stops inside the range
	Duplex       bool        `json:"duplex"`
	MaxWidthMM   float64     `json:"max_width_mm,omitempty"`
	MaxHeightMM  float64     `json:"max_height_mm,omitempty"`
}

// Has reports whether the scanner offers src.
func (c Caps) Has(src Source) bool {
	for _, s := range c.Sources {
		if s == src {
			return true
		}
	}
	return false
}

// NearestDPI returns the supported resolution closest to want (want itself
// when the list is empty).
func (c Caps) NearestDPI(want int) int {
	best := want
	bestD := -1
	for _, r := range c.Resolutions {
		d := r - want
		if d < 0 {
			d = -d
		}
		if bestD < 0 || d < bestD {
			best, bestD = r, d
		}
	}
	return best
}

// Status is a scanner's summarised state plus a technician-facing detail
// (never personal data).
type Status = devloop.Status

// Page is one scanned side of a sheet.
type Page struct {
	Image image.Image
	DPI   int
}

// Scanner is what the app needs from a scanning device. Implementations must
// be safe for use by one goroutine at a time; Scan must honour ctx by
// cancelling the job on the device and returning ctx.Err() (wrapped).
type Scanner interface {
	// Capabilities reports what the device can do. It may be cached.
	Capabilities(ctx context.Context) (Caps, error)
	// Status reports the device state now. A device that cannot be reached
	// yields State DeviceDisconnected and a nil error.
	Status(ctx context.Context) (Status, error)
	// Scan runs one job and returns its pages in order. When the job stops
	// part-way (a jam after two sheets) it returns the pages already scanned
	// together with the error, so the UI can keep them and ask for the rest.
	Scan(ctx context.Context, s Settings) ([]Page, error)
}

// Sentinel errors that callers act on. Backends wrap them.
var (
	ErrFeederEmpty  = errors.New("feeder empty")
	ErrJam          = errors.New("paper jam")
	ErrBusy         = errors.New("scanner busy")
	ErrCoverOpen    = errors.New("cover open")
	ErrDisconnected = errors.New("scanner disconnected")
	ErrUnsupported  = errors.New("unsupported setting")
)

// Raw is a backend's raw view of the device, filled from whatever the device
// reports (eSCL State and AdfState, scanimage messages, ioctl errors).
// Summarise turns it into a state.
type Raw struct {
	Unreachable bool // no answer, device gone, open failed with ENODEV
	Jam         bool
	CoverOpen   bool
	FeederEmpty bool // only meaningful when the feeder is wanted
	Busy        bool // processing a job, or the device said busy
	Fault       bool // stopped, I/O error, anything else unrecoverable
	Detail      string
}

// Summarise is the one place where raw conditions become a kiosk.DeviceState.
// The order is the order of what the resident or technician must fix first.
func Summarise(r Raw) Status {
	st := kiosk.DeviceReady
	switch {
	case r.Unreachable:
		st = kiosk.DeviceDisconnected
	case r.Jam:
		st = kiosk.DeviceJam
	case r.CoverOpen:
		st = kiosk.DeviceCoverOpen
	case r.Fault:
		st = kiosk.DeviceError
	case r.FeederEmpty:
		st = kiosk.DeviceFeederEmpty
	case r.Busy:
		st = kiosk.DeviceBusy
	}
	return Status{State: st, Detail: r.Detail}
}

// RawFromError maps an error returned by a backend to raw conditions, so that
// a failed scan can be summarised the same way as a status poll.
func RawFromError(err error) Raw {
	var r Raw
	if err == nil {
		return r
	}
	r.Detail = err.Error()
	switch {
	case errors.Is(err, ErrDisconnected):
		r.Unreachable = true
	case errors.Is(err, ErrJam):
		r.Jam = true
	case errors.Is(err, ErrCoverOpen):
		r.CoverOpen = true
	case errors.Is(err, ErrFeederEmpty):
		r.FeederEmpty = true
	case errors.Is(err, ErrBusy):
		r.Busy = true
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// not a device condition
	default:
		r.Fault = true
	}
	return r
}

// StateOf summarises an error from Scan into a device state (DeviceReady for
// nil and for a cancelled context).
func StateOf(err error) kiosk.DeviceState { return Summarise(RawFromError(err)).State }
