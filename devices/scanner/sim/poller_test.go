package sim

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/scanner"
)

// TestPollerReportsChanges flips the simulator's knobs under a running
// poller and checks each change is reported once.
func TestPollerReportsChanges(t *testing.T) {
	s := New(Knobs{})
	var mu sync.Mutex
	var got []kiosk.DeviceState
	changed := make(chan struct{}, 16)
	p := &scanner.Poller{Scanner: s, Interval: 5 * time.Millisecond, OnChange: func(st scanner.Status) {
		mu.Lock()
		got = append(got, st.State)
		mu.Unlock()
		changed <- struct{}{}
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Serve(ctx) }()
	wait := func() {
		select {
		case <-changed:
		case <-time.After(10 * time.Second):
			t.Fatal("no change reported")
		}
	}
	wait() // ready
	s.Update(func(k *Knobs) { k.FeederEmpty = true })
	wait()
	s.Update(func(k *Knobs) { k.Disconnected = true })
	wait()
	s.Update(func(k *Knobs) { *k = Knobs{} })
	wait()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("serve: %v", err)
	}
	want := []kiosk.DeviceState{kiosk.DeviceReady, kiosk.DeviceFeederEmpty, kiosk.DeviceDisconnected, kiosk.DeviceReady}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("changes %v, want %v", got, want)
		}
	}
}
