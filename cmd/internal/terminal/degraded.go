package terminal

import (
	"context"
	"slices"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/devices/printer"
)

// AlertDiskLow is the value of the "alert" key of the error-level log
// record written when the disk becomes low: technicians and the journal's
// watchers match on it (docs/operations.md).
const AlertDiskLow = "disk_low"

// statusHub carries "something the degraded modes or the status line
// depend on may have changed" from the devices and the relay to the
// watcher, and from the watcher to the UI's status line. Both channels
// hold one pending signal: a burst of changes is one re-evaluation.
type statusHub struct {
	once      sync.Once
	watch, ui chan struct{}
}

func (h *statusHub) init() {
	h.once.Do(func() { h.watch, h.ui = make(chan struct{}, 1), make(chan struct{}, 1) })
}

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// statusChanged tells the watcher that a device's state or the link may
// have changed (the reader's events, the relay's link state).
func (t *Terminal) statusChanged() { t.hub.init(); notify(t.hub.watch) }

// StatusChanged receives a value whenever what the status line shows (the
// link, the printer's state) changed: the UI refreshes it then, and polls
// nothing (screens.Options.StatusChanged).
func (t *Terminal) StatusChanged() <-chan struct{} { t.hub.init(); return t.hub.ui }

// watchDegraded hands the session the degraded modes whenever they may have
// changed (the session debounces them before a screen shows them) and logs
// each change once: a disk that became low at error level with
// alert=disk_low (new applications are refused: a technician must come),
// the other modes at warning level. Heartbeats and metrics read the same
// Degraded. It wakes on events only: the printer's state changes (its
// service debounces a disconnection), the reader's events and the relay's
// link changes (statusChanged), a held change's settle time; the disk,
// which tells nobody when it fills, is measured every diskEvery.
//
// A change is logged once it has held for settle, as the session shows it:
// the devices coming up at start (a reader not yet opened) alert nobody.
func (t *Terminal) watchDegraded(ctx context.Context, diskEvery, settle time.Duration) error {
	t.hub.init()
	var printerCh <-chan printer.Status
	if t.Printer != nil {
		ch, unsubscribe := t.Printer.Subscribe()
		defer unsubscribe()
		printerCh = ch
	}
	disk := time.NewTicker(diskEvery)
	defer disk.Stop()
	held := time.NewTimer(time.Hour)
	held.Stop()
	defer held.Stop()
	type shown struct {
		online  bool
		printer kiosk.DeviceState
	}
	var lastShown shown
	var logged, cand []string
	var since time.Time
	for {
		modes := t.Degraded()
		t.Session.SetDegraded(session.DegradedFrom(modes))
		now := time.Now()
		if !slices.Equal(modes, cand) {
			cand, since = modes, now
		}
		var settled <-chan time.Time
		if !slices.Equal(cand, logged) {
			if wait := settle - now.Sub(since); wait <= 0 {
				t.logDegraded(logged, cand)
				logged = cand
			} else {
				held.Reset(wait)
				settled = held.C
			}
		}
		sh := shown{online: t.Online()}
		if t.Printer != nil {
			sh.printer = t.Printer.State().State
		}
		if sh != lastShown {
			lastShown = sh
			notify(t.hub.ui)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-printerCh:
		case <-t.hub.watch:
		case <-disk.C:
		case <-settled:
		}
		held.Stop()
	}
}

func (t *Terminal) logDegraded(before, now []string) {
	for _, m := range now {
		if slices.Contains(before, m) {
			continue
		}
		if m == DegradedDiskLow {
			free, _ := t.freeBytes()
			t.log.Error("disk low: new applications refused", "alert", AlertDiskLow, "mode", m,
				"disk_free_bytes", free, "headroom_in_place", t.Store.HeadroomInPlace())
			continue
		}
		t.log.Warn("degraded mode", "mode", m)
	}
	for _, m := range before {
		if !slices.Contains(now, m) {
			t.log.Info("degraded mode over", "mode", m)
		}
	}
}

// setFreeBytes replaces the free-space measurement (tests).
func (t *Terminal) setFreeBytes(f func() (uint64, error)) { t.freeFn.Store(f) }
