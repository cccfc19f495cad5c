package screens

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"
)

func rssKB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[1], 64)
			return v
		}
	}
	return 0
}

// BenchmarkSessionsRSS runs 10 000 resident sessions through the session
// and the screens (card, home, guide, form, end) and reports the process's
// RSS after them over its RSS after the first one: growth means a leak.
//
// Fyne keeps the renderers of widgets that left the screen for FYNE_CACHE
// (one minute by default) and frees them on paint; a real session lasts
// minutes, so the run happens in a child process with FYNE_CACHE=200ms and a
// paint (Capture) after every 250 sessions, as the desktop driver's draw loop
// paints (and cleans, at most every 10 s) over a real day.
func BenchmarkSessionsRSS(b *testing.B) {
	if os.Getenv("KIOSK_RSS_CHILD") == "" {
		for i := 0; i < min(b.N, 1); i++ {
			cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^BenchmarkSessionsRSS$", "-test.benchtime=1x")
			cmd.Env = append(os.Environ(), "KIOSK_RSS_CHILD=1", "FYNE_CACHE=200ms")
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Fatalf("child: %v\n%s", err, out)
			}
			var first, warm, last float64
			var heaps []float64
			for _, line := range strings.Split(string(out), "\n") {
				f := strings.Fields(line)
				if len(f) == 2 && f[0] == "heap-kb" {
					v, _ := strconv.ParseFloat(f[1], 64)
					heaps = append(heaps, v)
				}
				if len(f) == 3 && f[0] == "rss-kb" {
					v, _ := strconv.ParseFloat(f[2], 64)
					switch f[1] {
					case "first":
						first = v
					case "warm":
						warm = v
					default:
						last = v
					}
				}
			}
			if first == 0 || last == 0 {
				b.Fatalf("child printed no figures:\n%s", out)
			}
			b.ReportMetric(last/first, "ratio")
			if len(heaps) > 1 {
				// The live heap: flat means the RSS growth is memory the
				// runtime keeps, not objects the kiosk holds on to.
				b.ReportMetric(heaps[len(heaps)-1]/heaps[0], "heap-ratio")
			}
			if warm > 0 {
				// After 1 000 sessions every screen, glyph and text
				// metric has been cached once: growth past here is a leak.
				b.ReportMetric(last/warm, "ratio-after-1k")
			}
			b.ReportMetric(last/1024, "MB-after-10k")
		}
		return
	}
	sessions := 10000
	if v := os.Getenv("KIOSK_SESSIONS"); v != "" {
		sessions, _ = strconv.Atoi(v)
	}
	s, _, w, _ := setup(b, false)
	code := s.Frequent()[0].Code
	visit := func() {
		s.CardRead(resident())
		_ = s.ChooseItem(code)
		s.StartForm()
		s.SetField("phone", "13800138000")
		s.End()
		s.Tick()
	}
	// Fyne cleans its caches on a paint at most every 10 s; the
	// measurements wait for one.
	settle := func(wait time.Duration) float64 {
		time.Sleep(wait)
		_ = w.Canvas().Capture() // a paint: Fyne frees expired renderers
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("heap-kb %.0f\n", float64(ms.HeapInuse)/1024)
		return rssKB()
	}
	for i := 0; i < 50; i++ { // warm caches (fonts, text metrics)
		visit()
	}
	fmt.Printf("rss-kb first %.0f\n", settle(10500*time.Millisecond))
	for j := 1; j < sessions; j++ {
		visit()
		switch {
		case j == 1000:
			fmt.Printf("rss-kb warm %.0f\n", settle(10500*time.Millisecond))
		case j%250 == 0:
			settle(250 * time.Millisecond)
		}
	}
	fmt.Printf("rss-kb last %.0f\n", settle(10500*time.Millisecond))
}
