package relay

import (
	"context"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
)

func heartbeatPeer(t *testing.T) (*platformsim.Server, *client.Client) {
	t.Helper()
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	cl, err := client.New(client.Config{BaseURL: hs.URL, AllowInsecureLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	return srv, cl
}

// TestHeartbeatCarriesTheFacts: what the platform receives (through the
// emulator's HTTP handler) holds uptime, the facts the terminal supplies and
// the catalogue version in use, which overrides the static one in Versions.
// Kills: leaving Facts out of the heartbeat; reporting Versions["catalog"]
// as configured at start (the "version 1 while version 2 is in use" bug).
func TestHeartbeatCarriesTheFacts(t *testing.T) {
	srv, cl := heartbeatPeer(t)
	ob, _ := newFakeOutbox("")
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	clock := now
	expires := now.Add(30 * 24 * time.Hour)
	r := New(ob, cl, Config{
		Terminal: "330106001-T01",
		Now:      func() time.Time { return clock },
		Versions: map[string]string{"kiosk": "1.2.3", "catalog": "1"},
		DeviceStates: func() []kiosk.DeviceStatus {
			return []kiosk.DeviceStatus{{Device: "idcard", State: kiosk.DeviceReady}, {Device: "scanner", State: kiosk.DeviceReady}, {Device: "qr", State: kiosk.DeviceDisconnected}}
		},
		Facts: func(context.Context) (Facts, error) {
			return Facts{DiskFree: 5 << 30, DiskSize: 32 << 30, OldestPending: 90 * time.Minute, PendingBytes: 4096,
				CatalogVersion: 2, CatalogExpires: expires, Degraded: []string{"printer_out"}}, nil
		},
	}, nil)
	clock = now.Add(3 * time.Hour)
	if err := r.SendHeartbeat(context.Background()); err != nil {
		t.Fatal(err)
	}
	hb, err := srv.LastHeartbeat("dev")
	if err != nil {
		t.Fatal(err)
	}
	if hb.UptimeS != 3*3600 {
		t.Errorf("uptime %d s, want %d", hb.UptimeS, 3*3600)
	}
	if hb.DiskFreeBytes != 5<<30 || hb.DiskSizeBytes != 32<<30 || hb.OldestPendingS != 90*60 || hb.PendingBytes != 4096 {
		t.Errorf("facts: disk %d/%d oldest %d s pending %d B", hb.DiskFreeBytes, hb.DiskSizeBytes, hb.OldestPendingS, hb.PendingBytes)
	}
	if hb.CatalogVersion != 2 || hb.Versions["catalog"] != "2" || hb.Versions["kiosk"] != "1.2.3" {
		t.Errorf("catalogue version %d, versions %v: want 2 in use", hb.CatalogVersion, hb.Versions)
	}
	if !hb.CatalogExpires.Equal(expires) {
		t.Errorf("catalogue expires %v, want %v", hb.CatalogExpires, expires)
	}
	if len(hb.Devices) != 3 || hb.Devices[1].Device != "scanner" || hb.Devices[2].State != kiosk.DeviceDisconnected {
		t.Errorf("devices %+v", hb.Devices)
	}
	if len(hb.Degraded) != 1 || hb.Degraded[0] != "printer_out" {
		t.Errorf("degraded %v", hb.Degraded)
	}
}

// TestHeartbeatJitter: Serve waits a random phase within the interval (from
// the injected random source) before the first heartbeat and then a whole
// interval between heartbeats. Kills: sending at once on start (every
// terminal of the province in the same second after a power cut ends) and
// drawing a new offset each time (irregular intervals).
func TestHeartbeatJitter(t *testing.T) {
	srv, cl := heartbeatPeer(t)
	ob, _ := newFakeOutbox("")
	const every = 5 * time.Minute
	r := New(ob, cl, Config{Terminal: "T", HeartbeatEvery: every, PollEvery: time.Hour, StatusEvery: time.Hour,
		RatingsEvery: time.Hour, Rand: func() float64 { return 0.37 }}, nil)
	waits := make(chan time.Duration, 10)
	fire := make(chan time.Time)
	r.after = func(d time.Duration) <-chan time.Time { waits <- d; return fire }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	defer func() { cancel(); <-done }()

	next := func() time.Duration {
		select {
		case d := <-waits:
			return d
		case <-time.After(10 * time.Second):
			t.Fatal("the heartbeat loop asked for no timer")
			return 0
		}
	}
	if d, want := next(), time.Duration(0.37*float64(every)); d != want {
		t.Fatalf("first wait %v, want the phase %v", d, want)
	}
	if _, err := srv.LastHeartbeat("dev"); err == nil {
		t.Fatal("a heartbeat was sent before the phase had passed")
	}
	fire <- time.Now()
	if d := next(); d != every {
		t.Fatalf("second wait %v, want the interval %v", d, every)
	}
	if _, err := srv.LastHeartbeat("dev"); err != nil {
		t.Fatalf("no heartbeat after the phase: %v", err)
	}
	fire <- time.Now()
	if d := next(); d != every {
		t.Fatalf("third wait %v, want the interval %v", d, every)
	}
}

// TestHeartbeatPhaseSpreads: 20 000 terminals with a 5-minute interval put
// at most a few times the mean (67) into any one second.
func TestHeartbeatPhaseSpreads(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const every = 5 * time.Minute
	perSecond := map[int64]int{}
	for range 20000 {
		perSecond[int64(HeartbeatPhase(every, rnd.Float64())/time.Second)]++
	}
	busiest := 0
	for s, n := range perSecond {
		if s < 0 || s >= int64(every/time.Second) {
			t.Fatalf("phase second %d outside the interval", s)
		}
		busiest = max(busiest, n)
	}
	if busiest > 120 {
		t.Errorf("busiest second has %d of 20000 heartbeats", busiest)
	}
	t.Logf("busiest second: %d heartbeats (mean %d)", busiest, 20000/300)
}
