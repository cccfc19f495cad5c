// Package usb reaches a USB receipt printer through libusb (github.com/google/gousb),
// for printers the usblp kernel driver does not serve well: it finds the
// printer-class interface (class 7; bidirectional protocol 2 preferred,
// IPP-over-USB protocol 4 skipped), detaches the kernel driver, claims it
// and hands out its bulk OUT/IN endpoints as an io.ReadWriteCloser.
//
// This is the only printer package that needs cgo. gousb's released
// versions have no hotplug: devices/printer.Service polls Open to find a
// replugged printer. Real USB cannot be tested in CI; only the descriptor
// selection is unit-tested.
package usb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/gousb"

	"github.com/bianmin/kiosk/devices/usbid"
)

// Errors.
var (
	ErrNotFound    = errors.New("usb: printer not found")
	ErrNoInterface = errors.New("usb: no printer interface with a bulk OUT endpoint")
)

// ID is a USB vendor and product ID; parse it with usbid.Parse.
type ID = usbid.ID

// Config says which device to open.
type Config struct {
	ID           ID
	AllowVendor  bool          // accept a vendor-class (0xFF) interface with bulk endpoints
	WriteTimeout time.Duration // default 10 s
	ReadTimeout  time.Duration // a timed-out Read returns (0, nil); default 100 ms
}

// choice is the interface and endpoints picked from a descriptor.
type choice struct {
	config, iface, alt int
	out, in            int // endpoint numbers; in is -1 for one-way printers
}

// choose picks the best printer interface of desc.
func choose(desc *gousb.DeviceDesc, allowVendor bool) (choice, error) {
	best, bestScore := choice{}, -1
	for _, c := range desc.Configs {
		for _, ifc := range c.Interfaces {
			for _, alt := range ifc.AltSettings {
				score := 0
				switch {
				case alt.Class == gousb.ClassPrinter && alt.Protocol == 4:
					continue // IPP over USB: ipp-usb's business
				case alt.Class == gousb.ClassPrinter && alt.Protocol == 2:
					score = 3
				case alt.Class == gousb.ClassPrinter:
					score = 2
				case alt.Class == gousb.ClassVendorSpec && allowVendor:
					score = 1
				default:
					continue
				}
				ch := choice{config: c.Number, iface: alt.Number, alt: alt.Alternate, out: -1, in: -1}
				for _, ep := range alt.Endpoints {
					if ep.TransferType != gousb.TransferTypeBulk {
						continue
					}
					if ep.Direction == gousb.EndpointDirectionOut && ch.out < 0 {
						ch.out = ep.Number
					}
					if ep.Direction == gousb.EndpointDirectionIn && ch.in < 0 {
						ch.in = ep.Number
					}
				}
				if ch.out < 0 {
					continue
				}
				if score > bestScore {
					best, bestScore = ch, score
				}
			}
		}
	}
	if bestScore < 0 {
		return choice{}, ErrNoInterface
	}
	return best, nil
}

// Port is a claimed printer interface.
type Port struct {
	ctx  *gousb.Context
	dev  *gousb.Device
	cfg  *gousb.Config
	intf *gousb.Interface
	out  *gousb.OutEndpoint
	in   *gousb.InEndpoint
	c    Config
}

// Open finds the printer with c.ID and claims its printer interface.
func Open(ctx context.Context, c Config) (*Port, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 100 * time.Millisecond
	}
	uctx := gousb.NewContext()
	p := &Port{ctx: uctx, c: c}
	dev, err := uctx.OpenDeviceWithVIDPID(gousb.ID(c.ID.Vendor), gousb.ID(c.ID.Product))
	if err != nil || dev == nil {
		uctx.Close()
		if err == nil {
			err = ErrNotFound
		}
		return nil, fmt.Errorf("usb: open %s: %w", c.ID, err)
	}
	p.dev = dev
	fail := func(err error) (*Port, error) {
		p.Close()
		return nil, fmt.Errorf("usb: %s: %w", c.ID, err)
	}
	ch, err := choose(dev.Desc, c.AllowVendor)
	if err != nil {
		return fail(err)
	}
	if err := dev.SetAutoDetach(true); err != nil {
		return fail(err)
	}
	if p.cfg, err = dev.Config(ch.config); err != nil {
		return fail(err)
	}
	if p.intf, err = p.cfg.Interface(ch.iface, ch.alt); err != nil {
		return fail(err)
	}
	if p.out, err = p.intf.OutEndpoint(ch.out); err != nil {
		return fail(err)
	}
	if ch.in >= 0 {
		if p.in, err = p.intf.InEndpoint(ch.in); err != nil {
			return fail(err)
		}
	}
	return p, nil
}

// Write sends b on the bulk OUT endpoint within the write timeout.
func (p *Port) Write(b []byte) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), p.c.WriteTimeout)
	defer cancel()
	n, err := p.out.WriteContext(ctx, b)
	if err != nil {
		return n, fmt.Errorf("usb: write: %w", err)
	}
	return n, nil
}

// Read reads from the bulk IN endpoint; after the read timeout it returns
// (0, nil). A one-way printer never returns data.
func (p *Port) Read(b []byte) (int, error) {
	if p.in == nil {
		time.Sleep(p.c.ReadTimeout)
		return 0, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.c.ReadTimeout)
	defer cancel()
	n, err := p.in.ReadContext(ctx, b)
	if err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, gousb.TransferCancelled) || errors.Is(err, gousb.ErrorTimeout)) {
		return n, nil
	}
	if err != nil {
		return n, fmt.Errorf("usb: read: %w", err)
	}
	return n, nil
}

// Close releases the interface and the device.
func (p *Port) Close() error {
	if p.intf != nil {
		p.intf.Close()
	}
	if p.cfg != nil {
		p.cfg.Close()
	}
	var err error
	if p.dev != nil {
		err = p.dev.Close()
	}
	if p.ctx != nil {
		if e := p.ctx.Close(); err == nil {
			err = e
		}
	}
	return err
}
