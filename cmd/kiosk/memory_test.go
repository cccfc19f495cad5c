package main

import (
	"os"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bianmin/kiosk/app/memlimit"
	"github.com/bianmin/kiosk/app/session"
)

// TestTrimOnAttract: memory is handed back once the kiosk has stayed on
// the attract screen for the delay — after start-up and after each visit —
// not on re-renders of the attract screen, and not when a resident came
// before the delay ran out.
func TestTrimOnAttract(t *testing.T) {
	var trims atomic.Int32
	var rendered []session.Screen
	hook := func(s session.Screen) { rendered = append(rendered, s) } // the hook already set
	const delay = 30 * time.Millisecond
	trimOnAttract(&hook, delay, func() { trims.Add(1) })
	waitTrims := func(want int32) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for trims.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("%d trims, want %d", trims.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(3 * delay) // no further trim may follow
		if n := trims.Load(); n != want {
			t.Fatalf("%d trims, want %d", n, want)
		}
	}

	hook(session.ScreenAttract) // start-up
	// Re-renders of the attract screen (the status line) neither postpone
	// the trim nor add one.
	for end := time.Now().Add(10 * delay); time.Now().Before(end); time.Sleep(delay / 3) {
		hook(session.ScreenAttract)
	}
	if n := trims.Load(); n != 1 {
		t.Fatalf("%d trims after %v on the attract screen with re-renders, want 1", n, 10*delay)
	}
	waitTrims(1)
	hook(session.ScreenForm) // a visit: nothing while it lasts
	time.Sleep(3 * delay)
	if n := trims.Load(); n != 1 {
		t.Fatalf("trimmed during a visit: %d", n)
	}
	hook(session.ScreenAttract) // the visit ended
	waitTrims(2)
	hook(session.ScreenForm) // the next resident came at once…
	hook(session.ScreenAttract)
	hook(session.ScreenForm) // …and again before the delay ran out
	time.Sleep(3 * delay)
	if n := trims.Load(); n != 2 {
		t.Fatalf("trimmed while a resident was served: %d", n)
	}
	if rendered[len(rendered)-1] != session.ScreenForm || len(rendered) < 7 {
		t.Fatalf("the hook already set saw %v", rendered)
	}
}

// TestKioskRunsUnderTheMemoryLimit: the kiosk binary sets package
// memlimit's soft limit at start (its init), unless GOMEMLIMIT is set.
func TestKioskRunsUnderTheMemoryLimit(t *testing.T) {
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		// The operator's limit, as the runtime parsed it, must be kept.
		t.Logf("GOMEMLIMIT=%s: limit %d", v, debug.SetMemoryLimit(-1))
		if debug.SetMemoryLimit(-1) == memlimit.Soft && v != "128MiB" {
			t.Fatalf("GOMEMLIMIT=%s overridden by memlimit.Soft", v)
		}
		return
	}
	if got := debug.SetMemoryLimit(-1); got != memlimit.Soft {
		t.Fatalf("memory limit %d, want memlimit.Soft (%d)", got, memlimit.Soft)
	}
}
