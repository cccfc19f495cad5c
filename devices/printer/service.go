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
	"github.com/bianmin/kiosk/devices/devloop"
)

// Opener opens the printer's transport: a serial port, /dev/usb/lp*, a
// libusb pipe or a simulator's pty. It is called again after a failure, so
// polling an Opener is how an unplugged printer is found again.
type Opener func(ctx context.Context) (io.ReadWriteCloser, error)

// DefaultPoll is ServiceConfig.Poll's default.
const DefaultPoll = 10 * time.Second

// ServiceConfig configures a Service.
type ServiceConfig struct {
	Printer Config
	// Poll is the status poll interval while the printer answers; default
	// 10 s. Each poll is four DLE EOT exchanges, and a kiosk on its attract
	// screen must not wake for them every 2 s; Print queries the status
	// itself right before it prints, so a receipt never goes to a printer
	// known only from a stale poll. Paper out or the cover open shows as a
	// degraded mode within Poll plus the session's settle time (3 s), an
	// unplug within Poll plus DisconnectHold plus that.
	Poll  time.Duration
	Retry time.Duration // reopen interval while disconnected; default 2 s
	// DisconnectHold debounces: the printer is shown disconnected only
	// after it has not answered for this long (default 5 s; negative: at
	// once). One missed status reply on a loaded machine is not an unplug.
	DisconnectHold time.Duration
	Now            func() time.Time // the debounce's clock; nil: time.Now
	Spool          *Spool           // where failed receipts go; nil gives a memory-only spool
	Logger         *slog.Logger
}

// Service owns the printer: it opens the transport, polls status, reopens
// after an unplug (through devloop's one supervision loop), prints, and
// keeps receipts that failed for reprinting. It implements Printer. Run
// Serve under the supervisor.
type Service struct {
	open  Opener
	cfg   ServiceConfig
	log   *slog.Logger
	spool *Spool
	state *devloop.State

	ioMu sync.Mutex // serialises use of conn
	conn io.ReadWriteCloser
	dev  *ESCPOS
}

var _ Printer = (*Service)(nil)

// NewService returns a service that opens its printer with open.
func NewService(open Opener, cfg ServiceConfig) *Service {
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Retry <= 0 {
		cfg.Retry = 2 * time.Second
	}
	if cfg.DisconnectHold == 0 {
		cfg.DisconnectHold = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	sp := cfg.Spool
	if sp == nil {
		sp, _ = OpenSpool("")
	}
	st := devloop.NewState(devloop.StateConfig{Device: "printer", Log: cfg.Logger, Now: cfg.Now,
		Hold: map[kiosk.DeviceState]time.Duration{kiosk.DeviceDisconnected: max(cfg.DisconnectHold, 0)}})
	return &Service{open: open, cfg: cfg, log: cfg.Logger.With("device", "printer"), spool: sp, state: st}
}

// Serve polls the printer until ctx ends, reopening the transport whenever
// the printer stops answering. It returns ctx's error.
func (s *Service) Serve(ctx context.Context) error {
	return devloop.Run(ctx, devloop.Loop{State: s.state, MinBackoff: s.cfg.Retry, MaxBackoff: s.cfg.Retry},
		func(ctx context.Context) (io.ReadWriteCloser, error) {
			c, err := s.open(ctx)
			if err != nil {
				return nil, fmt.Errorf("open: %w", err)
			}
			return c, nil
		}, s.session)
}

// session polls status on an open transport until the printer stops
// answering (or Print finds it gone).
func (s *Service) session(ctx context.Context, c io.ReadWriteCloser) (healthy bool, err error) {
	s.ioMu.Lock()
	s.conn, s.dev = c, NewESCPOS(c, s.cfg.Printer)
	s.ioMu.Unlock()
	defer func() {
		s.ioMu.Lock()
		if s.conn == c {
			s.conn, s.dev = nil, nil
		}
		s.ioMu.Unlock()
	}()
	for {
		if err := s.poll(ctx, c); err != nil {
			return healthy, err
		}
		healthy = true
		if !devloop.Sleep(ctx, s.cfg.Poll) {
			return healthy, nil
		}
	}
}

// poll queries status once; an error means the printer on c is gone.
func (s *Service) poll(ctx context.Context, c io.ReadWriteCloser) error {
	s.ioMu.Lock()
	defer s.ioMu.Unlock()
	if s.conn != c {
		return ErrDisconnected // Print found it gone and closed it
	}
	st, err := s.dev.Status(ctx)
	s.setState(st)
	if err != nil && st.State == kiosk.DeviceDisconnected {
		s.closeConnLocked()
		return err
	}
	return nil
}

func (s *Service) closeConnLocked() {
	if s.conn != nil {
		s.conn.Close()
		s.conn, s.dev = nil, nil
	}
}

// setState records st; a change is logged once and sent to subscribers.
func (s *Service) setState(st Status) { s.state.Set(st) }

// State returns the last known status without touching the printer.
func (s *Service) State() Status { return s.state.Get() }

// Subscribe returns a channel that receives every state change (the newest
// is kept when the reader falls behind) and a function to unsubscribe.
func (s *Service) Subscribe() (<-chan Status, func()) { return s.state.Subscribe() }

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
		return &StateError{Status: Disconnected("not open")}
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

// TrimSpool drops the receipts spooled before t (Spool.TrimBefore).
func (s *Service) TrimSpool(t time.Time) (int, error) { return s.spool.TrimBefore(t) }

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
