// Package supervise runs long-running services (`Serve(ctx) error`) and
// restarts them with capped exponential backoff when they fail, reporting
// each service's state. cmd/ uses it; services know nothing of it.
package supervise

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Service is anything with Serve.
type Service interface {
	Serve(ctx context.Context) error
}

// Func adapts a function to Service.
type Func func(ctx context.Context) error

// Serve implements Service.
func (f Func) Serve(ctx context.Context) error { return f(ctx) }

// State is one service's state.
type State struct {
	Name     string
	Running  bool
	Restarts int
	LastErr  string
}

// Supervisor restarts failed services.
type Supervisor struct {
	log      *slog.Logger
	min, max time.Duration
	wg       sync.WaitGroup
	mu       sync.Mutex
	states   map[string]*State
}

// New returns a supervisor; backoff doubles from 100 ms to 30 s.
func New(logger *slog.Logger) *Supervisor {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Supervisor{log: logger, min: 100 * time.Millisecond, max: 30 * time.Second, states: map[string]*State{}}
}

// Go starts s under supervision until ctx ends. A service that returns nil
// before ctx ends is done and not restarted.
func (sv *Supervisor) Go(ctx context.Context, name string, s Service) {
	st := &State{Name: name}
	sv.mu.Lock()
	sv.states[name] = st
	sv.mu.Unlock()
	sv.wg.Add(1)
	go func() {
		defer sv.wg.Done()
		delay := sv.min
		for {
			sv.set(name, func(st *State) { st.Running = true })
			start := time.Now()
			err := s.Serve(ctx)
			sv.set(name, func(st *State) { st.Running = false })
			if ctx.Err() != nil {
				return
			}
			if err == nil {
				sv.log.Info("service finished", "service", name)
				return
			}
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return
			}
			if time.Since(start) > time.Minute {
				delay = sv.min
			}
			sv.set(name, func(st *State) { st.Restarts++; st.LastErr = err.Error() })
			sv.log.Warn("service failed, restarting", "service", name, "err", err, "in", delay)
			select {
			case <-ctx.Done():
				return
			case <-time.After(delay):
			}
			delay = min(delay*2, sv.max)
		}
	}()
}

func (sv *Supervisor) set(name string, f func(*State)) {
	sv.mu.Lock()
	f(sv.states[name])
	sv.mu.Unlock()
}

// States returns a copy of every service's state.
func (sv *Supervisor) States() []State {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	out := make([]State, 0, len(sv.states))
	for _, s := range sv.states {
		out = append(out, *s)
	}
	return out
}

// Wait waits for every service to return (after ctx ends).
func (sv *Supervisor) Wait() { sv.wg.Wait() }
