package sim

import (
	"context"
	"errors"
	"image"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/scanner"
)

func TestSimKnobs(t *testing.T) {
	ctx := context.Background()
	feeder := scanner.Settings{Source: scanner.Feeder, DPI: 50}
	for _, tc := range []struct {
		name     string
		knobs    Knobs
		settings scanner.Settings
		pages    int
		err      error
		after    kiosk.DeviceState
	}{
		{"platen", Knobs{}, scanner.Settings{DPI: 50}, 1, nil, kiosk.DeviceReady},
		{"feeder default three", Knobs{}, feeder, 3, nil, kiosk.DeviceReady},
		{"feeder five", Knobs{Pages: 5}, feeder, 5, nil, kiosk.DeviceReady},
		{"duplex", Knobs{Pages: 2}, scanner.Settings{Source: scanner.Feeder, DPI: 50, Duplex: true}, 4, nil, kiosk.DeviceReady},
		{"max pages", Knobs{Pages: 5}, scanner.Settings{Source: scanner.Feeder, DPI: 50, MaxPages: 2}, 2, nil, kiosk.DeviceReady},
		{"feeder empty", Knobs{FeederEmpty: true}, feeder, 0, scanner.ErrFeederEmpty, kiosk.DeviceFeederEmpty},
		{"jam after two keeps two", Knobs{Pages: 4, JamAfter: 2}, feeder, 2, scanner.ErrJam, kiosk.DeviceJam},
		{"cover open", Knobs{CoverOpen: true}, scanner.Settings{DPI: 50}, 0, scanner.ErrCoverOpen, kiosk.DeviceCoverOpen},
		{"busy", Knobs{Busy: true}, scanner.Settings{DPI: 50}, 0, scanner.ErrBusy, kiosk.DeviceBusy},
		{"disconnected", Knobs{Disconnected: true}, scanner.Settings{DPI: 50}, 0, scanner.ErrDisconnected, kiosk.DeviceDisconnected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(tc.knobs)
			pages, err := s.Scan(ctx, tc.settings)
			if tc.err == nil && err != nil || tc.err != nil && !errors.Is(err, tc.err) {
				t.Fatalf("scan: %v, want %v", err, tc.err)
			}
			if len(pages) != tc.pages {
				t.Fatalf("%d pages, want %d", len(pages), tc.pages)
			}
			if st, _ := s.Status(ctx); st.State != tc.after {
				t.Errorf("state after %s, want %s", st.State, tc.after)
			}
		})
	}
}

func TestSimJamClears(t *testing.T) {
	s := New(Knobs{Pages: 3, JamAfter: 1})
	ctx := context.Background()
	if _, err := s.Scan(ctx, scanner.Settings{Source: scanner.Feeder, DPI: 50}); !errors.Is(err, scanner.ErrJam) {
		t.Fatal(err)
	}
	if _, err := s.Scan(ctx, scanner.Settings{DPI: 50}); !errors.Is(err, scanner.ErrJam) {
		t.Fatalf("scan with a jam left: %v", err)
	}
	s.ClearJam()
	if p, err := s.Scan(ctx, scanner.Settings{DPI: 50}); err != nil || len(p) != 1 {
		t.Fatalf("after clearing: %d pages, %v", len(p), err)
	}
}

func TestSamplePage(t *testing.T) {
	img := SamplePage(PageSpec{DPI: 50, Margin: 0.1})
	pw, ph := PaperSize(50)
	b := img.Bounds()
	if b.Dx() != pw+2*int(0.1*float64(pw)+0.5) || b.Dy() <= ph {
		t.Fatalf("size %v for paper %dx%d", b, pw, ph)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("grey page is %T", img)
	}
	// Corner is background, centre is paper, and there is ink.
	if v := g.GrayAt(1, 1).Y; v != BackgroundLevel {
		t.Errorf("corner %d", v)
	}
	dark := 0
	for _, v := range g.Pix {
		if v < 100 && v != BackgroundLevel {
			dark++
		}
	}
	if dark < 500 {
		t.Errorf("only %d ink pixels", dark)
	}
	if _, ok := SamplePage(PageSpec{DPI: 50, Color: true}).(*image.RGBA); !ok {
		t.Error("colour page is not RGBA")
	}
}
