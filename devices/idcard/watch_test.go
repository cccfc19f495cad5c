package idcard_test

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/idcard/sim"
)

// detachable is a net.Pipe end to the simulator that can be "detached":
// while it is, nothing may read or write it (the watcher owns the line).
type detachable struct {
	net.Conn
	mu       sync.Mutex
	detached bool
	t        *testing.T
}

func (d *detachable) Detach() (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.detached = true
	return 42, nil
}

func (d *detachable) Attach() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.detached = false
	return nil
}

func (d *detachable) Write(p []byte) (int, error) {
	d.mu.Lock()
	det := d.detached
	d.mu.Unlock()
	if det {
		d.t.Error("write to a detached line")
	}
	return d.Conn.Write(p)
}

// fakeWatcher is driven by the test: it records the intervals it is given
// and reports what the test sends.
type fakeWatcher struct {
	results chan idcard.FindResult
	mu      sync.Mutex
	iv      []time.Duration
	stopped chan struct{}
	once    sync.Once
}

func (w *fakeWatcher) Results() <-chan idcard.FindResult { return w.results }
func (w *fakeWatcher) SetInterval(d time.Duration) {
	w.mu.Lock()
	w.iv = append(w.iv, d)
	w.mu.Unlock()
}
func (w *fakeWatcher) Stop() { w.once.Do(func() { close(w.stopped) }) }
func (w *fakeWatcher) interval() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.iv[len(w.iv)-1]
}

type watchRig struct {
	t        *testing.T
	r        *sim.Reader
	s        *idcard.Service
	watchers chan *fakeWatcher
}

func newWatchRig(t *testing.T, cfg idcard.ServiceConfig) *watchRig {
	rig := &watchRig{t: t, r: sim.New(sim.Config{}), watchers: make(chan *fakeWatcher, 16)}
	cfg.Watch = func(fd int, wc idcard.WatchConfig) (idcard.Watcher, error) {
		if fd != 42 {
			t.Errorf("watcher got fd %d", fd)
		}
		w := &fakeWatcher{results: make(chan idcard.FindResult, 4), iv: []time.Duration{wc.Interval}, stopped: make(chan struct{})}
		rig.watchers <- w
		return w, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	open := func(ctx context.Context) (io.ReadWriteCloser, error) {
		a, b := net.Pipe()
		go rig.r.Serve(ctx, b)
		return &detachable{Conn: a, t: t}, nil
	}
	rig.s = idcard.NewService(open, cfg, nil)
	done := make(chan struct{})
	go func() { rig.s.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return rig
}

func (rig *watchRig) watcher() *fakeWatcher {
	rig.t.Helper()
	select {
	case w := <-rig.watchers:
		return w
	case <-time.After(10 * time.Second):
		rig.t.Fatal("no watcher started")
	}
	return nil
}

func waitInterval(t *testing.T, w *fakeWatcher, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); w.interval() != d; {
		if time.Now().After(deadline) {
			t.Fatalf("watcher interval %v, want %v", w.interval(), d)
		}
		time.Sleep(time.Millisecond)
	}
}

func reply(sw3 byte) idcard.FindResult { return idcard.FindResult{Reply: idcard.Reply{SW3: sw3}} }

// TestServiceWatchCadence: the Service hands the watcher the fast interval
// after a touch and while the card prompt shows, drops it to the idle one
// FastFor after the last touch by itself (no further signal), and reads a
// card the watcher finds in either state from Go, the line attached for
// select and read only.
func TestServiceWatchCadence(t *testing.T) {
	const fast, idle = 5 * time.Millisecond, 300 * time.Millisecond
	rig := newWatchRig(t, idcard.ServiceConfig{PollInterval: fast, IdleInterval: idle, FastFor: 100 * time.Millisecond,
		CommandTimeout: time.Second})
	next(t, rig.s.Events(), kiosk.DeviceReady)
	w := rig.watcher()
	waitInterval(t, w, idle) // FastFor after the start, nobody there
	w.results <- reply(0x80)

	// A resident walks up to the idle kiosk and puts the card down.
	rig.r.PlaceCard(card(t, "resident"))
	w.results <- reply(idcard.SW3CardFound)
	if ev := next(t, rig.s.Events(), kiosk.DeviceCardPresent); ev.Identity == nil {
		t.Fatalf("card in the idle state: %+v", ev)
	}
	<-w.stopped
	w = rig.watcher()
	if w.interval() != fast {
		t.Fatalf("after a card read the watcher polls every %v, want %v", w.interval(), fast)
	}
	w.results <- reply(idcard.SW3CardFound) // still there: not read again
	rig.r.RemoveCard()
	w.results <- reply(0x80)
	w.results <- reply(0x80)
	next(t, rig.s.Events(), kiosk.DeviceReady)
	waitInterval(t, w, idle)

	rig.s.CardPace(false, time.Now()) // a touch
	waitInterval(t, w, fast)
	waitInterval(t, w, idle) // 100 ms later, by itself

	rig.s.CardPace(true, time.Now().Add(-time.Hour)) // the card prompt
	waitInterval(t, w, fast)
	rig.r.PlaceCard(card(t, "long-term"))
	w.results <- reply(idcard.SW3CardFound)
	if ev := next(t, rig.s.Events(), kiosk.DeviceCardPresent); ev.Identity == nil {
		t.Fatalf("card in the fast state: %+v", ev)
	}
	w = rig.watcher()
	if w.interval() != fast {
		t.Fatalf("with the card prompt shown the watcher polls every %v", w.interval())
	}
}

// TestServiceGoLoopCadence: where no poll thread runs (USB, a stream that
// cannot be detached) the Go loop polls at the idle interval once nobody
// is there, and a card prompt makes it poll at once and fast again.
// Kills: the idle interval never used by the loop, the switch to fast
// ignored until the idle timer runs out.
func TestServiceGoLoopCadence(t *testing.T) {
	r := sim.New(sim.Config{})
	open := func(ctx context.Context) (io.ReadWriteCloser, error) {
		a, b := net.Pipe()
		go r.Serve(ctx, b)
		return a, nil
	}
	s := idcard.NewService(open, idcard.ServiceConfig{PollInterval: 5 * time.Millisecond, IdleInterval: time.Hour,
		FastFor: 50 * time.Millisecond}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	next(t, s.Events(), kiosk.DeviceReady)
	for deadline := time.Now().Add(10 * time.Second); s.Interval() != time.Hour; {
		if time.Now().After(deadline) {
			t.Fatal("never idle")
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // the poll in flight when it went idle
	c0 := r.Commands()
	time.Sleep(100 * time.Millisecond)
	if n := r.Commands() - c0; n > 1 {
		t.Fatalf("%d find-card commands in 100 ms of the idle cadence (an hour)", n)
	}
	r.PlaceCard(card(t, "resident"))
	s.CardPace(true, time.Now())
	if ev := next(t, s.Events(), kiosk.DeviceCardPresent); ev.Identity == nil {
		t.Fatalf("card after the prompt: %+v", ev)
	}
}
