// Command kiosk is the appliance: it reads the configuration, opens the
// store, starts the device services (or their simulators), the relay to the
// platform (or the emulator in process) and runs the touchscreen UI.
//
//	kiosk                         # everything simulated, no config file needed
//	kiosk --config /etc/bianmin-kiosk/kiosk.toml
//	kiosk --dock                  # show the simulator dock (simulation only)
//	kiosk --simulate --config F   # the configured station on simulators
//	kiosk --tour build/screenshots  # walk every screen and save PNGs, then exit (hooks.go)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/bianmin/kiosk/app/i18n"
	"github.com/bianmin/kiosk/app/screens"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/provision"
	"github.com/bianmin/kiosk/cmd/internal/systemd"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

func main() { os.Exit(kioskMain(os.Args[1:])) }

// kioskMain parses the flags, resolves the configuration through the
// composition root (terminal.Resolve, terminal.StartPlan) and runs the
// appliance. A start-up failure prints one line (what, which file, what to
// do), shows the out-of-service screen while a display exists, and returns
// the failure's class as the exit status (terminal.ExitCodes).
func kioskMain(args []string) (code int) {
	fs := flag.NewFlagSet("kiosk", flag.ContinueOnError)
	var (
		cfgPath   = fs.String("config", "", "TOML configuration file (default: everything simulated)")
		dataDir   = fs.String("data", "", "state directory (overrides store.data_dir)")
		simulate  = fs.Bool("simulate", false, "simulate this configuration's station: simulators, the platform emulator, the simulation's own store")
		showDock  = fs.Bool("dock", false, "show the simulator dock (simulation only)")
		landscape = fs.Bool("landscape", false, "1920×1080 instead of 1080×1920")
		elder     = fs.Bool("elder", false, "start in 长辈模式")
		lang      = fs.String("lang", "", "zh-CN or en (overrides ui.language)")
	)
	h := hookFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("LANG") == "" || strings.HasPrefix(os.Getenv("LANG"), "C") {
		os.Setenv("LANG", "zh_CN.UTF-8") // Fyne refuses the C locale
	}
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		return outOfService(ctx, cfg, h, &terminal.Failure{Class: terminal.ClassConfig, What: "configuration", Path: *cfgPath, Err: err,
			Fix: "correct the file (packaging/kiosk.example.toml documents every key)"})
	}
	if *simulate {
		cfg.Simulate()
	}
	if *dataDir != "" {
		cfg.Store.DataDir = *dataDir
	}
	if *lang != "" {
		cfg.UI.Language = *lang
	}
	if *elder {
		cfg.UI.Elder = true
	}
	if *landscape {
		cfg.UI.Width, cfg.UI.Height = 1920, 1080
	}
	if err := cfg.Validate(); err != nil { // the flags may have changed it
		return outOfService(ctx, cfg, h, &terminal.Failure{Class: terminal.ClassConfig, What: "configuration", Path: *cfgPath, Err: err, Fix: "correct the file or the flags"})
	}
	log := newLogger(cfg.Log.Level)
	slog.SetDefault(log)
	// A production terminal without its certificate shows the first-boot
	// wizard (provision.go), never the simulator nor out-of-service.
	if why := provision.Unprovisioned(cfg); why != nil && hasDisplay() && !h.active() {
		return firstBoot(ctx, cfg, why, log)
	}

	plan, err := terminal.Resolve(cfg)
	if err != nil {
		return outOfService(ctx, cfg, h, err)
	}
	tr := i18n.MustLoad(cfg.UI.Language)
	speaker := newSpeaker(cfg, log)
	term, err := terminal.StartPlan(ctx, plan, terminal.Options{Logger: log, Speaker: speaker, Prompt: func(k string) string { return tr.T(k) }})
	if err != nil {
		return outOfService(ctx, cfg, h, err)
	}
	defer term.Close()
	if err := run(ctx, cfg, term, tr, speaker, log, *showDock, h); err != nil {
		log.Error("kiosk stopped", "err", err)
		return 1
	}
	return 0
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return systemd.Logger(l, os.Stderr) // journal-native under systemd
}

// hasDisplay reports whether a window can be opened.
func hasDisplay() bool { return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != "" }

// outOfService reports a start-up failure: one line on stderr, then, when a
// display exists, the out-of-service screen until the kiosk is stopped (so
// that systemd's restarts do not flicker the screen), and the class's exit
// status.
func outOfService(ctx context.Context, cfg config.Config, h *hooks, err error) int {
	code := terminal.ExitCode(err)
	fmt.Fprintf(os.Stderr, "kiosk: cannot start: %v (exit %d)\n", err, code)
	if !hasDisplay() || h.active() {
		return code
	}
	a := fyneapp.NewWithID("cn.gov.bianmin.kiosk")
	w := a.NewWindow(screens.OutOfServiceTitle)
	w.Resize(fyne.NewSize(float32(cfg.UI.Width), float32(cfg.UI.Height)))
	if cfg.UI.Fullscreen {
		w.SetFullScreen(true)
	}
	o := screens.OutOfService{Code: code, Reason: err.Error(), Since: time.Now()}
	if cfg.Station.Code != "" {
		o.Station = cfg.Station.Code + "-" + cfg.Station.Terminal
	}
	screens.ShowOutOfService(w, o)
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	// Under systemd (Type=notify, WatchdogSec) the screen is the service's
	// steady state: ready once painted, the reason as its status, watchdog
	// pings while the UI loop runs. Otherwise systemd would kill and restart
	// it at its start timeout: the flicker this screen replaces.
	go func() {
		fyne.DoAndWait(func() { _ = w.Canvas().Capture() })
		_ = systemd.SdNotify("STATUS=out of service: " + err.Error())
		_ = systemd.Ready(systemd.SdNotify)
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
	return code
}

// run shows the touchscreen UI of a started terminal until the window closes
// or the context is cancelled.
func run(ctx context.Context, cfg config.Config, term *terminal.Terminal, tr *i18n.Bundle, speaker *speaker, log *slog.Logger, showDock bool, h *hooks) error {
	a := fyneapp.NewWithID("cn.gov.bianmin.kiosk")
	w := a.NewWindow(tr.T("app.title"))
	w.Resize(fyne.NewSize(float32(cfg.UI.Width), float32(cfg.UI.Height)))
	w.SetFixedSize(true)
	if cfg.UI.Fullscreen && !h.active() {
		w.SetFullScreen(true)
	}
	ui := screens.New(w, term.Session, uiOptions(cfg, term, speaker))
	trimOnAttract(&ui.OnRendered, trimDelay, nil)             // free memory back to the system between residents
	go ui.Run(ctx)                                            // the status line on screens where the session is silent
	if err := startTestHooks(ctx, term, w, log); err != nil { // make e2e only
		return err
	}
	startService(ctx, w, term, log)          // systemd readiness and watchdog
	startUpdateRestart(ctx, a, w, term, log) // `systemctl reload` after an upgrade: restart when no resident is present
	if showDock && cfg.Simulated() {
		newDock(term, cfg.UI.Language).Show(a)
	}
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	h.install(ctx, a, w, term, ui, log)
	if speaker == nil {
		log.Info("no audio player found: voice prompts off")
	}
	log.Info("kiosk started", "station", cfg.Station.Code, "terminal", cfg.Station.Terminal, "mode", cfg.Mode)
	w.ShowAndRun()
	return nil
}
