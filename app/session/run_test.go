package session

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// TestNextTickNothingDueOnAttract: the session's timer is armed only while
// something is due. On the attract screen with nothing settling there is
// none (an idle terminal does not wake for the session); a session waits
// for its idle timeout, a visible countdown ticks each second, the end
// screen waits for its time. Kills: NextTick reporting the idle timeout (or
// any instant) on the attract screen; a countdown not ticking; a degraded
// change never due.
func TestNextTickNothingDueOnAttract(t *testing.T) {
	s, _, _, clk := newSession(t)
	if at, ok := s.NextTick(); ok {
		t.Fatalf("attract screen: a tick armed for %v", at)
	}

	s.CardRead(card())
	start := clk.Now()
	if at, ok := s.NextTick(); !ok || !at.Equal(start.Add(60*time.Second)) {
		t.Fatalf("form: next tick %v %v, want the idle timeout %v", at, ok, start.Add(60*time.Second))
	}
	clk.Add(61 * time.Second)
	s.Tick()
	if !s.Snapshot().Warning {
		t.Fatal("no warning after the idle timeout")
	}
	if at, ok := s.NextTick(); !ok || !at.Equal(clk.Now().Add(time.Second)) {
		t.Fatalf("warning shown: next tick %v %v, want one second on", at, ok)
	}
	clk.Add(20 * time.Second)
	s.Tick()
	sn := s.Snapshot()
	if sn.Screen != ScreenEnd {
		t.Fatalf("after the warning: %s", sn.Screen)
	}
	endAt := clk.Now().Add(8 * time.Second) // Config.EndAfter's default
	if at, ok := s.NextTick(); !ok || !at.Equal(endAt) {
		t.Fatalf("end screen: next tick %v %v, want %v", at, ok, endAt)
	}
	s.CardRemoved()
	if sn := s.Snapshot(); sn.Screen != ScreenAttract {
		t.Fatalf("card taken at the end: %s", sn.Screen)
	}
	if at, ok := s.NextTick(); ok {
		t.Fatalf("back on the attract screen: a tick armed for %v", at)
	}

	// A degraded mode reported once is due when it has settled, and only
	// then shown; afterwards nothing is due again.
	out := Degraded{PrinterOut: true}
	s.SetDegraded(out)
	if at, ok := s.NextTick(); !ok || !at.Equal(clk.Now().Add(settleDefault)) {
		t.Fatalf("degraded settling: next tick %v %v", at, ok)
	}
	clk.Add(settleDefault)
	s.Tick()
	if s.Snapshot().Degraded != out {
		t.Fatal("a degraded mode held for the settle time was not shown by Tick")
	}
	if at, ok := s.NextTick(); ok {
		t.Fatalf("degraded settled: a tick armed for %v", at)
	}
}

// TestRunWakesForWhatIsDue: Run, with no ticker, still ends an idle
// session (it wakes on the card's change, then at the due instants) and
// shows a degraded mode reported once when it has held. Kills: update not
// waking Run (the session would never time out: Run armed nothing on the
// attract screen); Tick not settling a held degraded mode.
func TestRunWakesForWhatIsDue(t *testing.T) {
	s := New(Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01"},
		IdleTimeout: 40 * time.Millisecond, WarnFor: 40 * time.Millisecond, EndAfter: 40 * time.Millisecond,
		DegradedSettle: 40 * time.Millisecond},
		Deps{Catalog: catalog(), Store: &fakeStore{}, Printer: &fakePrinter{}, Scanner: fakeScanner{}, Staff: fakeStaff{}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()

	s.SetDegraded(Degraded{ReaderMissing: true}) // once: no further report
	waitFor(t, "the degraded mode shown", func() bool { return s.Snapshot().Degraded.ReaderMissing })

	// The warning lasts WarnFor (40 ms): seen through the change callback,
	// so a busy machine polling the snapshot late cannot miss it.
	var warned atomic.Bool
	s.OnChange(func(sn Snapshot) {
		if sn.Warning {
			warned.Store(true)
		}
	})
	s.CardRead(card())
	waitFor(t, "the idle warning", warned.Load)
	waitFor(t, "the session's end", func() bool { return s.Snapshot().Screen == ScreenEnd })
	s.CardRemoved()
	waitFor(t, "the attract screen", func() bool { return s.Snapshot().Screen == ScreenAttract })
}
