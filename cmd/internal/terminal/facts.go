package terminal

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/sync/relay"
)

// heartbeatFacts reads, for each heartbeat, the facts the metrics expose:
// disk headroom, the oldest pending application, the catalogue in use (the
// session's, which a pulled catalogue replaces between residents: the
// version the terminal started with is not the one in use after an update).
func (t *Terminal) heartbeatFacts(ctx context.Context) (relay.Facts, error) {
	var f relay.Facts
	var errs []error
	if st, err := t.Store.Stats(ctx); err != nil {
		errs = append(errs, fmt.Errorf("queue stats: %w", err))
	} else {
		f.OldestPending, f.PendingBytes = st.OldestAge, st.BytesPending
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(t.Plan.DataDir, &fs); err != nil {
		errs = append(errs, fmt.Errorf("statfs: %w", err))
	} else {
		f.DiskFree, f.DiskSize = fs.Bavail*uint64(fs.Bsize), fs.Blocks*uint64(fs.Bsize)
	}
	if t.Session != nil {
		if c := t.Session.Catalog(); c != nil {
			f.CatalogVersion, f.CatalogExpires = c.Version, c.Expires
		}
	}
	f.Degraded = t.Degraded()
	return f, errors.Join(errs...)
}

// Degraded modes shown to residents (and reported in heartbeats and
// metrics). The names are the session's (session.Mode*). Device states are
// debounced by the device services (devices/devloop), the disk by
// hysteresis below, and the session debounces the whole set again before a
// screen shows it.
const (
	DegradedReaderMissing = session.ModeReaderMissing // no ID card reader: offer QR or staff help instead of 放置身份证
	DegradedPrinterOut    = session.ModePrinterOut    // no receipt printing: the receipt is on screen and reprintable later
	DegradedDiskLow       = session.ModeDiskLow       // new applications refused; the technician alerted
)

// DegradedModes are all the degraded modes, in the order Degraded lists them.
var DegradedModes = session.Modes

// DiskLowBytes is the free space under which the terminal counts the disk as
// low (besides the store's own reserve having been released); it counts as
// low again only once twice this much is free (hysteresis: a disk at the
// threshold does not flap).
const DiskLowBytes = 64 << 20

// Degraded lists the degraded modes in force, in a fixed order.
func (t *Terminal) Degraded() []string {
	var out []string
	if t.Reader == nil || missing(t.Reader.State()) {
		out = append(out, DegradedReaderMissing)
	}
	if t.Printer == nil {
		out = append(out, DegradedPrinterOut)
	} else {
		switch st := t.Printer.State().State; {
		case missing(st), st == kiosk.DevicePaperOut, st == kiosk.DeviceCoverOpen, st == kiosk.DeviceJam:
			out = append(out, DegradedPrinterOut)
		}
	}
	if t.Store != nil && t.diskLowNow() {
		out = append(out, DegradedDiskLow)
	}
	return out
}

// diskLowNow measures the disk under the data directory, with hysteresis.
func (t *Terminal) diskLowNow() bool {
	free, err := t.freeBytes()
	headroom := t.Store.HeadroomInPlace()
	was := t.diskLow.Load()
	low := !headroom
	switch {
	case err != nil:
		low = low || was // unmeasured: keep what we knew
	case was:
		low = low || free < 2*DiskLowBytes
	default:
		low = low || free < DiskLowBytes
	}
	t.diskLow.Store(low)
	return low
}

// freeBytes is the free space for the kiosk's user under the data
// directory (tests replace it through setFreeBytes).
func (t *Terminal) freeBytes() (uint64, error) {
	if f, ok := t.freeFn.Load().(func() (uint64, error)); ok && f != nil {
		return f()
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(t.Plan.DataDir, &fs); err != nil {
		return 0, fmt.Errorf("statfs: %w", err)
	}
	return fs.Bavail * uint64(fs.Bsize), nil
}

func missing(st kiosk.DeviceState) bool {
	return st == kiosk.DeviceDisconnected || st == kiosk.DeviceError
}
