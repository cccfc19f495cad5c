package metrics

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/relay"
)

func TestScrape(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	src := Sources{
		Queue: func(context.Context) (offline.Stats, error) {
			return offline.Stats{ByState: map[kiosk.State]int{kiosk.State("queued"): 3, kiosk.State("submitted"): 7},
				Pending: 3, BytesPending: 900_000, OldestAge: 90 * time.Minute}, nil
		},
		Relay: func() relay.Status {
			return relay.Status{Conn: relay.Offline, Submitted: 7, Failed: 12, ClockSkew: -2 * time.Second}
		},
		Devices: func() []kiosk.DeviceStatus {
			return []kiosk.DeviceStatus{{Device: "printer", State: kiosk.DeviceState("paper_out")}, {Device: "idcard", State: kiosk.DeviceState("ready")}}
		},
		Catalog: func() *kiosk.Catalog { return &kiosk.Catalog{Version: 2, Expires: now.Add(48 * time.Hour)} },
		DataDir: t.TempDir(),
		Now:     func() time.Time { return now },
	}
	srv, err := NewServer("127.0.0.1:0", New(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Addr = ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	defer func() { cancel(); <-done }()

	var body string
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get("http://" + srv.Addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scrape: %v", err)
		}
		time.Sleep(20 * time.Millisecond) // paces the retry until the listener is up
	}
	for _, want := range []string{
		`kiosk_queue_applications{state="queued"} 3`,
		`kiosk_queue_pending 3`,
		`kiosk_queue_pending_bytes 900000`,
		`kiosk_queue_oldest_unsynced_seconds 5400`,
		`kiosk_platform_online 0`,
		`kiosk_sync_submitted_total 7`,
		`kiosk_sync_failed_attempts_total 12`,
		`kiosk_clock_skew_seconds -2`,
		`kiosk_device_state{device="printer",state="paper_out"} 1`,
		`kiosk_catalog_version 2`,
		`kiosk_catalog_expiry_seconds 172800`,
		`kiosk_disk_free_bytes `,
		`go_goroutines `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(body)
	}
}

func TestNotLoopbackRefused(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:9464", ":9464", "192.0.2.1:9464"} {
		if _, err := NewServer(addr, New(Sources{}), nil); err == nil {
			t.Errorf("%s accepted: metrics must stay on the terminal", addr)
		}
	}
}
