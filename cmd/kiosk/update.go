package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"fyne.io/fyne/v2"

	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

// pidFile is where the running kiosk writes its process ID, in the unit's
// RuntimeDirectory, so that `systemctl reload` (ExecReload) can reach it:
// the unit's main process is xinit, not the kiosk.
const pidFile = "kiosk.pid"

// startUpdateRestart lets an upgraded package restart the kiosk without
// cutting off a resident: the package's postinst runs `systemctl reload`,
// ExecReload sends SIGHUP to the PID in the runtime directory, and the kiosk
// quits once nobody is using it (the attract screen); systemd
// (Restart=always) then starts the new binary.
func startUpdateRestart(ctx context.Context, a fyne.App, w fyne.Window, term *terminal.Terminal, log *slog.Logger) {
	if dir := os.Getenv("RUNTIME_DIRECTORY"); dir != "" {
		if err := writePID(dir); err != nil {
			log.Warn("update restart: pid file not written; a package upgrade cannot restart the kiosk gently", "err", err)
		}
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	// A restart asked for while the kiosk is still starting waits for its
	// first painted frame: quitting a window that is still being mapped
	// is not a clean exit.
	go func() {
		fyne.DoAndWait(func() { _ = w.Canvas().Capture() })
		restartWhenIdle(ctx, hup, term.NoResident, 2*time.Second, func() { fyne.Do(a.Quit) }, log)
	}()
}

// restartWhenIdle waits for a restart request on hup, then for noResident,
// checked every `every` while a request is pending (and never otherwise, so
// an idle kiosk has no timer for it), and then calls quit once.
func restartWhenIdle(ctx context.Context, hup <-chan os.Signal, noResident func() bool, every time.Duration, quit func(), log *slog.Logger) {
	select {
	case <-ctx.Done():
		return
	case <-hup:
	}
	log.Info("update restart requested: restarting once no resident is using the kiosk", "key", "update.restart_pending")
	t := time.NewTicker(every)
	defer t.Stop()
	for !noResident() {
		select {
		case <-ctx.Done():
			return
		case <-hup: // asked again: still waiting
		case <-t.C:
		}
	}
	log.Info("update restart: no resident present; restarting now", "key", "update.restart")
	quit()
}

func writePID(dir string) error {
	tmp, err := os.CreateTemp(dir, pidFile+".*")
	if err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(strconv.Itoa(os.Getpid()) + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("pid file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, pidFile)); err != nil {
		return fmt.Errorf("pid file: %w", err)
	}
	return nil
}
