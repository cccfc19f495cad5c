// Package systemd connects the appliance to its service manager: readiness
// and a watchdog pinged only while the caller says it is alive (sd_notify,
// through go-systemd's daemon package), and a log/slog handler that writes
// the journal's native protocol with structured fields when the process runs
// under journald. Outside systemd every call is a no-op and logs go to
// stderr as text. Only cmd/ imports it.
package systemd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// Notifier sends sd_notify states. daemon.SdNotify in production; tests
// give a fake or a real NOTIFY_SOCKET.
type Notifier func(state string) error

// SdNotify is the production Notifier.
func SdNotify(state string) error {
	_, err := daemon.SdNotify(false, state)
	return err
}

// Ready tells the service manager the kiosk has painted its first frame.
func Ready(n Notifier) error {
	if err := n(daemon.SdNotifyReady); err != nil {
		return fmt.Errorf("sd_notify ready: %w", err)
	}
	return nil
}

// Watchdog pings the service manager's watchdog. Each ping asks Alive first:
// a ping is sent only when Alive answers true within Interval, so a blocked
// UI loop or a dead critical service stops the pings and systemd restarts the
// unit after WatchdogSec.
type Watchdog struct {
	Interval time.Duration // time between pings: half of WatchdogSec
	// Alive reports whether the process is healthy. It must return within
	// its context's deadline; a deadline passed counts as not alive.
	Alive  func(ctx context.Context) error
	Notify Notifier
	Log    *slog.Logger
}

// FromEnv returns the ping interval systemd asked for (WATCHDOG_USEC/2), or 0
// when no watchdog is enabled for this process.
func FromEnv() time.Duration {
	d, err := daemon.SdWatchdogEnabled(false)
	if err != nil || d <= 0 {
		return 0
	}
	return d / 2
}

// Serve pings until ctx ends. It logs the change from healthy to unhealthy
// and back once, not at every ping.
func (w *Watchdog) Serve(ctx context.Context) error {
	if w.Interval <= 0 {
		<-ctx.Done()
		return nil
	}
	log := w.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	healthy := true
	for {
		actx, cancel := context.WithTimeout(ctx, w.Interval)
		err := w.alive(actx)
		cancel()
		if ctx.Err() != nil {
			return nil
		}
		switch {
		case err == nil:
			if !healthy {
				log.Info("watchdog: healthy again")
			}
			healthy = true
			if nerr := w.Notify(daemon.SdNotifyWatchdog); nerr != nil {
				log.Warn("watchdog: ping failed", "err", nerr)
			}
		case healthy:
			healthy = false
			log.Error("watchdog: not alive, pings stopped", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (w *Watchdog) alive(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- w.Alive(ctx) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("no answer within %s: %w", w.Interval, ctx.Err())
	}
}

// Logger returns the kiosk's logger: journal-native with structured fields
// when stderr is connected to journald (StandardError=journal), text on w
// otherwise. Both mask values that look like ID card or mobile numbers, in
// case a caller forgot to.
func Logger(level slog.Leveler, w io.Writer) *slog.Logger {
	if journalStream() {
		return slog.New(newJournalHandler(level))
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Value.Kind() == slog.KindString {
			a.Value = slog.StringValue(MaskPersonal(a.Value.String()))
		}
		return a
	}}))
}
