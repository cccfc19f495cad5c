package relay

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/platformsim"
)

// TestKickDrainsAnIdleQueue: with nothing waiting the drain loop does not
// poll the store every PollEvery (here both polls are an hour): an
// application enqueued afterwards is sent because Kick starts a drain at
// once, as the terminal's store adapter does after every enqueue. Kills:
// Kick not waking the loop (the application would wait an hour).
func TestKickDrainsAnIdleQueue(t *testing.T) {
	s := startSim(t, platformsim.Faults{}, 32<<10)
	fake, _ := newFakeOutbox("")
	ob := &depthCounting{fakeOutbox: fake}
	r := New(ob, s.cl, Config{PollEvery: time.Hour, IdlePollEvery: time.Hour, StatusEvery: time.Hour,
		RatingsEvery: time.Hour, HeartbeatEvery: time.Hour}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	// The first drain (at start) found nothing; the loop now waits.
	deadline := time.Now().Add(10 * time.Second)
	for ob.calls.Load() == 0 { // the loop asks the depth after each drain
		if time.Now().After(deadline) {
			t.Fatal("no drain at start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	want := fill(t, fake, 3, 1, 1, 1, 10<<10)
	r.Kick()
	deadline = time.Now().Add(10 * time.Second)
	for {
		if d, _ := ob.Depth(ctx); d == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the kicked relay did not send the application enqueued while it waited")
		}
		time.Sleep(10 * time.Millisecond)
	}
	checkReceived(t, s.srv, want)
}

// depthCounting counts the drain loop's Depth calls (one after each drain).
type depthCounting struct {
	*fakeOutbox
	calls atomic.Int32
}

func (d *depthCounting) Depth(ctx context.Context) (int, error) {
	d.calls.Add(1)
	return d.fakeOutbox.Depth(ctx)
}
