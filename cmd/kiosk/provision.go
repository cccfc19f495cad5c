package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/bianmin/kiosk/app/provisioning"
	"github.com/bianmin/kiosk/app/screens"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/provision"
	"github.com/bianmin/kiosk/cmd/internal/systemd"
)

// firstBoot shows the touchscreen's provisioning wizard on a production
// terminal that is not provisioned yet (provision.Unprovisioned: no valid
// terminal certificate for its identity), instead of the out-of-service
// screen. The kiosk runs as bianmin and cannot write /etc/bianmin-kiosk: the
// wizard writes a request into the state directory, the root unit
// bianmin-kiosk-provision.path runs kioskctl provision --from-request, and
// the wizard shows its result step by step. On success the kiosk restarts
// through the update path (restartWhenIdle: nobody but the technician is
// there) and systemd (Restart=always) starts it on the new configuration.
func firstBoot(ctx context.Context, cfg config.Config, why error, log *slog.Logger) int {
	log.Warn("terminal not provisioned: showing the first-boot wizard", "key", "provision.wizard", "reason", why.Error())
	a := fyneapp.NewWithID("cn.gov.bianmin.kiosk")
	w := a.NewWindow(screens.ProvisionTitle)
	w.Resize(fyne.NewSize(float32(cfg.UI.Width), float32(cfg.UI.Height)))
	w.SetFixedSize(true)
	if cfg.UI.Fullscreen {
		w.SetFullScreen(true)
	}
	restart := make(chan os.Signal, 1)
	signal.Notify(restart, syscall.SIGHUP) // systemctl reload: restart as after an upgrade
	wiz := &provision.Wizard{Dir: filepath.Join(cfg.Store.DataDir, provisioning.Dir), OnRestart: func() {
		log.Info("provisioned: restarting into the new configuration", "key", "provision.restart")
		select {
		case restart <- syscall.SIGHUP:
		default:
		}
	}}
	opt := screens.ProvisionOptions{Platform: cfg.Platform.URL, Reason: "unprovisioned: " + why.Error(),
		Keyboard: screens.TouchKeyboard{}} // beside the page in landscape: three columns
	if ca := cfg.Platform.CAFile; ca != "" {
		if _, err := os.Stat(ca); err == nil {
			opt.CAFile = ca
		} else if !errors.Is(err, fs.ErrNotExist) {
			log.Warn("platform CA not readable", "path", ca, "err", err)
		}
	}
	ui := screens.ShowProvisionWizard(w, wiz, opt)
	go ui.Run(ctx)
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	go func() {
		fyne.DoAndWait(func() { _ = w.Canvas().Capture() })
		_ = systemd.SdNotify("STATUS=first-boot wizard: " + why.Error())
		_ = systemd.Ready(systemd.SdNotify)
		restartWhenIdle(ctx, restart, func() bool { return true }, time.Second, func() { fyne.Do(a.Quit) }, log)
	}()
	wd := &systemd.Watchdog{Interval: systemd.FromEnv(), Notify: systemd.SdNotify, Alive: func(ctx context.Context) error {
		done := make(chan struct{})
		fyne.Do(func() { close(done) })
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	go wd.Serve(ctx)
	w.ShowAndRun()
	fmt.Fprintln(os.Stderr, "kiosk: first-boot wizard closed")
	return 0
}
