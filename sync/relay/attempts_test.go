package relay

import (
	"context"
	"errors"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// TestBackoffContinuesAcrossRestarts: a relay that starts fresh takes the
// attempt count the outbox recorded, so a long outage keeps long delays.
func TestBackoffContinuesAcrossRestarts(t *testing.T) {
	f, err := newFakeOutbox("")
	if err != nil {
		t.Fatal(err)
	}
	app := &kiosk.Application{InstanceID: "a1", AcceptanceNo: "N1", ItemCode: "X", State: kiosk.StateQueued}
	if err := f.Enqueue(app, nil); err != nil {
		t.Fatal(err)
	}
	f.st.Apps["a1"].Attempts = 5 // recorded by an earlier process
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	r := New(f, nil, Config{BackoffBase: time.Second, BackoffCap: time.Hour,
		Now: func() time.Time { return now }, Rand: func() float64 { return 0.5 }}, nil)
	r.fail(context.Background(), "a1", errors.New("link down"))
	// Sixth attempt: ceiling 2^5 s = 32 s, half of it with Rand = 0.5.
	if got := f.st.Apps["a1"].Next.Sub(now); got != 16*time.Second {
		t.Fatalf("retry in %v, want 16s (attempt 6)", got)
	}
	if f.st.Apps["a1"].Attempts != 6 {
		t.Fatalf("attempts %d", f.st.Apps["a1"].Attempts)
	}
}
