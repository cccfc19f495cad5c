package offline

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"
)

// TestWrongClockRetryRecovers: a failure recorded while the clock read a
// year ahead set the next attempt a year ahead; once the clock is corrected
// the application is due again at once. Mutation killed: NextDue without the
// "further ahead than any backoff" clause (the application stays frozen).
func TestWrongClockRetryRecovers(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, t.TempDir(), WithClock(clk.now))
	app, f := testApp(1, "11010519491231002X", 0, 0, rand.New(rand.NewPCG(1, 2)))
	if err := s.Enqueue(ctx, app, f); err != nil {
		t.Fatal(err)
	}
	ahead := clk.now().AddDate(1, 0, 0)
	if err := s.MarkFailed(ctx, app.InstanceID, "timeout", ahead.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	got, err := s.NextDue(ctx, clk.now()) // the clock, corrected
	if err != nil || got.InstanceID != app.InstanceID {
		t.Fatalf("NextDue after the clock was corrected = %v, %v; want the application", got, err)
	}
	// An ordinary backoff still waits.
	if err := s.MarkFailed(ctx, app.InstanceID, "timeout", clk.now().Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NextDue(ctx, clk.now()); err == nil {
		t.Fatal("an application in its ordinary backoff was due")
	}
}

// TestNextDueSkips: the relay's skip list is honoured.
func TestNextDueSkips(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(3, 4))
	var ids []string
	for i := range 3 {
		app, f := testApp(i+1, "11010519491231002X", 1, 100*(i+1), rng)
		if err := s.Enqueue(ctx, app, f); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, app.InstanceID)
	}
	for i := range ids {
		got, err := s.NextDue(ctx, time.Now(), ids[:i]...)
		if err != nil || got.InstanceID != ids[i] {
			t.Fatalf("NextDue skipping %d = %v, %v; want %s", i, got, err, ids[i])
		}
	}
	if _, err := s.NextDue(ctx, time.Now(), ids...); err == nil {
		t.Fatal("NextDue skipping all returned one")
	}
}
