package idcard_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/idcard/sim"
)

func card(t testing.TB, label string) *kiosk.Identity {
	t.Helper()
	id, err := testcards.Get(label)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// pipeSim connects a Client to a simulator over net.Pipe.
func pipeSim(t *testing.T) (*idcard.Client, *sim.Reader) {
	t.Helper()
	a, b := net.Pipe()
	r := sim.New(sim.Config{})
	ctx, cancel := context.WithCancel(context.Background())
	go r.Serve(ctx, b)
	c := idcard.NewClient(a)
	t.Cleanup(func() { cancel(); c.Close(); a.Close(); b.Close() })
	return c, r
}

func TestClientCommands(t *testing.T) {
	c, r := pipeSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.SAMStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.ResetSAM(ctx); err != nil {
		t.Fatal(err)
	}
	if id, err := c.SAMID(ctx); err != nil || id != "05.01-20094254-0000123456-0004045955" {
		t.Fatalf("SAMID %q %v", id, err)
	}
	if err := c.FindCard(ctx); !errors.Is(err, idcard.ErrNoCard) {
		t.Fatalf("FindCard without card: %v", err)
	}
	if _, err := c.ReadCard(ctx); !errors.Is(err, idcard.ErrNoCard) {
		t.Fatalf("ReadCard without card: %v", err)
	}
	want := card(t, "foreign-2023-Y")
	r.PlaceCard(want)
	got, err := c.ReadCard(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.IDNumber != want.IDNumber || got.NameEN != want.NameEN || len(got.PhotoWLT) != idcard.PhotoLen {
		t.Errorf("ReadCard = %+v", got)
	}
	if _, err := c.ReadNewAddress(ctx); !errors.Is(err, idcard.ErrNoContent) {
		t.Errorf("ReadNewAddress: %v", err)
	}
	if err := c.SetBaud(ctx, 57600); err != nil {
		t.Errorf("SetBaud: %v", err)
	}
	if err := c.SetBaud(ctx, 1200); err == nil {
		t.Error("SetBaud(1200) succeeded")
	}
}

func TestClientFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults sim.Faults
		want   error // nil: read succeeds
	}{
		{"fragmented", sim.Faults{FragmentSize: 50, FragmentDelay: time.Millisecond}, nil},
		{"garbage", sim.Faults{Garbage: []byte("\x00\xAA\xAA\x96junk")}, nil},
		{"bad checksum", sim.Faults{CorruptChecksum: 1}, idcard.ErrChecksum},
		{"no card", sim.Faults{FindSW3: 0x80}, idcard.ErrNoCard},
		{"select failed", sim.Faults{SelectSW3: 0x81}, idcard.ErrSelectFailed},
		{"read failed", sim.Faults{ReadSW3: 0x41}, idcard.ErrReadFailed},
		{"sam self-test", sim.Faults{SAMSW3: 0x60}, idcard.ErrSAMSelfTest},
		{"sam unauthorised", sim.Faults{SAMSW3: 0x66}, idcard.ErrSAMUnauthorised},
		{"silent", sim.Faults{Silent: true}, idcard.ErrTimeout},
		{"removed mid-read", sim.Faults{RemoveMidRead: true}, idcard.ErrTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, r := pipeSim(t)
			r.PlaceCard(card(t, "resident"))
			r.SetFaults(tt.faults)
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			defer cancel()
			_, err := c.ReadCard(ctx)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadCard: %v, want %v", err, tt.want)
			}
			// the client recovers once the fault is gone
			r.SetFaults(sim.Faults{})
			r.PlaceCard(card(t, "resident"))
			ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel2()
			if _, err := c.ReadCard(ctx2); err != nil {
				t.Fatalf("after fault: %v", err)
			}
		})
	}
}

// blockingRW never returns from Read: the Client must still honour ctx.
type blockingRW struct{ block chan struct{} }

func (b blockingRW) Read([]byte) (int, error)    { <-b.block; return 0, io.EOF }
func (b blockingRW) Write(p []byte) (int, error) { return len(p), nil }

func TestClientHonoursDeadlineOnBlockingRead(t *testing.T) {
	rw := blockingRW{make(chan struct{})}
	defer close(rw.block)
	c := idcard.NewClient(rw)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- c.SAMStatus(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, idcard.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SAMStatus ignored its deadline")
	}
}

// plug is a replaceable reader for the service: each open returns a fresh
// pipe to the simulator unless unplugged.
type plug struct {
	mu      sync.Mutex
	r       *sim.Reader
	plugged bool
	conns   []net.Conn
	opens   int
}

func (p *plug) open(ctx context.Context) (io.ReadWriteCloser, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.opens++
	if !p.plugged {
		return nil, errors.New("no such device")
	}
	a, b := net.Pipe()
	p.conns = append(p.conns, a, b)
	go p.r.Serve(ctx, b)
	return a, nil
}

func (p *plug) set(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.plugged = on
	if !on {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

func next(t *testing.T, ch <-chan idcard.Event, want kiosk.DeviceState) idcard.Event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if ev.State == want {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event", want)
		}
	}
}

func TestService(t *testing.T) {
	p := &plug{r: sim.New(sim.Config{}), plugged: false}
	s := idcard.NewService(p.open, idcard.ServiceConfig{PollInterval: 10 * time.Millisecond,
		CommandTimeout: 200 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}, slog.New(slog.NewTextHandler(tlog{t}, &slog.HandlerOptions{Level: slog.LevelDebug})))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Serve(ctx) }()
	ev := s.Events()

	// unplugged at start: disconnected, then ready when plugged
	if e := next(t, ev, kiosk.DeviceDisconnected); e.Err == nil {
		t.Error("disconnected without error")
	}
	p.set(true)
	next(t, ev, kiosk.DeviceReady)

	// one placement, one read, however long the card stays
	p.r.PlaceCard(card(t, "rare-char"))
	e := next(t, ev, kiosk.DeviceCardPresent)
	if e.Identity == nil || e.Identity.Name != "林\ue81a华" || s.State() != kiosk.DeviceCardPresent {
		t.Fatalf("event %+v", e)
	}
	n := p.r.Commands()
	for p.r.Commands() < n+10 {
		time.Sleep(5 * time.Millisecond)
	}
	if p.r.Reads() != 1 {
		t.Errorf("card read %d times while left on the reader", p.r.Reads())
	}
	// a reader that misses the card every other poll: still one read
	p.r.SetFaults(sim.Faults{FlakyFind: true})
	reads := p.r.Reads()
	for n := p.r.Commands(); p.r.Commands() < n+20; {
		time.Sleep(5 * time.Millisecond)
	}
	if p.r.Reads() != reads {
		t.Errorf("flaky find caused %d re-reads", p.r.Reads()-reads)
	}
	p.r.SetFaults(sim.Faults{})
	p.r.RemoveCard()
	next(t, ev, kiosk.DeviceReady)
	p.r.PlaceCard(card(t, "resident"))
	if e := next(t, ev, kiosk.DeviceCardPresent); e.Identity.IDNumber != "330106199003070014" {
		t.Errorf("second card %+v", e.Identity)
	}

	// a read failure is reported once and retried
	p.r.RemoveCard()
	next(t, ev, kiosk.DeviceReady)
	p.r.SetFaults(sim.Faults{ReadSW3: 0x41})
	p.r.PlaceCard(card(t, "resident"))
	if e := next(t, ev, kiosk.DeviceCardPresent); !errors.Is(e.Err, idcard.ErrReadFailed) || e.Identity != nil {
		t.Errorf("read failure event %+v", e)
	}
	p.r.SetFaults(sim.Faults{})
	if e := next(t, ev, kiosk.DeviceCardPresent); e.Identity == nil {
		t.Errorf("retry event %+v", e)
	}

	// SAM fault → error, then recovers
	p.r.SetFaults(sim.Faults{SAMSW3: 0x66})
	if e := next(t, ev, kiosk.DeviceError); !errors.Is(e.Err, idcard.ErrSAMUnauthorised) {
		t.Errorf("error event %+v", e)
	}
	p.r.SetFaults(sim.Faults{})
	next(t, ev, kiosk.DeviceReady)

	// garbage and silence: survives, reconnects
	p.r.SetFaults(sim.Faults{Silent: true})
	next(t, ev, kiosk.DeviceDisconnected)
	p.r.SetFaults(sim.Faults{})
	next(t, ev, kiosk.DeviceReady)

	// unplug and replug
	p.set(false)
	next(t, ev, kiosk.DeviceDisconnected)
	p.set(true)
	next(t, ev, kiosk.DeviceReady)

	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

type tlog struct{ t *testing.T }

func (l tlog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }

// noise is a reader that answers every write with random bytes, some of
// them preambles with absurd or truncated frames.
type noise struct {
	mu  sync.Mutex
	out []byte
	n   uint32
}

func (z *noise) Write(p []byte) (int, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	for i := 0; i < 300; i++ {
		z.n = z.n*1664525 + 1013904223
		b := byte(z.n >> 24)
		if b < 8 {
			z.out = append(z.out, 0xAA, 0xAA, 0xAA, 0x96, 0x69, byte(z.n>>16)&7, byte(z.n>>8))
		}
		z.out = append(z.out, b)
	}
	return len(p), nil
}

func (z *noise) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	z.mu.Lock()
	defer z.mu.Unlock()
	n := copy(p, z.out)
	z.out = z.out[n:]
	return n, nil
}

func (z *noise) Close() error { return nil }

func TestServiceSurvivesNoise(t *testing.T) {
	s := idcard.NewService(func(context.Context) (io.ReadWriteCloser, error) { return &noise{}, nil },
		idcard.ServiceConfig{PollInterval: time.Millisecond, CommandTimeout: 20 * time.Millisecond, MinBackoff: time.Millisecond}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan error)
	go func() { done <- s.Serve(ctx) }()
	for {
		select {
		case ev := <-s.Events():
			if ev.Identity != nil {
				t.Fatalf("identity from noise: %+v", ev.Identity)
			}
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Serve: %v", err)
			}
			return
		case <-time.After(10 * time.Second):
			t.Fatal("Serve hangs")
		}
	}
}

type lockedBuf struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	return len(p), nil
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return string(l.b)
}

func TestServiceLogsNoPersonalData(t *testing.T) {
	var buf lockedBuf
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p := &plug{r: sim.New(sim.Config{}), plugged: true}
	s := idcard.NewService(p.open, idcard.ServiceConfig{PollInterval: 5 * time.Millisecond}, logger)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.Serve(ctx)
	id := card(t, "resident")
	p.r.PlaceCard(id)
	next(t, s.Events(), kiosk.DeviceCardPresent)
	p.r.SetFaults(sim.Faults{ReadSW3: 0x41})
	p.r.RemoveCard()
	next(t, s.Events(), kiosk.DeviceReady)
	cancel()
	out := buf.String()
	if !strings.Contains(out, "idcard read") {
		t.Fatalf("nothing logged: %s", out)
	}
	for _, secret := range []string{id.Name, id.IDNumber, id.Address, "1990"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
}

// stuckWriter accepts no write until closed, like a pty nobody reads.
type stuckWriter struct{ closed chan struct{} }

func (s stuckWriter) Read([]byte) (int, error)  { <-s.closed; return 0, io.EOF }
func (s stuckWriter) Write([]byte) (int, error) { <-s.closed; return 0, io.ErrClosedPipe }

func TestClientWriteHonoursDeadline(t *testing.T) {
	s := stuckWriter{make(chan struct{})}
	defer close(s.closed)
	c := idcard.NewClient(s)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := c.FindCard(ctx); !errors.Is(err, idcard.ErrTimeout) {
		t.Fatalf("FindCard: %v", err)
	}
	// the Client is now broken: the next call fails at once
	if err := c.FindCard(context.Background()); !errors.Is(err, idcard.ErrClosed) {
		t.Fatalf("after stuck write: %v", err)
	}
}
