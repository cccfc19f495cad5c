package scanner

import (
	"context"
	"log/slog"
	"time"
)

// Poller is a service that polls a scanner's status and reports changes:
// run it under the supervisor with Serve. It logs state changes, not polls.
type Poller struct {
	Scanner  Scanner
	Interval time.Duration // 5 s when zero
	OnChange func(Status)  // called from Serve's goroutine on every change (and the first poll)
	Log      *slog.Logger  // may be nil
}

// Serve polls until ctx is done and returns ctx.Err().
func (p *Poller) Serve(ctx context.Context) error {
	iv := p.Interval
	if iv <= 0 {
		iv = 5 * time.Second
	}
	log := p.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	var last Status
	first := true
	for {
		pctx, cancel := context.WithTimeout(ctx, iv)
		st, err := p.Scanner.Status(pctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil && st.State == "" {
			st = Summarise(RawFromError(err))
		}
		if first || st.State != last.State {
			log.Info("scanner state", "state", string(st.State), "detail", st.Detail)
			if p.OnChange != nil {
				p.OnChange(st)
			}
			first = false
		}
		last = st
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
