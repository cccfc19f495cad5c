package sim_test

import (
	"context"
	"errors"
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

// startPTY runs a simulator on a pty and opens the slave through the real
// serial transport.
func startPTY(t testing.TB, cfg sim.Config) (*sim.Reader, *idcard.Client) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, path, err := sim.StartPTY(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	port, err := idcard.SerialOpener(path, 115200)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := idcard.NewClient(port)
	t.Cleanup(func() { c.Close(); port.Close(); cancel() })
	return r, c
}

// TestPTYFaults reads every test card through a pty under every fault knob.
func TestPTYFaults(t *testing.T) {
	r, c := startPTY(t, sim.Config{Baud: 115200})
	cards, _ := testcards.All()
	tests := []struct {
		name   string
		faults sim.Faults
		want   error
	}{
		{"clean", sim.Faults{}, nil},
		{"fragmented", sim.Faults{FragmentSize: 7, FragmentDelay: 100 * time.Microsecond}, nil},
		{"delayed", sim.Faults{ReplyDelay: 50 * time.Millisecond}, nil},
		{"garbage", sim.Faults{Garbage: []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x00, 0x55}}, nil},
		{"bad checksum", sim.Faults{CorruptChecksum: 1}, idcard.ErrChecksum},
		{"removed mid-read", sim.Faults{RemoveMidRead: true}, idcard.ErrTimeout},
		{"silent", sim.Faults{Silent: true}, idcard.ErrTimeout},
		{"status 80", sim.Faults{FindSW3: 0x80}, idcard.ErrNoCard},
		{"status 81", sim.Faults{SelectSW3: 0x81}, idcard.ErrSelectFailed},
		{"status 41", sim.Faults{ReadSW3: 0x41}, idcard.ErrReadFailed},
		{"status 60", sim.Faults{SAMSW3: 0x60}, idcard.ErrSAMSelfTest},
		{"status 66", sim.Faults{SAMSW3: 0x66}, idcard.ErrSAMUnauthorised},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := cards[i%len(cards)].Identity
			r.PlaceCard(want)
			r.SetFaults(tt.faults)
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			got, err := c.ReadCard(ctx)
			if !errors.Is(err, tt.want) {
				t.Fatalf("ReadCard: %v, want %v", err, tt.want)
			}
			if err == nil && (got.IDNumber != want.IDNumber || got.Name != want.Name) {
				t.Errorf("read %+v, want %+v", got, want)
			}
			r.SetFaults(sim.Faults{})
			if tt.name == "removed mid-read" && r.Card() != nil {
				t.Error("card still present")
			}
			r.PlaceCard(want)
			ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel2()
			if _, err := c.ReadCard(ctx2); err != nil {
				t.Fatalf("recovery: %v", err)
			}
		})
	}
}

func TestPTYSAMTime(t *testing.T) {
	r, c := startPTY(t, sim.Config{SAMTime: 300 * time.Millisecond})
	r.PlaceCard(card(t, "resident"))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.ReadCard(ctx); !errors.Is(err, idcard.ErrTimeout) {
		t.Fatalf("short deadline against slow SAM: %v", err)
	}
	r.SetSAMTime(0)
	ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel2()
	if _, err := c.ReadCard(ctx2); err != nil {
		t.Fatal(err)
	}
}

func TestProbeBaud(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, path, err := sim.StartPTY(ctx, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := idcard.ProbeBaud(ctx, path); err != nil || b != 115200 {
		t.Errorf("ProbeBaud = %d, %v", b, err)
	}
	if f := idcard.Discover(ctx, []string{path, "/dev/nonexistent"}); len(f) != 1 || f[0].Path != path {
		t.Errorf("Discover = %+v", f)
	}
}

func TestServiceOverPTY(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	s := idcard.NewService(idcard.SerialOpener(path, 115200), idcard.ServiceConfig{PollInterval: 20 * time.Millisecond}, nil)
	go s.Serve(ctx)
	want := card(t, "hkmotw-J")
	r.PlaceCard(want)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-s.Events():
			if ev.Identity != nil {
				if ev.Identity.PassNumber != want.PassNumber {
					t.Errorf("got %+v", ev.Identity)
				}
				return
			}
		case <-timeout:
			t.Fatal("no card event")
		}
	}
}

// Every open probes the SAM before the port is handed out, and the probe
// lets go of the stream: the first command after the open gets its reply.
// Kills: handing out the port without the probe (the silent reader would
// open), and the probe's reader left running (it swallows the next reply).
func TestSerialOpenerProbesAndLetsGo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	open := idcard.SerialOpener(path, 0)
	for i := range 15 {
		port, err := open(ctx)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		c := idcard.NewClient(port)
		cctx, ccancel := context.WithTimeout(ctx, 400*time.Millisecond)
		err = c.SAMStatus(cctx)
		ccancel()
		c.Close()
		port.Close()
		if err != nil {
			t.Fatalf("first command after open %d: %v", i, err)
		}
	}
	r.SetFaults(sim.Faults{Silent: true})
	if _, err := open(ctx); !errors.Is(err, idcard.ErrNotAReader) {
		t.Errorf("silent reader: err = %v, want ErrNotAReader", err)
	}
}
