// Package devloop is the one supervision loop of the kiosk's devices: open,
// drive until the device fails, close, reopen with capped backoff; and the
// one State that records a device's summarised state, debounces it, logs a
// change once and tells subscribers. The reader, QR scanner, printer and
// scanner services are built on it; cmd/internal/supervise restarts the
// services themselves if they ever return. Device packages import it.
package devloop

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// Status is a device's summarised state with a technician-facing detail
// (never personal data, never resident-facing text: the UI owns that).
type Status struct {
	State  kiosk.DeviceState `json:"state"`
	Detail string            `json:"detail,omitempty"`
}

// StateConfig configures a State.
type StateConfig struct {
	Device string       // idcard, qr, printer, scanner: the log's device field
	Log    *slog.Logger // nil: discard
	// Hold debounces: a new state listed here becomes current only once it
	// has been reported for this long without another state in between
	// (a printer that misses one status reply on a loaded machine is not
	// "disconnected"). The first state ever reported is taken at once.
	Hold map[kiosk.DeviceState]time.Duration
	Now  func() time.Time // nil: time.Now; tests inject a clock
}

// State is one device's current state. It is safe for concurrent use.
type State struct {
	cfg StateConfig
	log *slog.Logger

	mu      sync.Mutex
	cur     Status
	set     bool
	pending Status    // a held state not yet current
	since   time.Time // when pending was first reported
	subs    map[chan Status]struct{}
}

// NewState returns a State that reads disconnected until the first Set.
func NewState(cfg StateConfig) *State {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &State{cfg: cfg, log: log, cur: Status{State: kiosk.DeviceDisconnected, Detail: "not opened yet"},
		subs: map[chan Status]struct{}{}}
}

// Set reports the device's state now and returns whether the current state
// changed. A change is logged once and sent to subscribers; the same state
// again only refreshes the detail.
func (s *State) Set(st Status) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set && st.State == s.cur.State {
		s.cur.Detail = st.Detail
		s.pending = Status{}
		return false
	}
	if hold := s.cfg.Hold[st.State]; hold > 0 && s.set {
		now := s.cfg.Now()
		if s.pending.State != st.State {
			s.pending, s.since = st, now
			return false
		}
		if now.Sub(s.since) < hold {
			s.pending.Detail = st.Detail
			return false
		}
	}
	s.pending = Status{}
	s.cur, s.set = st, true
	s.log.Info("device state", "device", s.cfg.Device, "state", string(st.State), "detail", st.Detail)
	for ch := range s.subs {
		select {
		case ch <- st:
		default: // slow subscriber: drop the oldest, keep the newest
			select {
			case <-ch:
			default:
			}
			select {
			case ch <- st:
			default:
			}
		}
	}
	return true
}

// SetState is Set with the error's text as the detail.
func (s *State) SetState(st kiosk.DeviceState, err error) bool {
	d := ""
	if err != nil {
		d = err.Error()
	}
	return s.Set(Status{State: st, Detail: d})
}

// Get returns the current status.
func (s *State) Get() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Subscribe returns a channel that receives every change of the current
// state (the newest is kept when the reader falls behind) and a function to
// unsubscribe.
func (s *State) Subscribe() (<-chan Status, func()) {
	ch := make(chan Status, 4)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

// Loop reopens a device with capped exponential backoff.
type Loop struct {
	State *State
	// Lost, when set, is called instead of setting State disconnected, for
	// services that publish their state changes as events too.
	Lost func(err error)
	// Backoff after a failed open or a failed session: doubles from
	// MinBackoff (default 200 ms) to MaxBackoff (default 5 s), back to
	// MinBackoff after a healthy session.
	MinBackoff, MaxBackoff time.Duration
}

// Run opens the device, hands it to use until use returns, closes it and
// opens it again, until ctx ends; it returns ctx.Err(). A failed open, and
// a session that ends with an error, set the state disconnected with the
// error as detail. use reports healthy when the device worked at all, which
// resets the backoff; it sets the states it sees itself.
func Run[D io.Closer](ctx context.Context, l Loop, open func(context.Context) (D, error), use func(context.Context, D) (healthy bool, err error)) error {
	lo, hi := l.MinBackoff, l.MaxBackoff
	if lo <= 0 {
		lo = 200 * time.Millisecond
	}
	if hi <= 0 {
		hi = 5 * time.Second
	}
	backoff := lo
	for ctx.Err() == nil {
		d, err := open(ctx)
		if err == nil {
			var healthy bool
			healthy, err = use(ctx, d)
			d.Close()
			if healthy {
				backoff = lo
			}
		}
		if ctx.Err() != nil {
			break
		}
		switch {
		case err != nil && l.Lost != nil:
			l.Lost(err)
		case err != nil:
			l.State.SetState(kiosk.DeviceDisconnected, err)
		}
		if !Sleep(ctx, backoff) {
			break
		}
		backoff = min(backoff*2, hi)
	}
	return ctx.Err()
}

// Sleep waits d or until ctx ends; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
