package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/catalogsig"
)

// StatusCursor is the outbox cursor name of the status feed.
const StatusCursor = "status"

// PullCatalog fetches the signed catalogue and keeps it when its signature
// holds, it has not expired and its version is newer than the one kept.
// A rejected catalogue leaves the last good one in place.
func (r *Relay) PullCatalog(ctx context.Context) error {
	if r.cfg.CatalogKey == nil {
		return nil
	}
	sc, err := r.p.Catalog(ctx)
	r.observe(err)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	_, held, err := r.out.LatestCatalog(ctx)
	if err != nil {
		return fmt.Errorf("relay: latest catalog: %w", err)
	}
	p, err := catalogsig.Verify(r.cfg.CatalogKey, sc, r.cfg.Now(), held)
	if err != nil {
		r.log.Warn("catalogue rejected", "held", held, "err", err)
		return fmt.Errorf("relay: %w", err)
	}
	r.mu.Lock()
	r.st.Catalog = max(held, p.Version)
	r.mu.Unlock()
	if p.Version == held {
		return nil
	}
	raw, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	if err := r.out.SaveCatalog(ctx, p.Version, raw); err != nil {
		return fmt.Errorf("relay: save catalog: %w", err)
	}
	r.log.Info("catalogue updated", "version", p.Version, "expires", p.Expires)
	if r.cfg.OnCatalog != nil {
		r.cfg.OnCatalog(p.Version, p.Catalog)
	}
	return nil
}

// PullStatus reads the status feed from the kept cursor and applies each
// event, moving the cursor only past events applied.
func (r *Relay) PullStatus(ctx context.Context) error {
	for {
		cur, err := r.out.Cursor(ctx, StatusCursor)
		if err != nil {
			return fmt.Errorf("relay: cursor: %w", err)
		}
		page, err := r.p.Status(ctx, cur, 100)
		r.observe(err)
		if err != nil {
			return fmt.Errorf("relay: %w", err)
		}
		for _, ev := range page.Events {
			if err := r.out.ApplyStatus(ctx, ev.InstanceID, ev.State, ev.At, ev.Note); err != nil {
				// An event the store cannot apply (unknown id, state not
				// allowed) is logged and skipped, not retried for ever.
				r.log.Warn("status event not applied", "instance", ev.InstanceID, "state", ev.State, "err", err)
			}
		}
		if page.Next == cur || len(page.Events) == 0 {
			return nil
		}
		if err := r.out.SetCursor(ctx, StatusCursor, page.Next); err != nil {
			return fmt.Errorf("relay: set cursor: %w", err)
		}
	}
}

// SendRatings sends pending ratings (idempotent by instance id on the platform).
func (r *Relay) SendRatings(ctx context.Context) error {
	rs, err := r.out.PendingRatings(ctx, 50)
	if err != nil {
		return fmt.Errorf("relay: pending ratings: %w", err)
	}
	for _, rt := range rs {
		_, err := r.p.SendRating(ctx, rt)
		r.observe(err)
		if err != nil {
			return fmt.Errorf("relay: %w", err)
		}
		if err := r.out.MarkRatingSent(ctx, rt.InstanceID); err != nil {
			return fmt.Errorf("relay: mark rating sent: %w", err)
		}
	}
	return nil
}

// SendHeartbeat reports device states, queue depth, versions, uptime, the
// clock skew measured at the previous heartbeat and Config.Facts.
func (r *Relay) SendHeartbeat(ctx context.Context) error {
	depth, err := r.out.Depth(ctx)
	if err != nil {
		return fmt.Errorf("relay: depth: %w", err)
	}
	sent := r.cfg.Now()
	versions := make(map[string]string, len(r.cfg.Versions)+1)
	for k, v := range r.cfg.Versions {
		versions[k] = v
	}
	r.mu.Lock()
	skew, skewed := r.st.ClockSkew, r.st.ClockSkewed
	r.mu.Unlock()
	hb := api.Heartbeat{Terminal: r.cfg.Terminal, At: sent.UTC(), QueueDepth: depth, Versions: versions,
		UptimeS: int64(sent.Sub(r.started) / time.Second), ClockSkewMS: skew.Milliseconds(), ClockSkewed: skewed}
	if r.cfg.DeviceStates != nil {
		hb.Devices = r.cfg.DeviceStates()
	}
	if r.cfg.Facts != nil {
		f, err := r.cfg.Facts(ctx)
		if err != nil {
			// A fact that cannot be read is left out; the heartbeat still goes.
			r.log.Warn("heartbeat facts", "err", err)
		}
		hb.DiskFreeBytes, hb.DiskSizeBytes = f.DiskFree, f.DiskSize
		hb.OldestPendingS, hb.PendingBytes = int64(f.OldestPending/time.Second), f.PendingBytes
		hb.Degraded = f.Degraded
		if !f.CatalogExpires.IsZero() {
			hb.CatalogExpires = f.CatalogExpires.UTC()
		}
		if f.CatalogVersion > 0 {
			// The catalogue in use, not the one the terminal started with.
			hb.CatalogVersion = f.CatalogVersion
			versions["catalog"] = fmt.Sprint(f.CatalogVersion)
		}
	}
	res, err := r.p.Heartbeat(ctx, hb)
	r.observe(err)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	if res != nil && !res.ServerTime.IsZero() {
		back := r.cfg.Now()
		r.noteSkew(res.ServerTime.Sub(sent.Add(back.Sub(sent) / 2)))
	}
	return nil
}

// noteSkew records how far the platform's clock is ahead of ours (negative:
// behind), measured against the middle of the heartbeat's round trip. A skew
// beyond MaxClockSkew is logged once when it appears and once when it is
// gone; Status carries it for the dock and kioskctl.
func (r *Relay) noteSkew(skew time.Duration) {
	bad := skew > r.cfg.MaxClockSkew || skew < -r.cfg.MaxClockSkew
	r.mu.Lock()
	was := r.st.ClockSkewed
	r.st.ClockSkew, r.st.ClockSkewed = skew, bad
	r.mu.Unlock()
	switch {
	case bad && !was:
		r.log.Warn("local clock differs from the platform's", "skew", skew.Round(time.Second).String(), "limit", r.cfg.MaxClockSkew.String())
	case !bad && was:
		r.log.Info("local clock agrees with the platform's again", "skew", skew.Round(time.Millisecond).String())
	}
}
