package terminal

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/config"
)

// recHandler keeps the log records (level, message, attributes as text).
type recHandler struct {
	mu   sync.Mutex
	recs []string
}

func (h *recHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recHandler) WithGroup(string) slog.Handler            { return h }
func (h *recHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool { b.WriteString(" " + a.Key + "=" + a.Value.String()); return true })
	h.mu.Lock()
	h.recs = append(h.recs, b.String())
	h.mu.Unlock()
	return nil
}

func (h *recHandler) count(sub string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, r := range h.recs {
		if strings.Contains(r, sub) {
			n++
		}
	}
	return n
}

// TestDiskLowReachesResidentTechnicianAndPlatform: with the disk under the
// threshold the terminal's watcher hands the session disk_low (which then
// refuses new applications), logs one error-level record with
// alert=disk_low, the metric kiosk_degraded_mode{mode="disk_low"} reads 1
// and the heartbeat carries it. Between the threshold and twice it the disk
// stays low (no flapping); with room again it is over, and the alert was
// written once. Kills: no watcher (the session never learns), the alert at
// warning level or without its key, no metric, no hysteresis.
func TestDiskLowReachesResidentTechnicianAndPlatform(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	cfg.Metrics.Listen = addr
	rec := &recHandler{}
	term, err := Start(context.Background(), cfg, Options{Fast: true, Logger: slog.New(rec)})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	var mu sync.Mutex
	free := uint64(1 << 20)
	term.setFreeBytes(func() (uint64, error) { mu.Lock(); defer mu.Unlock(); return free, nil })
	setFree := func(n uint64) { mu.Lock(); free = n; mu.Unlock() }

	waitFor(t, "the session in disk_low", 10*time.Second, func() bool { return term.Session.Snapshot().Degraded.DiskLow })
	// The session and the technician's alert are told separately: wait for
	// the alert too (it is counted again once the episode is over).
	alert := "ERROR disk low: new applications refused alert=" + AlertDiskLow
	waitFor(t, "the disk_low alert", 10*time.Second, func() bool { return rec.count(alert) > 0 })
	if n := rec.count(alert); n != 1 {
		t.Errorf("%d error records with alert=%s: %q", n, AlertDiskLow, rec.recs)
	}
	var body string
	waitFor(t, "the metric", 10*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		return strings.Contains(body, `kiosk_degraded_mode{mode="disk_low"} 1`)
	})
	if !strings.Contains(body, `kiosk_degraded_mode{mode="reader_missing"} 0`) {
		t.Errorf("modes not in force are not reported as 0:\n%s", body)
	}
	if err := term.Relay.SendHeartbeat(context.Background()); err != nil {
		t.Fatal(err)
	}
	hb, err := term.Sims.Platform.LastHeartbeat("dev")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(hb.Degraded, DegradedDiskLow) {
		t.Errorf("heartbeat degraded %v", hb.Degraded)
	}

	setFree(DiskLowBytes + DiskLowBytes/2) // above the threshold, below the way out
	for i := 0; i < 10; i++ {
		if d := term.Degraded(); !slices.Contains(d, DegradedDiskLow) {
			t.Fatalf("disk low left at %d bytes free: %v", DiskLowBytes+DiskLowBytes/2, d)
		}
	}
	setFree(4 * DiskLowBytes)
	waitFor(t, "disk_low over", 10*time.Second, func() bool { return !term.Session.Snapshot().Degraded.DiskLow })
	if n := rec.count("alert=" + AlertDiskLow); n != 1 {
		t.Errorf("alert written %d times", n)
	}
}
