package idcard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/devloop"
)

// Opener opens the reader's stream. The Service calls it again after an
// unplug, so it must open afresh each time.
type Opener func(ctx context.Context) (io.ReadWriteCloser, error)

// DefaultPollInterval is the find-card period where a card is imminent (a
// screen asks for it, someone touched the screen): a find-card exchange is
// 25 bytes (about 2 ms at 115200 baud), so a card put down is asked about
// within 25 ms on average. On an idle kiosk the Service slows to
// IdleInterval (cadence.go); make bench measures the idle case
// (BenchmarkCardPlacedToIdentity).
const DefaultPollInterval = 50 * time.Millisecond

// ServiceConfig tunes the Service. Zero values take the defaults.
type ServiceConfig struct {
	PollInterval time.Duration // find-card period where a card is imminent; default 50 ms
	// IdleInterval is the period on an idle kiosk (no card expected, no
	// activity within FastFor); default PollInterval (no slowing down).
	IdleInterval time.Duration
	// FastFor is how long PollInterval holds after activity (CardPace), a
	// card read or a card taken away; default 10 s.
	FastFor        time.Duration
	CommandTimeout time.Duration // per command; default 1 s
	ReadTimeout    time.Duration // for the 1295-byte read; default 3 s
	MinBackoff     time.Duration // after an open failure; default 200 ms
	MaxBackoff     time.Duration // default 5 s
	MaxFailures    int           // consecutive transport failures before reopening; default 3
	// RemovalPolls is how many find-card answers of "no card" in a row
	// mean the card was taken away; default 2, so that a reader that
	// answers 80 once while the card lies still does not cause a re-read.
	RemovalPolls int
	// Watch, when set, polls find-card off the Go scheduler on a line that
	// can leave the runtime's poller (a serial port: Detacher), e.g.
	// findpoll.Watch; the Service then wakes only when the answer changes.
	// Nil, or a line that cannot be detached (USB): a Go timer polls.
	Watch WatchFunc
	// Now is the clock of the cadence (tests); nil: time.Now.
	Now func() time.Time
}

// FindResult is one find-card outcome reported by a Watcher.
type FindResult struct {
	Reply Reply  // the reply, when Err is nil
	Frame []byte // the frame as received, or the bytes of a failed reply
	Err   error
	At    time.Time
}

// WatchConfig is what a Watcher is started with.
type WatchConfig struct {
	Interval time.Duration // between exchanges; the first is at once
	Timeout  time.Duration // for one reply
	// Repeat: the same reply is reported this many times in a row, then
	// not again until it changes; every failure is reported.
	Repeat int
}

// Watcher polls find-card by itself on a detached line.
type Watcher interface {
	Results() <-chan FindResult // closed after Stop or when the line hung up
	SetInterval(time.Duration)  // takes effect at once, with an exchange
	Stop()                      // returns when the line is free again
}

// WatchFunc starts a Watcher on the non-blocking descriptor fd.
type WatchFunc func(fd int, cfg WatchConfig) (Watcher, error)

// Detacher is a line that can leave the Go runtime's poller and come back
// (serialport.Port).
type Detacher interface {
	Detach() (int, error)
	Attach() error
}

func (c *ServiceConfig) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PollInterval, DefaultPollInterval)
	def(&c.IdleInterval, c.PollInterval)
	def(&c.FastFor, DefaultFastFor)
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
	if c.Now == nil {
		c.Now = time.Now
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
	pace  *cadence
}

// NewService returns a Service; logger may be nil.
func NewService(open Opener, cfg ServiceConfig, logger *slog.Logger) *Service {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{open: open, cfg: cfg, log: logger.With("device", "idcard"),
		events: make(chan Event, 16), state: devloop.NewState(devloop.StateConfig{Device: "idcard", Log: logger}),
		pace: newCadence(cfg.PollInterval, cfg.IdleInterval, cfg.FastFor, cfg.Now)}
}

// CardPace tells the Service whether a card is expected now (a screen asks
// for one) and when the resident last did something: it polls at
// PollInterval while a card is expected and for FastFor after
// lastActivity, and at IdleInterval otherwise. The session calls it after
// every change; a switch to the fast cadence polls at once.
func (s *Service) CardPace(expect bool, lastActivity time.Time) {
	s.pace.set(func(time.Time) {
		s.pace.expect = expect
		if u := lastActivity.Add(s.pace.hold); u.After(s.pace.fastUntil) {
			s.pace.fastUntil = u
		}
	})
}

// Interval returns the find-card period the Service polls at now.
func (s *Service) Interval() time.Duration {
	d, _ := s.pace.interval()
	return d
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
	if d, ok := rwc.(Detacher); ok && s.cfg.Watch != nil {
		if healthy, ok := s.watch(ctx, c, rwc, d, &pl); ok {
			return healthy
		}
		// The watcher could not start: poll from Go on this line.
		c = NewClient(rwc)
		defer c.Close()
	}
	failures := 0
	// One timer, reset to the cadence's interval after each poll; a switch
	// to the fast cadence (kick) polls at once.
	timer := time.NewTimer(s.pace.settled())
	defer timer.Stop()
	for {
		if stop := s.outcome(ctx, s.poll(ctx, c, &pl), &failures); stop {
			return true
		}
		select {
		case <-timer.C:
		case <-s.pace.kick: // Reset below; no stale tick since Go 1.23
		case <-ctx.Done():
			return true
		}
		timer.Reset(s.pace.settled())
	}
}

// outcome classifies a poll's error: stop reports that the session with
// this stream is over (reopen).
func (s *Service) outcome(ctx context.Context, err error, failures *int) (stop bool) {
	var se *StatusError
	switch {
	case ctx.Err() != nil:
		return true
	case err == nil:
		*failures = 0
	case IsSAMFault(err):
		s.emit(ctx, Event{State: kiosk.DeviceError, Err: err})
		return true
	case errors.As(err, &se) || isCardDataError(err):
		// card-level failures (select, read, authentication, bad
		// text block): the card stays unread and is retried on the
		// next poll; the first failure of a placement is reported.
		*failures = 0
		s.emit(ctx, Event{State: kiosk.DeviceCardPresent, Err: err})
	default:
		*failures++
		s.log.Debug("idcard transport failure", "n", *failures, "err", err.Error())
		if errors.Is(err, ErrClosed) || *failures >= s.cfg.MaxFailures {
			s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err})
			return true
		}
	}
	return false
}

// watch polls through a Watcher on the detached line: the Go side sleeps
// until the answer changes. A new placement is read from Go: the watcher
// stops, the line comes back to the poller for select and read, and a new
// watcher starts. ok is false when no watcher could be started (the line
// is attached again and c is closed).
func (s *Service) watch(ctx context.Context, c *Client, rwc io.ReadWriter, d Detacher, pl *placement) (healthy, ok bool) {
	failures := 0
	for {
		if !c.release(time.Second) {
			s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: errors.New("idcard: port reader did not stop")})
			return true, true
		}
		fd, err := d.Detach()
		if err != nil {
			s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err})
			return true, true
		}
		iv := s.pace.settled()
		w, err := s.cfg.Watch(fd, WatchConfig{Interval: iv, Timeout: s.cfg.CommandTimeout, Repeat: s.cfg.RemovalPolls})
		if err != nil {
			s.log.Warn("idcard: find-card thread not started; polling from Go", "err", err.Error())
			if err := d.Attach(); err != nil {
				s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err})
				return true, true
			}
			return false, false
		}
		read, stop := s.watchOne(ctx, w, iv, pl, &failures)
		w.Stop()
		if err := d.Attach(); err != nil {
			s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err})
			return true, true
		}
		if stop {
			return true, true
		}
		c = NewClient(rwc)
		if !read {
			continue
		}
		err = s.readCard(ctx, c, pl)
		if s.outcome(ctx, err, &failures) {
			c.Close()
			return true, true
		}
		if err != nil {
			// The placement is retried on the next poll, as in the Go
			// loop: a new thread would ask at once, and a card that
			// cannot be read would be asked about without a pause.
			t := time.NewTimer(s.pace.settled())
			select {
			case <-t.C:
			case <-s.pace.kick:
			case <-ctx.Done():
			}
			t.Stop()
		}
	}
}

// watchOne follows one Watcher until a placement must be read (read) or
// the session is over (stop).
func (s *Service) watchOne(ctx context.Context, w Watcher, iv time.Duration, pl *placement, failures *int) (read, stop bool) {
	// The fast cadence ends without a signal when FastFor passes: one
	// timer for that instant, none while idle.
	var drop *time.Timer
	var dropC <-chan time.Time
	rearm := func() {
		_, until := s.pace.interval()
		if drop != nil {
			drop.Stop()
			dropC = nil
		}
		if !until.IsZero() {
			drop = time.NewTimer(max(0, until.Sub(s.cfg.Now())) + time.Millisecond)
			dropC = drop.C
		}
	}
	rearm()
	defer func() {
		if drop != nil {
			drop.Stop()
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return false, true
		case <-s.pace.kick:
		case <-dropC:
		case r, open := <-w.Results():
			if !open {
				s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: fmt.Errorf("find card: %w", ErrClosed)})
				return false, true
			}
			err := r.Err
			if err == nil {
				err = findStatus(r.Reply)
			}
			if err == nil && !pl.delivered {
				pl.absent = 0
				return true, false
			}
			if err == nil || errors.Is(err, ErrNoCard) {
				s.found(ctx, err, pl)
				err = nil
			}
			if s.outcome(ctx, err, failures) {
				return false, true
			}
			continue
		}
		if d := s.pace.settled(); d != iv {
			iv = d
			w.SetInterval(d)
		}
		rearm()
	}
}

// findStatus turns a find-card reply into the error FindCard returns.
func findStatus(r Reply) error {
	if r.SW3 == SW3CardFound || r.SW3 == SW3OK {
		return nil
	}
	return fmt.Errorf("%s: %w", CmdFindCard.Name, &StatusError{SW3: r.SW3})
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
	if err != nil && !errors.Is(err, ErrNoCard) {
		return err
	}
	if s.found(ctx, err, pl) {
		return s.readCard(ctx, c, pl)
	}
	return nil
}

// found takes a find-card answer (nil: a card, or ErrNoCard) and reports
// whether a new placement is to be read.
func (s *Service) found(ctx context.Context, err error, pl *placement) (read bool) {
	if errors.Is(err, ErrNoCard) {
		if pl.absent++; pl.absent >= s.cfg.RemovalPolls || !pl.delivered {
			if pl.delivered {
				s.pace.activity(s.cfg.Now()) // the card was taken: the next one may follow
			}
			pl.delivered = false
			s.emit(ctx, Event{State: kiosk.DeviceReady})
		}
		return false
	}
	pl.absent = 0
	return !pl.delivered
}

// readCard selects and reads the card found.
func (s *Service) readCard(ctx context.Context, c *Client, pl *placement) error {
	cctx, cancel := s.cmdCtx(ctx, s.cfg.CommandTimeout)
	err := c.SelectCard(cctx)
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
	s.pace.activity(s.cfg.Now())
	s.log.Info("idcard read", "card_type", id.CardType, "id", kiosk.MaskID(id.IDNumber))
	s.emit(ctx, Event{State: kiosk.DeviceCardPresent, Identity: id})
	return nil
}

func isCardDataError(err error) bool {
	return errors.Is(err, ErrUnknownCardType) || errors.Is(err, ErrBadField) || errors.Is(err, ErrShort)
}
