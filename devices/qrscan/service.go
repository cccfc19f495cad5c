package qrscan

import (
	"context"
	"errors"
	"log/slog"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/devloop"
)

// Event is a scanned payload (State ready, Payload and Kind set), a
// rejected one (Err set, e.g. ErrTooLong) or a state change.
type Event struct {
	State   kiosk.DeviceState
	Payload string
	Kind    Kind
	Err     error
}

// Service reads a scanner and publishes events; it reopens the scanner
// with backoff when it fails or is unplugged.
type Service struct {
	open   Opener
	log    *slog.Logger
	events chan Event
	// Backoff bounds, default 200 ms to 5 s.
	MinBackoff, MaxBackoff time.Duration

	state *devloop.State
}

// NewService returns a Service; logger may be nil.
func NewService(open Opener, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{open: open, log: logger.With("device", "qr"), events: make(chan Event, 16),
		MinBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second,
		state: devloop.NewState(devloop.StateConfig{Device: "qr", Log: logger})}
}

// Events returns the event channel; keep draining it.
func (s *Service) Events() <-chan Event { return s.events }

// State returns the current state.
func (s *Service) State() kiosk.DeviceState { return s.state.Get().State }

// emit records the state (a change is logged once, by devloop) and
// publishes a change, a payload or a rejected scan.
func (s *Service) emit(ctx context.Context, ev Event) {
	changed := s.state.SetState(ev.State, ev.Err)
	if !changed && ev.Payload == "" && ev.Err == nil {
		return
	}
	select {
	case s.events <- ev:
	case <-ctx.Done():
	}
}

// Serve runs until ctx is done and returns ctx.Err(); the scanner is
// reopened with backoff by devloop.Run.
func (s *Service) Serve(ctx context.Context) error {
	return devloop.Run(ctx, devloop.Loop{State: s.state, MinBackoff: s.MinBackoff, MaxBackoff: s.MaxBackoff,
		Lost: func(err error) { s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err}) }},
		s.open, func(ctx context.Context, src Source) (bool, error) {
			s.emit(ctx, Event{State: kiosk.DeviceReady})
			return true, s.read(ctx, src)
		})
}

// read delivers payloads until the source fails; ctx's end closes the
// source to unblock Next.
func (s *Service) read(ctx context.Context, src Source) error {
	stop := context.AfterFunc(ctx, func() { src.Close() })
	defer stop() // devloop.Run closes src when read returns
	for {
		p, err := src.Next()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		switch {
		case errors.Is(err, ErrTooLong):
			s.emit(ctx, Event{State: kiosk.DeviceReady, Err: err})
		case err != nil:
			return err
		default:
			k := Classify(p)
			s.log.Debug("qr scanned", "kind", k, "len", len(p))
			s.emit(ctx, Event{State: kiosk.DeviceReady, Payload: p, Kind: k})
		}
	}
}
