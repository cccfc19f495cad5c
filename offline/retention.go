package offline

import (
	"context"
	"time"
)

// Retention is the service that purges personal data past retention: once
// at start, then every Every. cmd/kiosk runs it under its supervisor.
type Retention struct {
	Store     *Store
	Retention time.Duration // DefaultRetention when zero
	Every     time.Duration // one hour when zero
}

// Serve purges until ctx is cancelled. A failed purge is logged and tried
// again at the next tick; Serve returns only ctx's error.
func (r *Retention) Serve(ctx context.Context) error {
	every := r.Every
	if every <= 0 {
		every = time.Hour
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.Store.Purge(ctx, r.Store.now(), r.Retention); err != nil && ctx.Err() == nil {
			r.Store.log.Warn("purge failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
