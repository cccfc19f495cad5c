package scanner

import (
	"context"
	"io"
	"log/slog"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/devloop"
)

// Poller is a service that polls a scanner's status and reports changes:
// run it under the supervisor with Serve. It is built on devloop's one
// supervision loop: a scanner that is not reachable is polled again with
// backoff (Interval doubling up to four times Interval), and a change of
// state is logged once.
type Poller struct {
	Scanner  Scanner
	Interval time.Duration // 5 s when zero
	OnChange func(Status)  // called from Serve's goroutine on every change (and the first poll)
	Log      *slog.Logger  // may be nil
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

// Serve polls until ctx is done and returns ctx.Err().
func (p *Poller) Serve(ctx context.Context) error {
	iv := p.Interval
	if iv <= 0 {
		iv = 5 * time.Second
	}
	st := devloop.NewState(devloop.StateConfig{Device: "scanner", Log: p.Log})
	set := func(s Status) {
		if st.Set(s) && p.OnChange != nil {
			p.OnChange(s)
		}
	}
	// The scanner backends open per request, so there is nothing to open:
	// a session is a run of polls until the scanner is unreachable.
	open := func(context.Context) (io.Closer, error) { return nopCloser{}, nil }
	use := func(ctx context.Context, _ io.Closer) (bool, error) {
		healthy := false
		for {
			pctx, cancel := context.WithTimeout(ctx, iv)
			s, err := p.Scanner.Status(pctx)
			cancel()
			if ctx.Err() != nil {
				return healthy, nil
			}
			if err != nil && s.State == "" {
				s = Summarise(RawFromError(err))
			}
			set(s)
			if s.State == kiosk.DeviceDisconnected {
				return healthy, nil
			}
			healthy = true
			if !devloop.Sleep(ctx, iv) {
				return healthy, nil
			}
		}
	}
	return devloop.Run(ctx, devloop.Loop{State: st, MinBackoff: iv, MaxBackoff: 4 * iv}, open, use)
}
