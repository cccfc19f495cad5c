package idcard

import (
	"sync"
	"time"
)

// The find-card cadence. A resident who walks up to an idle kiosk and puts
// the card down waits, on average, half a poll interval before the reader
// is asked (plus the exchange); polling costs the same whether anyone is
// there or not. So the Service polls at PollInterval where a card is
// imminent — a screen asks for it, or someone touched the screen, took a
// card away or ended a session within FastFor — and at IdleInterval on an
// attract screen nobody touches. IdleInterval is chosen so that the idle
// case, the common and the worst one, still meets the card-to-identity goal
// (BenchmarkCardPlacedToIdentity measures it there).

// DefaultIdlePollInterval is the find-card period of an idle kiosk: 150 ms
// waits 75 ms on average for a card put down at a random moment, card to
// identity about 1.18 times the wire and SAM time (518 ms at 115200 baud).
const DefaultIdlePollInterval = 150 * time.Millisecond

// DefaultFastFor is how long the fast cadence holds after activity.
const DefaultFastFor = 10 * time.Second

// cadence decides the interval; it is safe for concurrent use.
type cadence struct {
	fast, idle, hold time.Duration
	now              func() time.Time

	mu        sync.Mutex
	expect    bool      // a screen asks for a card
	fastUntil time.Time // activity seen: fast until then
	last      time.Duration
	kick      chan struct{} // the interval changed: the poll loop re-reads it
}

func newCadence(fast, idle, hold time.Duration, now func() time.Time) *cadence {
	c := &cadence{fast: fast, idle: idle, hold: hold, now: now, kick: make(chan struct{}, 1)}
	c.fastUntil = now().Add(hold) // a kiosk just started may have someone in front of it
	c.last = fast
	return c
}

// interval returns the period to poll at now and, when it will drop to
// the idle one without any further signal, the instant it does (zero: not
// before a new signal).
func (c *cadence) interval() (time.Duration, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.intervalLocked(c.now())
}

func (c *cadence) intervalLocked(now time.Time) (time.Duration, time.Time) {
	switch {
	case c.expect:
		return c.fast, time.Time{}
	case now.Before(c.fastUntil):
		return c.fast, c.fastUntil
	}
	return c.idle, time.Time{}
}

// set records a signal and wakes the poll loop when the interval changed.
func (c *cadence) set(f func(now time.Time)) {
	c.mu.Lock()
	now := c.now()
	f(now)
	d, _ := c.intervalLocked(now)
	changed := d != c.last
	c.last = d
	c.mu.Unlock()
	if changed {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// activity keeps the fast cadence for hold after at.
func (c *cadence) activity(at time.Time) {
	c.set(func(time.Time) {
		if u := at.Add(c.hold); u.After(c.fastUntil) {
			c.fastUntil = u
		}
	})
}

// settled is called by the poll loop when it takes the interval it was
// kicked for (or when fastUntil passed), so that the next change kicks it.
func (c *cadence) settled() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	d, _ := c.intervalLocked(c.now())
	c.last = d
	return d
}
