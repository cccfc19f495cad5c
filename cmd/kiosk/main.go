// Command kiosk is the appliance: it reads the configuration, opens the
// store, starts the device services (or their simulators), the relay to the
// platform (or the emulator in process) and runs the touchscreen UI.
//
//	kiosk                         # everything simulated, no config file needed
//	kiosk --config /etc/bianmin-kiosk/kiosk.toml
//	kiosk --dock                  # show the simulator dock (simulation only)
//	kiosk --tour build/screenshots  # walk every screen and save PNGs, then exit
package main

import (
	"context"
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
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

var processStart = time.Now()

func main() {
	var (
		cfgPath    = flag.String("config", "", "TOML configuration file (default: everything simulated)")
		dataDir    = flag.String("data", "", "state directory (overrides store.data_dir)")
		showDock   = flag.Bool("dock", false, "show the simulator dock (simulation only)")
		tour       = flag.String("tour", "", "walk every screen, save a PNG of each into this directory, and exit")
		landscape  = flag.Bool("landscape", false, "1920×1080 instead of 1080×1920")
		elder      = flag.Bool("elder", false, "start in 长辈模式")
		lang       = flag.String("lang", "", "zh-CN or en (overrides ui.language)")
		firstFrame = flag.Bool("first-frame-exit", false, "print the time to the first rendered frame and exit (benchmarks)")
	)
	flag.Parse()
	cfg, err := config.Load(*cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kiosk:", err)
		os.Exit(2)
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
	log := newLogger(cfg.Log.Level)
	slog.SetDefault(log)
	if err := run(cfg, log, *showDock, *tour, *firstFrame); err != nil {
		log.Error("kiosk stopped", "err", err)
		os.Exit(1)
	}
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

func run(cfg config.Config, log *slog.Logger, showDock bool, tour string, firstFrame bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("LANG") == "" || strings.HasPrefix(os.Getenv("LANG"), "C") {
		os.Setenv("LANG", "zh_CN.UTF-8") // Fyne refuses the C locale
	}

	tr := i18n.MustLoad(cfg.UI.Language)
	speaker := newSpeaker(cfg, log)
	term, err := terminal.Start(ctx, cfg, terminal.Options{Logger: log, Speaker: speaker, Prompt: func(k string) string { return tr.T(k) }})
	if err != nil {
		return err
	}
	defer term.Close()

	a := fyneapp.NewWithID("cn.gov.bianmin.kiosk")
	w := a.NewWindow(tr.T("app.title"))
	w.Resize(fyne.NewSize(float32(cfg.UI.Width), float32(cfg.UI.Height)))
	w.SetFixedSize(true)
	if cfg.UI.Fullscreen && tour == "" && !firstFrame {
		w.SetFullScreen(true)
	}
	ui := screens.New(w, term.Session, uiOptions(cfg, term, speaker))
	if err := startTestHooks(ctx, term, w, log); err != nil { // make e2e only
		return err
	}
	if showDock && cfg.Simulated() {
		newDock(term, cfg.UI.Language).Show(a)
	}
	go func() {
		<-ctx.Done()
		fyne.Do(a.Quit)
	}()
	if firstFrame {
		a.Lifecycle().SetOnStarted(func() {
			go func() {
				fyne.DoAndWait(func() { _ = w.Canvas().Capture() })
				fmt.Printf("first-frame-ms %d\n", time.Since(processStart).Milliseconds())
				if d := os.Getenv("KIOSK_IDLE_SECONDS"); d != "" {
					var n int
					fmt.Sscan(d, &n)
					time.Sleep(time.Duration(n) * time.Second)
					fmt.Printf("idle-rss-kb %d\n", rssKB())
				}
				fyne.Do(a.Quit)
			}()
		})
	}
	if tour != "" {
		a.Lifecycle().SetOnStarted(func() {
			go func() {
				err := runTour(ctx, term, ui, w, tour, log)
				if err != nil {
					log.Error("tour", "err", err)
					os.Exit(1)
				}
				fyne.Do(a.Quit)
			}()
		})
	}
	log.Info("kiosk started", "station", cfg.Station.Code, "terminal", cfg.Station.Terminal, "simulated", cfg.Simulated())
	w.ShowAndRun()
	return nil
}

func rssKB() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			var n int
			fmt.Sscan(strings.TrimSpace(strings.TrimPrefix(line, "VmRSS:")), &n)
			return n
		}
	}
	return 0
}
