package relay

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/platformsim"
)

// TestOneStuckApplicationDoesNotBlockTheOthers: the smallest application's
// state cannot be written (a full disk: MarkSubmitted and MarkFailed fail);
// every other application is still sent in the same pass, and the stuck one
// is sent at most once per pass, not in a loop. Mutations killed: DrainOnce
// stopping at the first application it sees twice (14 others never tried);
// no in-memory hold (the stuck one sent again and again).
func TestOneStuckApplicationDoesNotBlockTheOthers(t *testing.T) {
	s := startSim(t, platformsim.Faults{}, 64<<10)
	ob, _ := newFakeOutbox("")
	want := fill(t, ob, 9, 15, 1, 1000, 50<<10)
	var stuck string
	var smallest int64 = 1 << 62
	for id, a := range want {
		if n := totalSize(a); n < smallest {
			stuck, smallest = id, n
		}
	}
	full := errors.New("disk full")
	ob.writeErr = func(op, id string) error {
		if id == stuck {
			return full
		}
		return nil
	}
	clk := &fakeClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	r := New(ob, s.cl, Config{Now: clk.Now, Rand: rand.New(rand.NewPCG(1, 2)).Float64}, nil)
	ctx := context.Background()
	// Passes in quick succession (Serve polls every 5 s): the stuck one
	// waits out its backoff in memory since the store cannot record it.
	const passes = 4
	for range passes {
		r.DrainOnce(ctx)
		clk.Advance(time.Millisecond)
	}
	if d, _ := ob.Depth(ctx); d != 1 {
		t.Errorf("%d applications left, want only the stuck one", d)
	}
	del, err := s.srv.Deliveries()
	if err != nil {
		t.Fatal(err)
	}
	for id := range want {
		d := del[id]
		if d == nil {
			t.Errorf("%s never sent", id)
			continue
		}
		puts := d.Puts["created"] + d.Puts["same"]
		if id == stuck && puts != 1 {
			t.Errorf("the stuck application was PUT %d times in %d passes within its backoff, want 1", puts, passes)
		}
		if id != stuck && puts != 1 {
			t.Errorf("%s PUT %d times", id, puts)
		}
	}
	checkNoDuplicates(t, s.srv)
	// After its backoff it is tried again.
	clk.Advance(20 * time.Minute)
	r.DrainOnce(ctx)
	if del, _ := s.srv.Deliveries(); del[stuck].Puts["same"] != 1 {
		t.Errorf("the stuck application was not tried again after its backoff: %+v", del[stuck])
	}
}

// TestPassEndsAfterManyFailures: with the link failing every request, one
// pass stops after maxSkip failures instead of trying (and skipping) the
// whole queue, so NextDue's skip list stays small. Mutation killed: no bound.
func TestPassEndsAfterManyFailures(t *testing.T) {
	s := startSim(t, platformsim.Faults{Err5xx: 1, Seed: 1}, 64<<10)
	ob, _ := newFakeOutbox("")
	fill(t, ob, 3, maxSkip+40, 0, 0, 0)
	r := New(ob, s.cl, Config{}, nil)
	if err := r.DrainOnce(context.Background()); err == nil {
		t.Fatal("a pass through a failing link reported no error")
	}
	tried := 0
	for _, a := range ob.snapshot().Apps {
		if a.Attempts > 0 {
			tried++
		}
	}
	if tried != maxSkip {
		t.Errorf("one pass tried %d applications, want %d", tried, maxSkip)
	}
}
