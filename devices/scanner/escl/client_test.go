package escl_test

import (
	"context"
	"errors"
	"image"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/scanner/escl"
	"github.com/bianmin/kiosk/devices/scanner/escl/esclsim"
	"github.com/bianmin/kiosk/devices/scanner/sim"
)

func start(t *testing.T, k sim.Knobs, f esclsim.Faults) (*escl.Client, *esclsim.Server, *sim.Sim) {
	t.Helper()
	sm := sim.New(k)
	srv := esclsim.New(sm, nil)
	srv.SetFaults(f)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c, err := escl.New(base, escl.WithRetry(5*time.Millisecond, 10))
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, sm
}

func TestCapabilitiesThroughEmulator(t *testing.T) {
	c, _, _ := start(t, sim.Knobs{}, esclsim.Faults{})
	caps, err := c.Capabilities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Has(scanner.Platen) || !caps.Has(scanner.Feeder) || !caps.Duplex {
		t.Errorf("caps %+v", caps)
	}
	if caps.NearestDPI(190) != 200 || caps.MaxWidthMM < 210 {
		t.Errorf("caps %+v", caps)
	}
}

// TestScanKnobs drives the client through every knob of the emulator.
func TestScanKnobs(t *testing.T) {
	feeder := scanner.Settings{Source: scanner.Feeder, DPI: 75}
	platen := scanner.Settings{Source: scanner.Platen, DPI: 75, Color: scanner.Color}
	for _, tc := range []struct {
		name      string
		knobs     sim.Knobs
		faults    esclsim.Faults
		settings  scanner.Settings
		pages     int
		err       error
		state     kiosk.DeviceState // status after the job
		deletions int
	}{
		{name: "platen", settings: platen, pages: 1, state: kiosk.DeviceReady, deletions: 1},
		{name: "feeder three pages", knobs: sim.Knobs{Pages: 3}, settings: feeder, pages: 3, state: kiosk.DeviceReady},
		{name: "feeder duplex", knobs: sim.Knobs{Pages: 2}, settings: scanner.Settings{Source: scanner.Feeder, DPI: 75, Duplex: true}, pages: 4, state: kiosk.DeviceReady},
		{name: "max pages deletes the job", knobs: sim.Knobs{Pages: 5}, settings: scanner.Settings{Source: scanner.Feeder, DPI: 75, MaxPages: 2}, pages: 2, state: kiosk.DeviceReady, deletions: 1},
		{name: "503 three times then pages", knobs: sim.Knobs{Pages: 2}, faults: esclsim.Faults{Busy503: 3}, settings: feeder, pages: 2, state: kiosk.DeviceReady},
		{name: "503 beyond the bound", knobs: sim.Knobs{Pages: 2}, faults: esclsim.Faults{Busy503: 50}, settings: feeder, err: scanner.ErrBusy, state: kiosk.DeviceReady, deletions: 1},
		{name: "404 ends early", knobs: sim.Knobs{Pages: 5}, faults: esclsim.Faults{EndEarly: 2}, settings: feeder, pages: 2, state: kiosk.DeviceReady},
		{name: "feeder empty", knobs: sim.Knobs{FeederEmpty: true}, settings: feeder, err: scanner.ErrFeederEmpty, state: kiosk.DeviceReady},
		{name: "feeder empty but platen wanted", knobs: sim.Knobs{FeederEmpty: true}, settings: platen, pages: 1, state: kiosk.DeviceReady, deletions: 1},
		{name: "jam mid-job", knobs: sim.Knobs{Pages: 4, JamAfter: 2}, settings: feeder, pages: 2, err: scanner.ErrJam, state: kiosk.DeviceJam, deletions: 1},
		{name: "cover open", knobs: sim.Knobs{CoverOpen: true}, settings: platen, err: scanner.ErrCoverOpen, state: kiosk.DeviceCoverOpen},
		{name: "busy refuses jobs", knobs: sim.Knobs{Busy: true}, settings: platen, err: scanner.ErrBusy, state: kiosk.DeviceBusy},
		{name: "refuse jobs", faults: esclsim.Faults{RefuseJobs: true}, settings: platen, err: scanner.ErrBusy, state: kiosk.DeviceReady},
		{name: "server error", faults: esclsim.Faults{ServerError: true}, settings: platen, err: errAny, state: kiosk.DeviceReady, deletions: 1},
		{name: "slow", faults: esclsim.Faults{Slow: 20 * time.Millisecond}, settings: platen, pages: 1, state: kiosk.DeviceReady, deletions: 1},
		{name: "disconnected", knobs: sim.Knobs{Disconnected: true}, settings: platen, err: scanner.ErrDisconnected, state: kiosk.DeviceDisconnected},
		{name: "garbage xml", faults: esclsim.Faults{GarbageXML: true}, settings: platen, err: escl.ErrBadXML, state: kiosk.DeviceError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, srv, _ := start(t, tc.knobs, tc.faults)
			ctx := context.Background()
			pages, err := c.Scan(ctx, tc.settings)
			switch {
			case tc.err == nil && err != nil:
				t.Fatalf("scan: %v", err)
			case tc.err == errAny && err == nil, tc.err != nil && tc.err != errAny && !errors.Is(err, tc.err):
				t.Fatalf("scan error %v, want %v", err, tc.err)
			}
			if len(pages) != tc.pages {
				t.Fatalf("%d pages, want %d", len(pages), tc.pages)
			}
			for i, p := range pages {
				if p.Image == nil || p.Image.Bounds().Dx() < 500 || p.DPI != 75 {
					t.Fatalf("page %d: %v dpi %d", i, p.Image.Bounds(), p.DPI)
				}
				_, gray := p.Image.(*image.Gray)
				if gray == (tc.settings.Color == scanner.Color) {
					t.Errorf("page %d: gray %v for %s", i, gray, tc.settings.Color)
				}
			}
			st, _ := c.Status(ctx)
			if st.State != tc.state {
				t.Errorf("status %s (%s), want %s", st.State, st.Detail, tc.state)
			}
			if got := srv.Deleted(); got != tc.deletions {
				t.Errorf("%d jobs deleted, want %d", got, tc.deletions)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestCancelDeletesJob(t *testing.T) {
	c, srv, _ := start(t, sim.Knobs{Pages: 5}, esclsim.Faults{Busy503: 1000})
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel once the client has asked for a page of its job (the pages
	// answer 503 for ever): it then knows the job it must delete. Not after
	// a fixed time, which a loaded machine may not reach the job in.
	go func() {
		for srv.Busy() == 0 && ctx.Err() == nil {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	c2, _ := escl.New(urlOf(t, c), escl.WithRetry(10*time.Millisecond, 100000))
	_ = c
	_, err := c2.Scan(ctx, scanner.Settings{Source: scanner.Feeder, DPI: 75})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if srv.Deleted() != 1 {
		t.Fatalf("%d jobs deleted, want 1", srv.Deleted())
	}
}

func urlOf(t *testing.T, c *escl.Client) string {
	t.Helper()
	return c.BaseURL()
}

func TestStatusUnreachable(t *testing.T) {
	c, err := escl.New("http://127.0.0.1:1/eSCL")
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Status(context.Background())
	if err != nil || st.State != kiosk.DeviceDisconnected {
		t.Fatalf("status %+v, %v", st, err)
	}
}
