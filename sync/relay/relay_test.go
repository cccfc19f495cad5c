package relay

import (
	"context"
	"crypto/ed25519"
	crand "crypto/rand"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/catalogsig"
	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type sim struct {
	srv *platformsim.Server
	hs  *httptest.Server
	cl  *client.Client
}

func startSim(t testing.TB, f platformsim.Faults, chunk int64) *sim {
	t.Helper()
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir(), Faults: f})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	cl, err := client.New(client.Config{BaseURL: hs.URL, AllowInsecureLoopback: true, ChunkSize: chunk, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &sim{srv: srv, hs: hs, cl: cl}
}

// checkReceived fails unless every application of ob is on the platform
// exactly once, submitted, with byte-identical attachments, and nothing else is.
func checkReceived(t testing.TB, srv *platformsim.Server, want map[string]*kiosk.Application) {
	t.Helper()
	got, err := srv.Received()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, rc := range got {
		seen[rc.InstanceID]++
		a, ok := want[rc.InstanceID]
		if !ok {
			t.Errorf("platform holds %s, never queued", rc.InstanceID)
			continue
		}
		if !rc.Submitted {
			t.Errorf("%s held but not submitted", rc.InstanceID)
		}
		byID := map[string]api.AttachmentReceipt{}
		for _, r := range rc.Attachments {
			byID[r.ID] = r
		}
		for _, at := range a.Attachments {
			r := byID[at.ID]
			if r.SHA256 != at.SHA256 || r.Size != at.Size {
				t.Errorf("%s/%s: platform stored sha256 %s size %d, want %s %d", rc.InstanceID, at.ID, r.SHA256, r.Size, at.SHA256, at.Size)
			}
		}
	}
	for id := range want {
		if seen[id] != 1 {
			t.Errorf("%s on the platform %d times, want 1", id, seen[id])
		}
	}
	checkNoDuplicates(t, srv)
}

// checkNoDuplicates fails when the platform holds one application under two
// instance IDs (same acceptance number or same content), or holds one
// submitted without a completion it answered truthfully.
func checkNoDuplicates(t testing.TB, srv *platformsim.Server) {
	t.Helper()
	dups, err := srv.Duplicates()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dups {
		t.Errorf("the platform holds one application under %d instance IDs (same %s): %v", len(d.InstanceIDs), d.By, d.InstanceIDs)
	}
}

func fill(t testing.TB, ob *fakeOutbox, seed uint64, n, atts, minSize, maxSize int) map[string]*kiosk.Application {
	t.Helper()
	rnd := rand.New(rand.NewPCG(seed, 7))
	want := map[string]*kiosk.Application{}
	for i := 0; i < n; i++ {
		a, files := makeApp(rnd, i, rnd.IntN(atts+1), minSize, maxSize)
		if err := ob.Enqueue(a, files); err != nil {
			t.Fatal(err)
		}
		want[a.InstanceID] = a
	}
	return want
}

func TestBackoff(t *testing.T) {
	base, cap := 2*time.Second, 10*time.Minute
	tests := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 0, 0},
		{1, 0.5, time.Second},
		{2, 0.5, 2 * time.Second},
		{3, 0.999999, 8*time.Second - 8*time.Microsecond},
		{9, 1, 512 * time.Second},
		{10, 1, cap},
		{50, 0.5, cap / 2},
		{1000, 1, cap},
		{0, 1, base},
	}
	for _, tt := range tests {
		got := Backoff(tt.attempt, base, cap, tt.rnd)
		if d := got - tt.want; d > time.Millisecond || d < -time.Millisecond {
			t.Errorf("Backoff(%d, rnd=%v) = %v, want %v", tt.attempt, tt.rnd, got, tt.want)
		}
	}
}

func TestDrainSubmitsEverything(t *testing.T) {
	s := startSim(t, platformsim.Faults{}, 64<<10)
	ob, _ := newFakeOutbox("")
	want := fill(t, ob, 1, 6, 3, 1, 300<<10)
	var mu sync.Mutex
	var chunks int
	r := New(ob, s.cl, Config{OnProgress: func(p Progress) {
		mu.Lock()
		chunks++
		mu.Unlock()
	}}, nil)
	if err := r.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkReceived(t, s.srv, want)
	if d, _ := ob.Depth(context.Background()); d != 0 {
		t.Errorf("depth %d after drain", d)
	}
	// taken up smallest first (two are in flight at once, so their
	// progress interleaves), each once
	ob.mu.Lock()
	order := slices.Clone(ob.started)
	ob.mu.Unlock()
	if len(order) != len(want) {
		t.Errorf("%d applications taken up for %d queued: %v", len(order), len(want), order)
	}
	for i := 1; i < len(order); i++ {
		if totalSize(want[order[i-1]]) > totalSize(want[order[i]]) {
			t.Errorf("sent %s (%d bytes) before %s (%d bytes)", order[i-1], totalSize(want[order[i-1]]), order[i], totalSize(want[order[i]]))
		}
	}
	if chunks == 0 {
		t.Error("no progress reported")
	}
	st := r.Status()
	if st.Conn != Online || st.Submitted != len(want) || len(st.Progress) != 0 {
		t.Errorf("status %+v", st)
	}
	// A second drain finds nothing and changes nothing.
	if err := r.DrainOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkReceived(t, s.srv, want)
}

func TestFaultScenarios(t *testing.T) {
	tests := []struct {
		name   string
		faults platformsim.Faults
	}{
		{"drop", platformsim.Faults{Drop: 0.3}},
		{"captive", platformsim.Faults{Captive: 0.3}},
		{"5xx", platformsim.Faults{Err5xx: 0.3}},
		{"truncate", platformsim.Faults{Truncate: 0.3}},
		{"bad receipt", platformsim.Faults{BadReceipt: 0.4}},
		{"delay", platformsim.Faults{Delay: 20 * time.Millisecond}},
		{"slow", platformsim.Faults{SlowBits: 16_000_000}},
		{"all", platformsim.Faults{Drop: 0.1, Captive: 0.05, Err5xx: 0.1, Truncate: 0.1, BadReceipt: 0.1, Delay: 2 * time.Millisecond}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.faults.Seed = uint64(i + 1)
			s := startSim(t, tt.faults, 32<<10)
			ob, _ := newFakeOutbox("")
			want := fill(t, ob, uint64(100+i), 5, 2, 1, 160<<10)
			ob.onSubmitted = func(id string) {
				rc, _ := s.srv.Received()
				for _, r := range rc {
					if r.InstanceID == id && r.Submitted {
						return
					}
				}
				t.Errorf("%s marked submitted but the platform does not hold it submitted", id)
			}
			clk := &fakeClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
			r := New(ob, s.cl, Config{Now: clk.Now, Rand: rand.New(rand.NewPCG(1, 2)).Float64}, nil)
			ctx := context.Background()
			drain := func() {
				for round := 0; ; round++ {
					err := r.DrainOnce(ctx)
					if d, _ := ob.Depth(ctx); d == 0 {
						break
					}
					if round > 300 {
						t.Fatalf("not drained after %d rounds: %v", round, err)
					}
					clk.Advance(10 * time.Minute)
				}
			}
			drain()
			// Two applications are in flight at once, so which request
			// draws which fault varies from run to run: queue more until
			// a wrong receipt was sent, so the receipt check is exercised.
			for more := 0; tt.faults.BadReceipt > 0 && s.srv.FaultCounts().BadReceipt == 0 && more < 20; more++ {
				rnd := rand.New(rand.NewPCG(uint64(1000+100*i+more), 7))
				for j := range 5 { // sequence numbers (acceptance numbers) after those of fill
					a, files := makeApp(rnd, 100*(more+1)+j, rnd.IntN(3), 1, 160<<10)
					if err := ob.Enqueue(a, files); err != nil {
						t.Fatal(err)
					}
					want[a.InstanceID] = a
				}
				drain()
			}
			checkReceived(t, s.srv, want)
			if tt.faults.BadReceipt > 0 && s.srv.FaultCounts().BadReceipt == 0 {
				t.Error("no wrong receipt was sent: the receipt check was not exercised")
			}
			for id, a := range ob.snapshot().Apps {
				if a.Marks != 1 {
					t.Errorf("%s marked submitted %d times", id, a.Marks)
				}
			}
			t.Logf("faults injected: %+v", s.srv.FaultCounts())
		})
	}
}

func TestCaptivePortalNeverSubmits(t *testing.T) {
	s := startSim(t, platformsim.Faults{Captive: 1}, 32<<10)
	ob, _ := newFakeOutbox("")
	fill(t, ob, 5, 3, 1, 1000, 5000)
	clk := &fakeClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	r := New(ob, s.cl, Config{Now: clk.Now}, nil)
	for i := 0; i < 5; i++ {
		err := r.DrainOnce(context.Background())
		if !errors.Is(err, client.ErrNotPlatform) {
			t.Fatalf("drain behind a captive portal: %v, want ErrNotPlatform", err)
		}
		clk.Advance(time.Hour)
	}
	if d, _ := ob.Depth(context.Background()); d != 3 {
		t.Errorf("depth %d, want 3", d)
	}
	for id, a := range ob.snapshot().Apps {
		if a.Marks != 0 || a.Attempts != 5 || a.Next.Before(clk.Now().Add(-time.Hour)) {
			t.Errorf("%s: marks %d attempts %d next %v", id, a.Marks, a.Attempts, a.Next)
		}
	}
	if st := r.Status(); st.Conn != Offline || st.LastError == "" {
		t.Errorf("status %+v, want offline with an error", st)
	}
	if rc, _ := s.srv.Received(); len(rc) != 0 {
		t.Errorf("platform holds %d applications", len(rc))
	}
}

func TestBackoffRecorded(t *testing.T) {
	s := startSim(t, platformsim.Faults{Err5xx: 1}, 32<<10)
	ob, _ := newFakeOutbox("")
	want := fill(t, ob, 9, 1, 0, 0, 0)
	var id string
	for k := range want {
		id = k
	}
	clk := &fakeClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	r := New(ob, s.cl, Config{Now: clk.Now, Rand: func() float64 { return 0.5 }}, nil)
	for i, wantDelay := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second} {
		if err := r.DrainOnce(context.Background()); !errors.Is(err, client.ErrServer) {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
		a := ob.snapshot().Apps[id]
		if got := a.Next.Sub(clk.Now()); got != wantDelay {
			t.Errorf("attempt %d: next in %v, want %v", i+1, got, wantDelay)
		}
		// not due before its time
		if err := r.DrainOnce(context.Background()); err != nil {
			t.Fatalf("drain while backing off: %v", err)
		}
		clk.Advance(wantDelay)
	}
}

func TestCatalogue(t *testing.T) {
	s := startSim(t, platformsim.Faults{}, 0)
	pub, priv, _ := ed25519.GenerateKey(crand.Reader)
	_, other, _ := ed25519.GenerateKey(crand.Reader)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	sign := func(k ed25519.PrivateKey, v int64, exp time.Time, cat string) []byte {
		sc, err := catalogsig.Sign(k, json.RawMessage(cat), v, now.Add(-time.Hour), exp)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(sc)
		return b
	}
	tamper := func(b []byte) []byte {
		var sc api.SignedCatalog
		json.Unmarshal(b, &sc)
		sc.Payload = []byte(string(sc.Payload[:len(sc.Payload)-3]) + "9}}")
		out, _ := json.Marshal(sc)
		return out
	}
	good3 := sign(priv, 3, now.Add(24*time.Hour), `{"v":3}`)
	tests := []struct {
		name    string
		serve   []byte
		wantErr error
		wantVer int64
	}{
		{"first", sign(priv, 2, now.Add(24*time.Hour), `{"v":2}`), nil, 2},
		{"newer", good3, nil, 3},
		{"same again", good3, nil, 3},
		{"tampered", tamper(sign(priv, 4, now.Add(24*time.Hour), `{"v":4}`)), catalogsig.ErrBadSignature, 3},
		{"other key", sign(other, 5, now.Add(24*time.Hour), `{"v":5}`), catalogsig.ErrBadSignature, 3},
		{"expired", sign(priv, 6, now.Add(-time.Minute), `{"v":6}`), catalogsig.ErrExpired, 3},
		{"rollback", sign(priv, 1, now.Add(24*time.Hour), `{"v":1}`), catalogsig.ErrRollback, 3},
	}
	ob, _ := newFakeOutbox("")
	var got []int64
	r := New(ob, s.cl, Config{CatalogKey: pub, Now: func() time.Time { return now }, OnCatalog: func(v int64, _ json.RawMessage) { got = append(got, v) }}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.srv.SetCatalog(tt.serve); err != nil {
				t.Fatal(err)
			}
			err := r.PullCatalog(context.Background())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			signed, v, _ := ob.LatestCatalog(context.Background())
			if v != tt.wantVer {
				t.Errorf("kept version %d, want %d", v, tt.wantVer)
			}
			var sc api.SignedCatalog
			if err := json.Unmarshal(signed, &sc); err != nil {
				t.Fatal(err)
			}
			if _, err := catalogsig.Verify(pub, &sc, now, 0); err != nil {
				t.Errorf("kept catalogue does not verify: %v", err)
			}
		})
	}
	if len(got) != 2 {
		t.Errorf("OnCatalog versions %v, want [2 3]", got)
	}
}

func TestStatusRatingsHeartbeat(t *testing.T) {
	s := startSim(t, platformsim.Faults{}, 0)
	ob, _ := newFakeOutbox("")
	want := fill(t, ob, 3, 3, 1, 10, 100)
	r := New(ob, s.cl, Config{Terminal: "330106001-T01", DeviceStates: func() []kiosk.DeviceStatus {
		return []kiosk.DeviceStatus{{Device: "printer", State: kiosk.DevicePaperLow}}
	}, Versions: map[string]string{"app": "test"}}, nil)
	ctx := context.Background()
	if err := r.DrainOnce(ctx); err != nil {
		t.Fatal(err)
	}
	decide := map[string]kiosk.State{}
	states := []kiosk.State{kiosk.StateAccepted, kiosk.StateRejected, kiosk.StateNeedsSupplement}
	i := 0
	for id := range want {
		decide[id] = states[i%3]
		if err := s.srv.Decide(api.Decision{InstanceID: id, State: states[i%3], Note: "ok"}); err != nil {
			t.Fatal(err)
		}
		i++
	}
	if err := r.PullStatus(ctx); err != nil {
		t.Fatal(err)
	}
	snap := ob.snapshot()
	for id, st := range decide {
		if snap.Apps[id].App.State != st {
			t.Errorf("%s is %s, want %s", id, snap.Apps[id].App.State, st)
		}
	}
	if snap.Cursors[StatusCursor] == "" {
		t.Error("cursor not kept")
	}
	// Nothing new: nothing applied twice.
	if err := r.PullStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(ob.snapshot().Statuses); n != 3 {
		t.Errorf("%d status events applied, want 3", n)
	}

	for id := range want {
		ob.AddRating(kiosk.Rating{InstanceID: id, Level: kiosk.Satisfied, At: time.Now(), Channel: "kiosk"})
	}
	if err := r.SendRatings(ctx); err != nil {
		t.Fatal(err)
	}
	if p, _ := ob.PendingRatings(ctx, 10); len(p) != 0 {
		t.Errorf("%d ratings still pending", len(p))
	}
	if ids, _ := s.srv.Ratings(); len(ids) != 3 {
		t.Errorf("platform has %d ratings", len(ids))
	}
	if err := r.SendHeartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	hb, err := s.srv.LastHeartbeat("dev")
	if err != nil {
		t.Fatal(err)
	}
	if hb.Terminal != "330106001-T01" || len(hb.Devices) != 1 || hb.Devices[0].State != kiosk.DevicePaperLow || hb.QueueDepth != 0 {
		t.Errorf("heartbeat %+v", hb)
	}
}

func TestServe(t *testing.T) {
	s := startSim(t, platformsim.Faults{Err5xx: 0.2, Seed: 9}, 32<<10)
	ob, _ := newFakeOutbox("")
	want := fill(t, ob, 21, 4, 2, 1, 100<<10)
	r := New(ob, s.cl, Config{PollEvery: 10 * time.Millisecond, StatusEvery: 10 * time.Millisecond, HeartbeatEvery: 10 * time.Millisecond,
		RatingsEvery: 10 * time.Millisecond, BackoffBase: time.Millisecond, BackoffCap: 5 * time.Millisecond}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		d, _ := ob.Depth(ctx)
		_, hbErr := s.srv.LastHeartbeat("dev")
		if d == 0 && hbErr == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("depth %d, heartbeat %v", d, hbErr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve returned %v", err)
	}
	checkReceived(t, s.srv, want)
}
