package usb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/gousb"

	"github.com/bianmin/kiosk/devices/idcard"
)

// The known vendor-bulk reader.
const (
	DefaultVID = 0x0400
	DefaultPID = 0xC35A
)

// Config selects the device and its endpoints; zero values take the
// defaults of the common vendor-bulk mode.
type Config struct {
	VID, PID    uint16
	ReadTimeout time.Duration // per bulk read; default 100 ms
}

// Open claims the reader's default interface and returns a Conn.
// It cannot be tested without the hardware.
func Open(cfg Config) (*Conn, error) {
	if cfg.VID == 0 && cfg.PID == 0 {
		cfg.VID, cfg.PID = DefaultVID, DefaultPID
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 100 * time.Millisecond
	}
	uctx := gousb.NewContext()
	dev, err := uctx.OpenDeviceWithVIDPID(gousb.ID(cfg.VID), gousb.ID(cfg.PID))
	if err == nil && dev == nil {
		err = fmt.Errorf("%04x:%04x: %w", cfg.VID, cfg.PID, ErrNotFound)
	}
	if err != nil {
		uctx.Close()
		return nil, fmt.Errorf("usb: open: %w", err)
	}
	dev.SetAutoDetach(true)
	intf, done, err := dev.DefaultInterface()
	if err != nil {
		dev.Close()
		uctx.Close()
		return nil, fmt.Errorf("usb: claim: %w", err)
	}
	closeAll := func() error {
		done()
		dev.Close()
		return uctx.Close()
	}
	var p pipes
	var errs []error
	o2, err := intf.OutEndpoint(0x02)
	errs = append(errs, err)
	o6, err := intf.OutEndpoint(0x06)
	errs = append(errs, err)
	i1, err := intf.InEndpoint(0x01)
	errs = append(errs, err)
	i5, err := intf.InEndpoint(0x05)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		closeAll()
		return nil, fmt.Errorf("usb: endpoints: %w", err)
	}
	p.outHead, p.outBody = o2, o6
	p.inHead, p.inBody = timedIn{i1, cfg.ReadTimeout}, timedIn{i5, cfg.ReadTimeout}
	return newConn(p, closeAll), nil
}

// ErrNotFound means no device with the VID:PID is attached.
var ErrNotFound = errors.New("no such usb device")

// timedIn reads with a timeout and reports a timeout as (0, nil), like
// devices/serialport, so that an idle reader is not taken for an unplug.
type timedIn struct {
	ep *gousb.InEndpoint
	d  time.Duration
}

func (t timedIn) Read(b []byte) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), t.d)
	defer cancel()
	n, err := t.ep.ReadContext(ctx, b)
	if n == 0 && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, gousb.TransferCancelled) || errors.Is(err, gousb.ErrorTimeout)) {
		return 0, nil
	}
	return n, err
}

// Opener returns an idcard.Opener for the Service.
func Opener(cfg Config) idcard.Opener {
	return func(context.Context) (io.ReadWriteCloser, error) { return Open(cfg) }
}

// Find lists attached devices with the VID:PID of cfg (defaults when
// zero), as "VID:PID bus/address" strings, without claiming them.
func Find(cfg Config) ([]string, error) {
	if cfg.VID == 0 && cfg.PID == 0 {
		cfg.VID, cfg.PID = DefaultVID, DefaultPID
	}
	uctx := gousb.NewContext()
	defer uctx.Close()
	var out []string
	devs, err := uctx.OpenDevices(func(d *gousb.DeviceDesc) bool {
		if uint16(d.Vendor) == cfg.VID && uint16(d.Product) == cfg.PID {
			out = append(out, fmt.Sprintf("%04x:%04x bus %d addr %d", cfg.VID, cfg.PID, d.Bus, d.Address))
		}
		return false
	})
	for _, d := range devs {
		d.Close()
	}
	return out, err
}
