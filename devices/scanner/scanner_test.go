package scanner

import (
	"context"
	"errors"
	"fmt"
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

func TestSummarise(t *testing.T) {
	for _, tc := range []struct {
		raw  Raw
		want kiosk.DeviceState
	}{
		{Raw{}, kiosk.DeviceReady},
		{Raw{Busy: true}, kiosk.DeviceBusy},
		{Raw{FeederEmpty: true}, kiosk.DeviceFeederEmpty},
		{Raw{FeederEmpty: true, Busy: true}, kiosk.DeviceFeederEmpty},
		{Raw{Jam: true, Busy: true, FeederEmpty: true}, kiosk.DeviceJam},
		{Raw{CoverOpen: true}, kiosk.DeviceCoverOpen},
		{Raw{Fault: true, FeederEmpty: true}, kiosk.DeviceError},
		{Raw{Unreachable: true, Jam: true}, kiosk.DeviceDisconnected},
	} {
		if got := Summarise(tc.raw).State; got != tc.want {
			t.Errorf("%+v: %s, want %s", tc.raw, got, tc.want)
		}
	}
}

func TestStateOf(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want kiosk.DeviceState
	}{
		{nil, kiosk.DeviceReady},
		{fmt.Errorf("escl scan page 2: %w", ErrJam), kiosk.DeviceJam},
		{fmt.Errorf("x: %w", ErrFeederEmpty), kiosk.DeviceFeederEmpty},
		{fmt.Errorf("x: %w", ErrDisconnected), kiosk.DeviceDisconnected},
		{fmt.Errorf("x: %w", ErrBusy), kiosk.DeviceBusy},
		{fmt.Errorf("x: %w", ErrCoverOpen), kiosk.DeviceCoverOpen},
		{fmt.Errorf("x: %w", context.Canceled), kiosk.DeviceReady},
		{errors.New("decode page: unexpected EOF"), kiosk.DeviceError},
	} {
		if got := StateOf(tc.err); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestCaps(t *testing.T) {
	c := Caps{Sources: []Source{Feeder}, Resolutions: []int{75, 150, 300, 600}}
	if c.Has(Platen) || !c.Has(Feeder) {
		t.Error("Has")
	}
	for want, in := range map[int]int{150: 180, 300: 240, 75: 10, 600: 5000} {
		if got := c.NearestDPI(in); got != want {
			t.Errorf("NearestDPI(%d) = %d, want %d", in, got, want)
		}
	}
	if got := (Caps{}).NearestDPI(200); got != 200 {
		t.Errorf("no list: %d", got)
	}
	s := Settings{}.WithDefaults()
	if s.Source != Platen || s.Color != Gray || s.DPI != 200 {
		t.Errorf("defaults %+v", s)
	}
}
