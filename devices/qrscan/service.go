package qrscan

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
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

	mu    sync.Mutex
	state kiosk.DeviceState
}

// NewService returns a Service; logger may be nil.
func NewService(open Opener, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{open: open, log: logger.With("device", "qr"), events: make(chan Event, 16),
		MinBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second}
}

// Events returns the event channel; keep draining it.
func (s *Service) Events() <-chan Event { return s.events }

// State returns the current state.
func (s *Service) State() kiosk.DeviceState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == "" {
		return kiosk.DeviceDisconnected
	}
	return s.state
}

func (s *Service) emit(ctx context.Context, ev Event) {
	s.mu.Lock()
	changed := s.state != ev.State
	s.state = ev.State
	s.mu.Unlock()
	if changed {
		s.log.Info("qr state", "state", ev.State)
	}
	if !changed && ev.Payload == "" && ev.Err == nil {
		return
	}
	select {
	case s.events <- ev:
	case <-ctx.Done():
	}
}

// Serve runs until ctx is done and returns ctx.Err().
func (s *Service) Serve(ctx context.Context) error {
	backoff := s.MinBackoff
	for ctx.Err() == nil {
		src, err := s.open(ctx)
		if err != nil {
			s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err})
		} else {
			backoff = s.MinBackoff
			s.emit(ctx, Event{State: kiosk.DeviceReady})
			err = s.read(ctx, src)
			if ctx.Err() == nil {
				s.emit(ctx, Event{State: kiosk.DeviceDisconnected, Err: err})
			}
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
		backoff = min(backoff*2, s.MaxBackoff)
	}
	return ctx.Err()
}

// read delivers payloads until the source fails; a goroutine reads so that
// ctx cancellation closes the source and unblocks it.
func (s *Service) read(ctx context.Context, src Source) error {
	stop := context.AfterFunc(ctx, func() { src.Close() })
	defer func() {
		if stop() {
			src.Close()
		}
	}()
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
