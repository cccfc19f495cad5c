package idcard

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/devloop"
)

// Opener opens the reader's stream. The Service calls it again after an
// unplug, so it must open afresh each time.
type Opener func(ctx context.Context) (io.ReadWriteCloser, error)

// DefaultPollInterval is the find-card period when none is configured: a
// find-card exchange is 25 bytes (about 2 ms at 115200 baud), so polling
// every 50 ms keeps the wait after a placement short (25 ms on average)
// for little work; make bench measures both (BenchmarkCardPlacedToIdentity).
const DefaultPollInterval = 50 * time.Millisecond

// ServiceConfig tunes the Service. Zero values take the defaults.
type ServiceConfig struct {
	PollInterval   time.Duration // find-card period; default 50 ms (a card is read within 50 ms of lying still)
	CommandTimeout time.Duration // per command; default 1 s
	ReadTimeout    time.Duration // for the 1295-byte read; default 3 s
	MinBackoff     time.Duration // after an open failure; default 200 ms
	MaxBackoff     time.Duration // default 5 s
	MaxFailures    int           // consecutive transport failures before reopening; default 3
	// RemovalPolls is how many find-card answers of "no card" in a row
	// mean the card was taken away; default 2, so that a reader that
	// answers 80 once while the card lies still does not cause a re-read.
	RemovalPolls int
}

func (c *ServiceConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PollInterval, DefaultPollInterval)
	def(&c.CommandTimeout, time.Second)
	def(&c.ReadTimeout, 3*time.Second)
	def(&c.MinBackoff, 200*time.Millisecond)
	def(&c.MaxBackoff, 5*time.Second)
	if c.MaxFailures <= 0 {
		c.MaxFailures = 3
	}
	if c.RemovalPolls <= 0 {
		c.RemovalPolls = 2
	}
}

// Event is published by the Service: every state change, and a card read
// (State card_present with Identity set). Err explains error and
// disconnected states; it never carries personal data.
type Event struct {
	State    kiosk.DeviceState
	Identity *kiosk.Identity
	Err      error
}

// Service polls a reader for cards and reads each placement once: a card
// left on the reader is not read again until find-card reports no card.
type Service struct {
	open   Opener
	cfg    ServiceConfig
	log    *slog.Logger
	events chan Event

	state *devloop.State
}

// NewService returns a Service; logger may be nil.
func NewService(open Opener, cfg ServiceConfig, logger *slog.Logger) *Service {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{open: open, cfg: cfg, log: logger.With("device", "idcard"),
		events: make(chan Event, 16), state: devloop.NewState(devloop.StateConfig{Device: "idcard", Log: logger})}
}

// Events returns the event channel. The consumer must keep draining it:
// the Service waits for room rather than drop a card read.
func (s *Service) Events() <-chan Event { return s.events }

// State returns the current state.
func (s *Service) State() kiosk.DeviceState { return s.state.Get().State }

// emit records the state (a change is logged once, by devloop) and
// publishes a change or a card read.
func (s *Service) emit(ctx context.Context, ev Event) {
	changed := s.state.SetState(ev.State, ev.Err)
	if !changed && ev.Identity == nil {
		return
	}
	select {
	case s.events <- ev:
	case <-ctx.Done():
	}
}

// Serve runs until ctx is done and returns ctx.Err(). It never returns on
// device errors: it reports them and reopens with backoff (devloop.Run).
func (s *Service) Serve(ctx context.Context) error {
	return devloop.Run(ctx, devloop.Loop{State: s.state, MinBackoff: s.cfg.MinBackoff, MaxBackoff: s.cfg.MaxBackoff,
		Lost: func(err error) { s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err}) }},
		s.open, func(ctx context.Context, rwc io.ReadWriteCloser) (bool, error) { return s.session(ctx, rwc), nil })
}

func (s *Service) cmdCtx(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// session drives one open stream until it fails; healthy reports whether
// the SAM answered at all (to reset the backoff).
func (s *Service) session(ctx context.Context, rwc io.ReadWriteCloser) (healthy bool) {
	c := NewClient(rwc)
	defer c.Close()
	cctx, cancel := s.cmdCtx(ctx, s.cfg.CommandTimeout)
	err := c.SAMStatus(cctx)
	cancel()
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) {
			s.emit(ctx, Event{State: kiosk.DeviceError, Err: err})
			return true
		}
		s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err})
		return false
	}
	s.emit(ctx, Event{State: kiosk.DeviceReady})
	var pl placement
	failures := 0
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	for {
		err := s.poll(ctx, c, &pl)
		var se *StatusError
		switch {
		case ctx.Err() != nil:
			return true
		case err == nil:
			failures = 0
		case IsSAMFault(err):
			s.emit(ctx, Event{State: kiosk.DeviceError, Err: err})
			return true
		case errors.As(err, &se) || isCardDataError(err):
			// card-level failures (select, read, authentication, bad
			// text block): the card stays unread and is retried on the
			// next poll; the first failure of a placement is reported.
			failures = 0
			s.emit(ctx, Event{State: kiosk.DeviceCardPresent, Err: err})
		default:
			failures++
			s.log.Debug("idcard transport failure", "n", failures, "err", err.Error())
			if errors.Is(err, ErrClosed) || failures >= s.cfg.MaxFailures {
				s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err})
				return true
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return true
		}
	}
}

// placement tracks the card on the reader.
type placement struct {
	delivered bool // the card on the reader has been read
	absent    int  // consecutive no-card answers
}

func (s *Service) poll(ctx context.Context, c *Client, pl *placement) error {
	cctx, cancel := s.cmdCtx(ctx, s.cfg.CommandTimeout)
	err := c.FindCard(cctx)
	cancel()
	if errors.Is(err, ErrNoCard) {
		if pl.absent++; pl.absent >= s.cfg.RemovalPolls || !pl.delivered {
			pl.delivered = false
			s.emit(ctx, Event{State: kiosk.DeviceReady})
		}
		return nil
	}
	if err != nil {
		return err
	}
	pl.absent = 0
	if pl.delivered {
		return nil
	}
	cctx, cancel = s.cmdCtx(ctx, s.cfg.CommandTimeout)
	err = c.SelectCard(cctx)
	cancel()
	if err != nil {
		return err
	}
	cctx, cancel = s.cmdCtx(ctx, s.cfg.ReadTimeout)
	id, err := c.ReadBase(cctx)
	cancel()
	if err != nil {
		return err
	}
	pl.delivered = true
	s.log.Info("idcard read", "card_type", id.CardType, "id", kiosk.MaskID(id.IDNumber))
	s.emit(ctx, Event{State: kiosk.DeviceCardPresent, Identity: id})
	return nil
}

func isCardDataError(err error) bool {
	return errors.Is(err, ErrUnknownCardType) || errors.Is(err, ErrBadField) || errors.Is(err, ErrShort)
}
