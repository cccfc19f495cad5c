package relay

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
)

// countHandler counts log records whose message contains a word.
type countHandler struct {
	mu   sync.Mutex
	msgs []string
}

func (h *countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.msgs = append(h.msgs, r.Message)
	h.mu.Unlock()
	return nil
}
func (h *countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countHandler) WithGroup(string) slog.Handler      { return h }
func (h *countHandler) count(word string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if strings.Contains(m, word) {
			n++
		}
	}
	return n
}

// TestHeartbeatReportsClockSkew: the platform's clock reads an hour ahead of
// the terminal's; the heartbeat measures it, Status exposes it, the log says
// so once over several heartbeats, and once more when the clocks agree again.
// Mutation killed: ignoring the heartbeat's server time.
func TestHeartbeatReportsClockSkew(t *testing.T) {
	var mu sync.Mutex
	offset := time.Hour
	platformNow := func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(offset) }
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir(), Now: platformNow})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	cl, err := client.New(client.Config{BaseURL: hs.URL, AllowInsecureLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	ob, _ := newFakeOutbox("")
	logs := &countHandler{}
	r := New(ob, cl, Config{Terminal: "330106001-T01"}, slog.New(logs))
	ctx := context.Background()
	for range 3 {
		if err := r.SendHeartbeat(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st := r.Status()
	if !st.ClockSkewed || st.ClockSkew < 59*time.Minute || st.ClockSkew > 61*time.Minute {
		t.Fatalf("status skew %v skewed=%v, want about +1h", st.ClockSkew, st.ClockSkewed)
	}
	if n := logs.count("clock differs"); n != 1 {
		t.Errorf("skew logged %d times over 3 heartbeats, want once", n)
	}
	mu.Lock()
	offset = 0
	mu.Unlock()
	if err := r.SendHeartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.Status(); st.ClockSkewed || st.ClockSkew > time.Minute || st.ClockSkew < -time.Minute {
		t.Errorf("after the clocks agree: skew %v skewed=%v", st.ClockSkew, st.ClockSkewed)
	}
	if n := logs.count("agrees"); n != 1 {
		t.Errorf("recovery logged %d times, want once", n)
	}
}
