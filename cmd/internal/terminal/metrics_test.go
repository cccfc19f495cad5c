package terminal

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/config"
)

// TestMetricsScraped starts a simulated terminal with the metrics endpoint on
// and scrapes it as Prometheus would: the queue, the devices, the catalogue
// and the disk are there, read from the terminal's own parts.
func TestMetricsScraped(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	cfg.Metrics.Listen = addr
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	var body string
	want := []string{
		"kiosk_queue_pending 0",
		`kiosk_device_state{device="printer",state="ready"} 1`,
		fmt.Sprintf("kiosk_catalog_version %d", term.Session.Catalog().Version),
		"kiosk_disk_free_bytes ",
		"kiosk_platform_online ",
	}
	waitFor(t, "a scrape with queue, printer, catalogue and disk", 30*time.Second, func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		for _, w := range want {
			if !strings.Contains(body, w) {
				return false
			}
		}
		return true
	})
}
