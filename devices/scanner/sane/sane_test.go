package sane

import (
	"context"
	"errors"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/scanner"
)

func TestParseHelp(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "test-all-options.txt"))
	if err != nil {
		t.Fatal(err)
	}
	o := ParseHelp(string(b))
	for _, tc := range []struct {
		name string
		want Option
	}{
		{"--mode", Option{Name: "--mode", Values: []string{"Gray", "Color"}, Default: "Gray"}},
		{"--resolution", Option{Name: "--resolution", Min: 1, Max: 1200, Unit: "dpi", Default: "50"}},
		{"--source", Option{Name: "--source", Values: []string{"Flatbed", "Automatic Document Feeder"}, Default: "Flatbed"}},
		{"-x", Option{Name: "-x", Min: 0, Max: 200, Unit: "mm", Default: "80"}},
	} {
		got, ok := o[tc.name]
		if !ok {
			t.Errorf("%s missing", tc.name)
			continue
		}
		if got.Name != tc.want.Name || got.Min != tc.want.Min || got.Max != tc.want.Max || got.Unit != tc.want.Unit ||
			got.Default != tc.want.Default || len(got.Values) != len(tc.want.Values) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	// A discrete resolution list, as real backends print it.
	o = ParseHelp("Options specific to device `genesys:libusb:001:004':\n    --resolution 4800|2400|1200|600|300|150|100|75dpi [75]\n        Sets the resolution\n    --source Flatbed|Transparency Adapter [Flatbed]\n")
	if r := o["--resolution"]; len(r.Values) != 8 || r.Unit != "dpi" || r.Values[7] != "75" {
		t.Errorf("resolution list %+v", r)
	}
}

func TestParseList(t *testing.T) {
	got := ParseList("test:0\tNoname\tfrontend-tester\tvirtual device\nNo scanners were identified.\ngenesys:libusb:001:004\tCanon\tLiDE 110\tflatbed scanner\n")
	if len(got) != 2 || got[1].Model != "LiDE 110" || got[0].Name != "test:0" {
		t.Fatalf("%+v", got)
	}
}

func TestMapError(t *testing.T) {
	for _, tc := range []struct {
		stderr string
		want   error
		state  kiosk.DeviceState
	}{
		{"scanimage: sane_read: Document feeder jammed", scanner.ErrJam, kiosk.DeviceJam},
		{"scanimage: sane_start: Document feeder out of documents", scanner.ErrFeederEmpty, kiosk.DeviceFeederEmpty},
		{"scanimage: sane_read: Device busy", scanner.ErrBusy, kiosk.DeviceBusy},
		{"scanimage: sane_read: Scanner cover is open", scanner.ErrCoverOpen, kiosk.DeviceCoverOpen},
		{"scanimage: open of device nosuch failed: Invalid argument", scanner.ErrDisconnected, kiosk.DeviceDisconnected},
		{"scanimage: sane_read: Error during device I/O", nil, kiosk.DeviceError},
	} {
		err := MapError(tc.stderr, errors.New("exit status 9"))
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%q: %v, want %v", tc.stderr, err, tc.want)
		}
		if st := scanner.StateOf(err); st != tc.state {
			t.Errorf("%q: state %s, want %s", tc.stderr, st, tc.state)
		}
	}
}

func needScanimage(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("scanimage"); err != nil {
		t.Skip("scanimage not installed (apt-get install sane-utils)")
	}
}

// TestTestBackend scans for real with SANE's test backend.
func TestTestBackend(t *testing.T) {
	needScanimage(t)
	grid := []string{"--test-picture", "Grid"}
	for _, tc := range []struct {
		name     string
		extra    []string
		settings scanner.Settings
		pages    int
		err      error
	}{
		{"platen gray", grid, scanner.Settings{DPI: 50}, 1, nil},
		{"platen color", grid, scanner.Settings{DPI: 50, Color: scanner.Color}, 1, nil},
		{"feeder three", grid, scanner.Settings{DPI: 50, Source: scanner.Feeder, MaxPages: 3}, 3, nil},
		{"feeder until empty", grid, scanner.Settings{DPI: 25, Source: scanner.Feeder}, 10, nil},
		{"feeder empty", []string{"--read-return-value", "SANE_STATUS_NO_DOCS"}, scanner.Settings{DPI: 50, Source: scanner.Feeder}, 0, scanner.ErrFeederEmpty},
		{"jam", []string{"--read-return-value", "SANE_STATUS_JAMMED"}, scanner.Settings{DPI: 50, Source: scanner.Feeder}, 0, scanner.ErrJam},
		{"busy", []string{"--read-return-value", "SANE_STATUS_DEVICE_BUSY"}, scanner.Settings{DPI: 50}, 0, scanner.ErrBusy},
		{"cover open", []string{"--read-return-value", "SANE_STATUS_COVER_OPEN"}, scanner.Settings{DPI: 50}, 0, scanner.ErrCoverOpen},
		{"duplex unsupported", nil, scanner.Settings{DPI: 50, Source: scanner.Feeder, Duplex: true}, 0, scanner.ErrUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Device: "test", ExtraArgs: tc.extra, JobTimeout: 20 * time.Second})
			pages, err := s.Scan(context.Background(), tc.settings)
			// SANE's test backend now and then deadlocks in scanimage when
			// it injects a status (two threads waiting on a futex): the job
			// timeout kills it. That is the backend's bug, not ours: retry.
			for try := 1; try < 4 && errors.Is(err, ErrHung); try++ {
				t.Logf("scanimage hung (SANE test backend), try %d", try+1)
				pages, err = s.Scan(context.Background(), tc.settings)
			}
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("scan: %v, want %v", err, tc.err)
			}
			if len(pages) != tc.pages {
				t.Fatalf("%d pages, want %d", len(pages), tc.pages)
			}
			for _, p := range pages {
				b := p.Image.Bounds()
				// 200 mm at the asked resolution.
				want := int(200 / 25.4 * float64(tc.settings.DPI))
				if b.Dx() < want-2 || b.Dx() > want+2 {
					t.Errorf("page width %d, want %d", b.Dx(), want)
				}
				_, gray := p.Image.(*image.Gray)
				if gray != (tc.settings.Color != scanner.Color) {
					t.Errorf("page type %T for %s", p.Image, tc.settings.Color)
				}
			}
		})
	}
}

func TestTestBackendCapsAndStatus(t *testing.T) {
	needScanimage(t)
	ctx := context.Background()
	s := New(Config{Device: "test"})
	caps, err := s.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !caps.Has(scanner.Platen) || !caps.Has(scanner.Feeder) || len(caps.ColorModes) != 2 || caps.MaxWidthMM != 200 {
		t.Errorf("caps %+v", caps)
	}
	if st, err := s.Status(ctx); err != nil || st.State != kiosk.DeviceReady {
		t.Errorf("status %+v %v", st, err)
	}
	gone := New(Config{Device: "nosuch"})
	if st, _ := gone.Status(ctx); st.State != kiosk.DeviceDisconnected {
		t.Errorf("missing device status %+v", st)
	}
	if _, err := gone.Scan(ctx, scanner.Settings{}); !errors.Is(err, scanner.ErrDisconnected) {
		t.Errorf("missing device scan: %v", err)
	}
}

func TestCancelKillsScanimage(t *testing.T) {
	needScanimage(t)
	// A slow scan: 200 ms after every small read.
	s := New(Config{Device: "test", ExtraArgs: []string{"--read-limit=yes", "--read-limit-size", "64", "--read-delay=yes", "--read-delay-duration", "200000"}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := s.Scan(ctx, scanner.Settings{DPI: 100})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("scan: %v, want deadline exceeded", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("scan not cancelled")
	}
}

// FuzzParseOutput feeds outside bytes to the scanimage output parsers.
func FuzzParseOutput(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "test-all-options.txt")); err == nil {
		f.Add(string(b))
	}
	f.Add("test:0\tNoname\tfrontend-tester\tvirtual device\n")
	f.Add("Options specific to device `x':\n    --resolution 600|300dpi [300]\n    -x 0..-5mm [1]\n")
	f.Fuzz(func(t *testing.T, s string) {
		for name, o := range ParseHelp(s) {
			if name == "" || o.Name != name {
				t.Fatalf("option %q: %+v", name, o)
			}
		}
		for _, d := range ParseList(s) {
			if d.Name == "" {
				t.Fatal("device without a name")
			}
		}
		MapError(s, os.ErrInvalid)
	})
}

// TestHungScanimageIsKilled: a driver that never answers ends in ErrHung
// after the job timeout instead of hanging the kiosk.
func TestHungScanimageIsKilled(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "scanimage")
	script := "#!/bin/sh\ncase \"$*\" in *--all-options*|*--help*) exit 0;; esac\nsleep 60\n"
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Device: "test", Command: fake, JobTimeout: 300 * time.Millisecond})
	_, err := s.Scan(context.Background(), scanner.Settings{DPI: 50})
	if !errors.Is(err, ErrHung) {
		t.Fatalf("scan with a hung scanimage: %v, want ErrHung", err)
	}
}
