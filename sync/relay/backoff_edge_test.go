package relay

import (
	"testing"
	"time"
)

// TestBackoffDoublesUpToTheCap: with a base small enough that 2^39 of it
// does not overflow, the ceiling doubles for attempts up to 40 and is the
// cap from attempt 41 on (where the shift could overflow); a negative
// attempt counts as the first. Mutations killed (gremlins, relay.go
// Backoff): the exponent bound's boundary and sign (attempt-1 < 40 to <= 40
// or attempt+1 < 40).
func TestBackoffDoublesUpToTheCap(t *testing.T) {
	base, cap := time.Nanosecond, time.Duration(1<<62)
	for attempt := 1; attempt <= 40; attempt++ {
		if got, want := Backoff(attempt, base, cap, 1), time.Duration(1)<<(attempt-1); got != want {
			t.Fatalf("Backoff(%d) = %d ns, want %d ns", attempt, got, want)
		}
	}
	if got := Backoff(41, base, cap, 1); got != cap {
		t.Errorf("Backoff(41) = %d ns, want the cap %d ns", got, cap)
	}
	if got := Backoff(-3, 2*time.Second, time.Hour, 0.5); got != time.Second {
		t.Errorf("Backoff(-3) = %v, want 1s (as the first retry)", got)
	}
}
