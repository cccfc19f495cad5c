package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"

	"github.com/bianmin/kiosk/cmd/internal/systemd"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

// startService connects the running kiosk to systemd (Type=notify): READY=1
// after the first painted frame, and watchdog pings only while the UI loop
// runs queued work (a heartbeat through fyne.Do, not a timer beside the
// loop) and the session answers. Outside systemd it does nothing.
func startService(ctx context.Context, w fyne.Window, term *terminal.Terminal, log *slog.Logger) {
	// The process ends with its window: a kiosk without a window is a black
	// screen that systemd would take for running.
	w.SetMaster()
	go func() {
		// Runs once the UI loop has started and painted a frame.
		fyne.DoAndWait(func() { _ = w.Canvas().Capture() })
		if err := systemd.Ready(systemd.SdNotify); err != nil {
			log.Warn("systemd: ready not sent", "err", err)
		}
	}()
	wd := &systemd.Watchdog{
		Interval: systemd.FromEnv(),
		Notify:   systemd.SdNotify,
		Log:      log,
		Alive: func(ctx context.Context) error {
			done := make(chan struct{})
			fyne.Do(func() { close(done) })
			select {
			case <-done:
			case <-ctx.Done():
				return errors.New("UI loop does not run queued work")
			}
			term.Session.Snapshot() // blocks if the session is deadlocked
			return ctx.Err()
		},
	}
	go wd.Serve(ctx)
	blockOnSignalForTests()
}

// blockOnSignalForTests lets the watchdog test hang the UI loop for real:
// with KIOSK_TEST_HANG_ON_SIGUSR2=1 in the environment, SIGUSR2 blocks the UI
// goroutine for ever. Without that variable nothing is installed.
func blockOnSignalForTests() {
	if os.Getenv("KIOSK_TEST_HANG_ON_SIGUSR2") != "1" {
		return
	}
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR2)
	go func() {
		<-c
		fyne.Do(func() { select {} })
	}()
}
