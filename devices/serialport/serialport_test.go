package serialport_test

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/ptypair"
	"github.com/bianmin/kiosk/devices/serialport"
)

// echoDevice answers every '?' on the pty's master with '!', as a device
// answers its status query.
func echoDevice(t *testing.T) string {
	t.Helper()
	p, err := ptypair.Open()
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	go func() {
		b := make([]byte, 64)
		for {
			n, err := p.Master.Read(b)
			if err != nil {
				return
			}
			for _, c := range b[:n] {
				if c == '?' {
					p.Master.Write([]byte{'!'})
				}
			}
		}
	}()
	return p.Path
}

// ask is a real probe: it writes '?' and waits for '!'.
func ask(ctx context.Context, rw io.ReadWriter) error {
	if _, err := rw.Write([]byte{'?'}); err != nil {
		return err
	}
	b := make([]byte, 1)
	for ctx.Err() == nil {
		n, err := rw.Read(b)
		if err != nil {
			return err
		}
		if n == 1 && b[0] == '!' {
			return nil
		}
	}
	return ctx.Err()
}

// rateProbe answers only at rate want and records the rates it was asked at.
type rateProbe struct {
	mu    sync.Mutex
	want  int
	tried []int
}

func (r *rateProbe) probe(ctx context.Context, rw io.ReadWriter) error {
	b := rw.(*serialport.Port).Baud()
	r.mu.Lock()
	r.tried = append(r.tried, b)
	r.mu.Unlock()
	if b != r.want {
		return errors.New("garbage")
	}
	return ask(ctx, rw)
}

func (r *rateProbe) take() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.tried
	r.tried = nil
	return t
}

func cfg(path string, p serialport.Prober) serialport.Config {
	return serialport.Config{Path: path, Bauds: []int{115200, 57600, 38400, 9600}, Probe: p,
		ProbeTimeout: 2 * time.Second, ReadTimeout: 100 * time.Millisecond}
}

// Baud 0 tries the rates in order and hands out the port at the first rate
// where the device answers; the Opener tries that rate first next time.
// Kills: returning the port without probing, not remembering the rate.
func TestProbeFindsRateAndOpenerRemembersIt(t *testing.T) {
	path := echoDevice(t)
	rp := &rateProbe{want: 38400}
	open := serialport.Opener(cfg(path, rp.probe))
	ctx := context.Background()
	for i, want := range [][]int{{115200, 57600, 38400}, {38400}} {
		rwc, err := open(ctx)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if b := rwc.(*serialport.Port).Baud(); b != 38400 {
			t.Errorf("open %d: baud %d", i, b)
		}
		// The port handed out is usable after the probe.
		if err := ask(ctx, rwc); err != nil {
			t.Errorf("open %d: after probe: %v", i, err)
		}
		rwc.Close()
		if got := rp.take(); !slices.Equal(got, want) {
			t.Errorf("open %d: tried %v, want %v", i, got, want)
		}
	}
}

// A configured rate is the only one tried; silence is ErrNoAnswer.
// Kills: scanning other rates when one is configured (a printer would print
// the garbage), handing out a port nothing answers on.
func TestConfiguredRateOnlyAndNoAnswer(t *testing.T) {
	path := echoDevice(t)
	rp := &rateProbe{want: 38400}
	c := cfg(path, rp.probe)
	c.Baud = 9600
	_, err := serialport.Open(context.Background(), c)
	if !errors.Is(err, serialport.ErrNoAnswer) {
		t.Errorf("err = %v, want ErrNoAnswer", err)
	}
	if got := rp.take(); !slices.Equal(got, []int{9600}) {
		t.Errorf("tried %v, want [9600]", got)
	}
	c.Baud = 0
	rp.want = 1
	if _, err := serialport.Open(context.Background(), c); !errors.Is(err, serialport.ErrNoAnswer) {
		t.Errorf("scan: err = %v, want ErrNoAnswer", err)
	}
	if got := rp.take(); len(got) != 4 {
		t.Errorf("scan tried %v, want all four", got)
	}
}

// A port that cannot be opened fails at once, without probing other rates.
func TestMissingPortFailsAtOnce(t *testing.T) {
	rp := &rateProbe{want: 38400}
	_, err := serialport.Open(context.Background(), cfg("/dev/nonexistent-tty", rp.probe))
	if err == nil || errors.Is(err, serialport.ErrNoAnswer) {
		t.Errorf("err = %v", err)
	}
	if got := rp.take(); len(got) != 0 {
		t.Errorf("probed %v on a missing port", got)
	}
}

// Without a probe (a silent QR scanner) the port opens at the configured rate.
func TestNoProbe(t *testing.T) {
	path := echoDevice(t)
	p, err := serialport.Open(context.Background(), serialport.Config{Path: path, Baud: 9600, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Baud() != 9600 {
		t.Errorf("baud %d", p.Baud())
	}
}
