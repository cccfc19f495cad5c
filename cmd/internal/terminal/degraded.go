package terminal

import (
	"context"
	"slices"
	"time"

	"github.com/bianmin/kiosk/app/session"
)

// AlertDiskLow is the value of the "alert" key of the error-level log
// record written when the disk becomes low: technicians and the journal's
// watchers match on it (docs/operations.md).
const AlertDiskLow = "disk_low"

// watchDegraded hands the session the degraded modes every interval (the
// session debounces them before a screen shows them) and logs each change
// once: a disk that became low at error level with alert=disk_low (new
// applications are refused: a technician must come), the other modes at
// warning level. Heartbeats and metrics read the same Degraded.
//
// A change is logged once it has held for settle, as the session shows it:
// the devices coming up at start (a reader not yet opened) alert nobody.
func (t *Terminal) watchDegraded(ctx context.Context, every, settle time.Duration) error {
	tick := time.NewTicker(every)
	defer tick.Stop()
	var logged, cand []string
	var since time.Time
	for {
		modes := t.Degraded()
		t.Session.SetDegraded(session.DegradedFrom(modes))
		now := time.Now()
		if !slices.Equal(modes, cand) {
			cand, since = modes, now
		}
		if !slices.Equal(cand, logged) && now.Sub(since) >= settle {
			t.logDegraded(logged, cand)
			logged = cand
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
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
