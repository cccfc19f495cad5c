package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"

	"github.com/bianmin/kiosk/app/screens"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

// Developer hooks, apart from the appliance's path: the screen tour (make
// screenshots) and the first-frame benchmark (make bench). Their flags are
// parsed with the others; main hands the appliance a hooks value and the
// appliance calls install once, after its window exists. A production
// terminal never sets them.

type hooks struct {
	tour       string // walk every screen, save PNGs here, exit
	firstFrame bool   // print the time to the first frame and exit
}

func hookFlags(fs *flag.FlagSet) *hooks {
	h := &hooks{}
	fs.StringVar(&h.tour, "tour", "", "walk every screen, save a PNG of each into this directory, and exit (developers)")
	fs.BoolVar(&h.firstFrame, "first-frame-exit", false, "print the time to the first rendered frame and exit (benchmarks)")
	return h
}

// active reports whether a hook replaces the appliance's normal run (no full
// screen, no out-of-service screen: the tool that asked wants an exit).
func (h *hooks) active() bool { return h.tour != "" || h.firstFrame }

var processStart = time.Now()

// install arranges the hook to run once the UI loop has started.
func (h *hooks) install(ctx context.Context, a fyne.App, w fyne.Window, term *terminal.Terminal, ui *screens.UI, log *slog.Logger) {
	switch {
	case h.firstFrame:
		a.Lifecycle().SetOnStarted(func() {
			go func() {
				fyne.DoAndWait(func() { _ = w.Canvas().Capture() })
				fmt.Printf("first-frame-ms %d\n", time.Since(processStart).Milliseconds())
				if d := os.Getenv("KIOSK_IDLE_SECONDS"); d != "" {
					var n int
					fmt.Sscan(d, &n)
					time.Sleep(time.Duration(n) * time.Second) // the benchmark's idle period, not synchronisation
					fmt.Printf("idle-rss-kb %d\n", rssKB())
				}
				fyne.Do(a.Quit)
			}()
		})
	case h.tour != "":
		a.Lifecycle().SetOnStarted(func() {
			go func() {
				if err := runTour(ctx, term, ui, w, h.tour, log); err != nil {
					log.Error("tour", "err", err)
					os.Exit(1)
				}
				fyne.Do(a.Quit)
			}()
		})
	}
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
