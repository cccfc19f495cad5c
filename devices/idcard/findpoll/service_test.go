//go:build linux && cgo

package findpoll_test

import (
	"context"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/idcard/findpoll"
	"github.com/bianmin/kiosk/devices/idcard/sim"
)

func identity(t *testing.T, s *idcard.Service) *kiosk.Identity {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			if ev.Identity != nil {
				return ev.Identity
			}
			if ev.Err != nil {
				t.Logf("event %s: %v", ev.State, ev.Err)
			}
		case <-timeout:
			t.Fatal("no identity")
		}
	}
}

func waitState(t *testing.T, s *idcard.Service, st kiosk.DeviceState) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			if ev.State == st && ev.Identity == nil {
				return
			}
		case <-timeout:
			t.Fatalf("no %s", st)
		}
	}
}

// TestServiceOverTheThread: the kiosk's configuration — the Service with
// the poll thread on the serial line of the GA 467 simulator at 115200
// baud (opened, locked and set like a real port) — reads a card put down
// on an idle kiosk and one put down while the card prompt shows, each
// once, and sees its removal; the simulator's garbled replies are errors
// the next poll recovers from.
func TestServiceOverTheThread(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: 115200, SAMTime: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s := idcard.NewService(idcard.SerialOpener(path, 115200), idcard.ServiceConfig{PollInterval: 10 * time.Millisecond,
		IdleInterval: 40 * time.Millisecond, FastFor: 50 * time.Millisecond, Watch: findpoll.Watch}, nil)
	done := make(chan struct{})
	go func() { s.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitState(t, s, kiosk.DeviceReady)
	for deadline := time.Now().Add(10 * time.Second); s.Interval() != 40*time.Millisecond; {
		if time.Now().After(deadline) {
			t.Fatal("never idle")
		}
		time.Sleep(time.Millisecond)
	}
	want, _ := testcards.Get("resident")
	r.PlaceCard(want)
	if got := identity(t, s); got.IDNumber != want.IDNumber {
		t.Fatalf("read %s", kiosk.MaskID(got.IDNumber))
	}
	reads := r.Reads()
	r.RemoveCard()
	waitState(t, s, kiosk.DeviceReady)
	if r.Reads() != reads {
		t.Fatalf("the card was read %d times", r.Reads())
	}

	r.SetFaults(sim.Faults{CorruptChecksum: 2}) // the next two find replies are garbled
	s.CardPace(true, time.Now())
	other, _ := testcards.Get("foreign-2023-Y")
	r.PlaceCard(other)
	if got := identity(t, s); got.IDNumber != other.IDNumber {
		t.Fatalf("read %s", kiosk.MaskID(got.IDNumber))
	}
	if s.State() != kiosk.DeviceCardPresent {
		t.Fatalf("state %s", s.State())
	}
}

// TestUnreadableCardIsRetriedAtTheCadence: a card the reader finds but
// cannot select is retried once per poll interval, not as fast as the
// line allows (each retry starts a new poll thread, whose first exchange
// is at once).
func TestUnreadableCardIsRetriedAtTheCadence(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	s := idcard.NewService(idcard.SerialOpener(path, 115200), idcard.ServiceConfig{PollInterval: 100 * time.Millisecond,
		Watch: findpoll.Watch}, nil)
	done := make(chan struct{})
	go func() { s.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	waitState(t, s, kiosk.DeviceReady)
	r.SetFaults(sim.Faults{SelectSW3: 0x81})
	id, _ := testcards.Get("resident")
	r.PlaceCard(id)
	timeout := time.After(10 * time.Second)
	for got := false; !got; {
		select {
		case ev := <-s.Events():
			got = ev.State == kiosk.DeviceCardPresent && ev.Err != nil
		case <-timeout:
			t.Fatal("no failed read reported")
		}
	}
	c0 := r.Commands()
	time.Sleep(500 * time.Millisecond)
	// 5 intervals: at most 6 find + select pairs.
	if n := r.Commands() - c0; n > 12 {
		t.Fatalf("%d commands in 500 ms at a 100 ms cadence", n)
	}
	r.SetFaults(sim.Faults{})
	if got := identity(t, s); got.IDNumber != id.IDNumber {
		t.Fatal("wrong card")
	}
}
