package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// Opener opens the printer's transport: a serial port, /dev/usb/lp*, a
// libusb pipe or a simulator's pty. It is called again after a failure, so
// polling an Opener is how an unplugged printer is found again.
type Opener func(ctx context.Context) (io.ReadWriteCloser, error)

// ServiceConfig configures a Service.
type ServiceConfig struct {
	Printer Config
	Poll    time.Duration // status poll interval; default 2 s
	Retry   time.Duration // reopen interval while disconnected; default 2 s
	Spool   *Spool        // where failed receipts go; nil gives a memory-only spool
	Logger  *slog.Logger
}

// Service owns the printer: it opens the transport, polls status, reopens
// after an unplug, prints, and keeps receipts that failed for reprinting.
// It implements Printer. Run Serve under the supervisor.
type Service struct {
	open  Opener
	cfg   ServiceConfig
	log   *slog.Logger
	spool *Spool

	ioMu sync.Mutex // serialises use of conn
	conn io.ReadWriteCloser
	dev  *ESCPOS

	mu    sync.Mutex
	state Status
	subs  map[chan Status]struct{}
}

var _ Printer = (*Service)(nil)

// NewService returns a service that opens its printer with open.
func NewService(open Opener, cfg ServiceConfig) *Service {
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Retry <= 0 {
		cfg.Retry = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	sp := cfg.Spool
	if sp == nil {
		sp, _ = OpenSpool("")
	}
	return &Service{
		open: open, cfg: cfg, log: cfg.Logger.With("device", "printer"), spool: sp,
		state: Disconnected("not opened yet"), subs: map[chan Status]struct{}{},
	}
}

// Serve polls the printer until ctx ends, reopening the transport whenever
// the printer stops answering. It returns ctx's error.
func (s *Service) Serve(ctx context.Context) error {
	defer s.closeConn()
	for {
		wait := s.cfg.Poll
		if err := s.poll(ctx); err != nil {
			wait = s.cfg.Retry
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
}

// poll opens the transport if needed and queries status once.
func (s *Service) poll(ctx context.Context) error {
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	if s.conn == nil {
		c, err := s.open(ctx)
		if err != nil {
			s.setState(Disconnected("open: " + err.Error()))
			return err
		}
		s.conn, s.dev = c, NewESCPOS(c, s.cfg.Printer)
	}
	st, err := s.dev.Status(ctx)
	s.setState(st)
	if err != nil && st.State == kiosk.DeviceDisconnected {
		s.closeConnLocked()
	}
	return err
}

func (s *Service) closeConn() {
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	s.closeConnLocked()
}

func (s *Service) closeConnLocked() {
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.dev = nil, nil
	}
}

// setState records st and, on a change of state, logs once and notifies
// subscribers.
func (s *Service) setState(st Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := st.State != s.state.State
	s.state = st
	if !changed {
		return
	}
	s.log.Info("printer state changed", "state", string(st.State), "detail", st.Detail)
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
}

// State returns the last known status without touching the printer.
func (s *Service) State() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Subscribe returns a channel that receives every state change (the newest
// is kept when the reader falls behind) and a function to unsubscribe.
func (s *Service) Subscribe() (<-chan Status, func()) {
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

// Status queries the printer now (or reports it disconnected).
func (s *Service) Status(ctx context.Context) (Status, error) {
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	if s.dev == nil {
		return s.State(), fmt.Errorf("printer status: %w", ErrDisconnected)
	}
	st, err := s.dev.Status(ctx)
	s.setState(st)
	if err != nil && st.State == kiosk.DeviceDisconnected {
		s.closeConnLocked()
	}
	return st, err
}

// SpooledError is returned by Print when a receipt could not be printed and
// was kept for reprinting. It unwraps to the cause.
type SpooledError struct {
	ID  string
	Err error
}

func (e *SpooledError) Error() string {
	return fmt.Sprintf("receipt kept for reprint as %s: %v", e.ID, e.Err)
}
func (e *SpooledError) Unwrap() error { return e.Err }

// Print prints r. When it fails, r is kept in the spool and the error is a
// *SpooledError (which still matches ErrPaperOut and the like).
func (s *Service) Print(ctx context.Context, r kiosk.Receipt) error {
	err := s.print(ctx, r)
	if err == nil {
		return nil
	}
	e, serr := s.spool.Add(r, err)
	if serr != nil {
		return errors.Join(err, serr)
	}
	s.log.Warn("receipt kept for reprint", "spool_id", e.ID, "kind", string(r.Kind), "err", err)
	return &SpooledError{ID: e.ID, Err: err}
}

func (s *Service) print(ctx context.Context, r kiosk.Receipt) error {
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	if s.dev == nil {
		return &StateError{Status: s.State()}
	}
	err := s.dev.Print(ctx, r)
	var se *StateError
	switch {
	case errors.As(err, &se):
		s.setState(se.Status)
	case errors.Is(err, ErrDisconnected):
		s.setState(Disconnected(err.Error()))
		s.closeConnLocked()
	}
	return err
}

// Pending lists the receipts waiting to be reprinted, oldest first.
func (s *Service) Pending() []Spooled { return s.spool.List() }

// Reprint prints a kept receipt and drops it from the spool on success.
func (s *Service) Reprint(ctx context.Context, id string) error {
	e, err := s.spool.Get(id)
	if err != nil {
		return err
	}
	if err := s.print(ctx, e.Receipt); err != nil {
		return fmt.Errorf("reprint %s: %w", e.ID, err)
	}
	return s.spool.Remove(e.ID)
}
