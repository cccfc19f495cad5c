package devloop_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/devloop"
)

// clock is an injected clock moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// A held state becomes current only after it has been reported for the
// whole hold without another state in between: a printer that misses a
// reply now and then never shows "disconnected"; one that stays silent does,
// once. Kills: no debounce (flaps), a debounce that never lets go, a hold
// that is not reset by a good reply, logging every report.
func TestHoldDebouncesAndLogsOnce(t *testing.T) {
	clk := &clock{t: time.Unix(1_700_000_000, 0)}
	var logs syncBuf
	st := devloop.NewState(devloop.StateConfig{Device: "printer",
		Log:  slog.New(slog.NewTextHandler(&logs, nil)),
		Hold: map[kiosk.DeviceState]time.Duration{kiosk.DeviceDisconnected: 5 * time.Second}, Now: clk.now})
	ch, unsub := st.Subscribe()
	defer unsub()
	ready := devloop.Status{State: kiosk.DeviceReady}
	gone := devloop.Status{State: kiosk.DeviceDisconnected, Detail: "no status reply"}

	if !st.Set(ready) || st.Get().State != kiosk.DeviceReady {
		t.Fatalf("first state not taken at once: %+v", st.Get())
	}
	// Flapping: one missed reply every 2 s for a minute, answered between.
	for range 30 {
		clk.add(time.Second)
		if st.Set(gone) {
			t.Fatal("one missed reply shown as disconnected")
		}
		clk.add(time.Second)
		st.Set(ready)
	}
	if got := st.Get().State; got != kiosk.DeviceReady {
		t.Fatalf("after flapping: %s", got)
	}
	// Unplugged: silent for good, polled every 2 s.
	for i := range 3 {
		clk.add(2 * time.Second)
		if st.Set(gone) {
			t.Fatalf("disconnected after %d s, before the 5 s hold", 2*(i+1))
		}
		if st.Get().State != kiosk.DeviceReady {
			t.Fatal("state moved during the hold")
		}
	}
	clk.add(2 * time.Second) // 8 s after the first silence
	if !st.Set(gone) || st.Get() != gone {
		t.Fatalf("not disconnected after the hold: %+v", st.Get())
	}
	for range 5 {
		clk.add(2 * time.Second)
		if st.Set(gone) {
			t.Fatal("the same state reported as a change")
		}
	}
	// Back: at once (ready has no hold).
	if !st.Set(ready) {
		t.Fatal("recovery not shown at once")
	}
	var got []kiosk.DeviceState
	for len(ch) > 0 {
		got = append(got, (<-ch).State)
	}
	want := []kiosk.DeviceState{kiosk.DeviceReady, kiosk.DeviceDisconnected, kiosk.DeviceReady}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("subscriber saw %v, want %v", got, want)
	}
	if n := strings.Count(logs.String(), "device state"); n != 3 {
		t.Errorf("%d state log lines, want 3 (one per change):\n%s", n, logs.String())
	}
}

type dev struct {
	mu     sync.Mutex
	closed int
}

func (d *dev) Close() error { d.mu.Lock(); d.closed++; d.mu.Unlock(); return nil }

// Run reopens after a failed open and after a session that ends, with
// backoff, closes each device it opened, sets disconnected on failure and
// returns ctx.Err() when cancelled. Kills: no reopen, a leaked device,
// a lost disconnect.
func TestRunReopens(t *testing.T) {
	st := devloop.NewState(devloop.StateConfig{Device: "test"})
	var mu sync.Mutex
	opens, uses := 0, 0
	d := &dev{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- devloop.Run(ctx, devloop.Loop{State: st, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond},
			func(context.Context) (io.Closer, error) {
				mu.Lock()
				defer mu.Unlock()
				opens++
				if opens%2 == 1 {
					return nil, errors.New("no such device")
				}
				return d, nil
			},
			func(ctx context.Context, _ io.Closer) (bool, error) {
				mu.Lock()
				uses++
				n := uses
				mu.Unlock()
				st.SetState(kiosk.DeviceReady, nil)
				if n >= 3 {
					cancel()
					<-ctx.Done()
					return true, nil
				}
				return true, errors.New("unplugged")
			})
	}()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if opens != 6 || uses != 3 {
		t.Errorf("opens %d uses %d, want 6 and 3", opens, uses)
	}
	if d.closed != 3 {
		t.Errorf("closed %d times, want 3", d.closed)
	}
}

// A session that ends with an error leaves the device disconnected.
func TestRunLost(t *testing.T) {
	st := devloop.NewState(devloop.StateConfig{Device: "test"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ch, unsub := st.Subscribe()
	defer unsub()
	go devloop.Run(ctx, devloop.Loop{State: st, MinBackoff: time.Hour},
		func(context.Context) (io.Closer, error) { return &dev{}, nil },
		func(context.Context, io.Closer) (bool, error) {
			st.SetState(kiosk.DeviceReady, nil)
			return true, errors.New("unplugged")
		})
	for want := range []kiosk.DeviceState{kiosk.DeviceReady, kiosk.DeviceDisconnected} {
		select {
		case s := <-ch:
			if s.State != []kiosk.DeviceState{kiosk.DeviceReady, kiosk.DeviceDisconnected}[want] {
				t.Fatalf("state %d: %+v", want, s)
			}
			if want == 1 && s.Detail != "unplugged" {
				t.Errorf("detail %q", s.Detail)
			}
		case <-ctx.Done():
			t.Fatal("timeout")
		}
	}
}
