package idcard

import (
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func kicked(c *cadence) bool {
	select {
	case <-c.kick:
		return true
	default:
		return false
	}
}

// TestCadence: fast after start and for FastFor after any activity, fast
// while a card is expected whatever the time, idle otherwise; a switch
// wakes the poll loop once. Kills: the idle interval never used, the fast
// interval never restored after a touch, an expected card ignored.
func TestCadence(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)}
	s := NewService(nil, ServiceConfig{PollInterval: 50 * time.Millisecond, IdleInterval: 150 * time.Millisecond,
		FastFor: 10 * time.Second, Now: clk.Now}, nil)
	want := func(d time.Duration) {
		t.Helper()
		if got := s.Interval(); got != d {
			t.Fatalf("at +%v: interval %v, want %v", clk.Now().Sub(time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)), got, d)
		}
	}
	want(50 * time.Millisecond) // just started
	clk.Advance(9 * time.Second)
	want(50 * time.Millisecond)
	clk.Advance(2 * time.Second)
	want(150 * time.Millisecond) // nobody there
	s.pace.settled()

	s.CardPace(false, clk.Now()) // a touch on the attract screen
	want(50 * time.Millisecond)
	if !kicked(s.pace) {
		t.Fatal("a switch to the fast cadence did not wake the poll loop")
	}
	s.CardPace(false, clk.Now())
	if kicked(s.pace) {
		t.Fatal("a signal that changes nothing woke the poll loop")
	}
	clk.Advance(10*time.Second + time.Millisecond)
	want(150 * time.Millisecond)
	s.pace.settled()

	s.CardPace(true, clk.Now().Add(-time.Hour)) // the card prompt shows, no touch for an hour
	want(50 * time.Millisecond)
	if !kicked(s.pace) {
		t.Fatal("the card prompt did not wake the poll loop")
	}
	clk.Advance(time.Hour)
	want(50 * time.Millisecond) // as long as it shows
	s.CardPace(false, clk.Now().Add(-time.Hour))
	want(150 * time.Millisecond)

	// An activity older than the last one does not shorten the hold.
	s.CardPace(false, clk.Now())
	s.CardPace(false, clk.Now().Add(-time.Minute))
	clk.Advance(5 * time.Second)
	want(50 * time.Millisecond)

	// A card taken away or read counts as activity too.
	clk.Advance(time.Minute)
	want(150 * time.Millisecond)
	s.pace.activity(clk.Now())
	want(50 * time.Millisecond)
}

// TestCadenceDefaultsToOneInterval: without IdleInterval the Service never
// slows down (kioskctl, tests that poll fast).
func TestCadenceDefaultsToOneInterval(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	s := NewService(nil, ServiceConfig{PollInterval: 20 * time.Millisecond, Now: clk.Now}, nil)
	clk.Advance(time.Hour)
	if got := s.Interval(); got != 20*time.Millisecond {
		t.Fatalf("interval %v", got)
	}
}
