// Package serialport opens serial ports (USB-serial adapters, on-board UARTs,
// pseudo-terminals) and hands them out as io.ReadWriteCloser for the device
// codecs, which never open ports themselves. It is the one serial opener of
// the kiosk: real ports and the simulators' pseudo-terminals go through the
// same Open, with the same baud probe. Only cmd/ and device packages may
// import it.
package serialport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/tarm/serial"
)

// DefaultBaud is the rate of a Config with neither Baud nor Bauds.
const DefaultBaud = 115200

// ErrNoAnswer means the port opened but the device did not answer the probe
// at any rate tried: nothing, or not the expected device, is on the line.
var ErrNoAnswer = errors.New("no device answers")

// Prober checks that the expected device answers on rw, which is open at the
// rate being tried. It must return by ctx's deadline and leave nothing
// unread behind it (a later reader takes over the stream).
type Prober func(ctx context.Context, rw io.ReadWriter) error

// Config describes how to open a port. The line is always 8N1.
type Config struct {
	Path string // /dev/ttyUSB0, /dev/serial/by-id/…, a pty slave
	// Baud is the configured rate. With a Probe, a non-zero Baud is the
	// only rate tried (a printer could print the garbage of a wrong rate);
	// zero tries Bauds in order.
	Baud  int
	Bauds []int // rates tried when Baud is 0; nil: DefaultBaud only
	// Probe, when set, is run after every open: the port is handed out only
	// when the device answers. Nil for devices that never speak first and
	// cannot be asked (a QR scanner in serial mode).
	Probe        Prober
	ProbeTimeout time.Duration // per rate tried; default 500 ms
	// NoAnswer, when set, is wrapped around ErrNoAnswer: the device
	// family's own sentinel (idcard.ErrNotAReader, printer.ErrDisconnected).
	NoAnswer    error
	ReadTimeout time.Duration // 0 blocks; tarm/serial's granularity is 0.1 s
}

func (c Config) rates() []int {
	switch {
	case c.Baud != 0:
		return []int{c.Baud}
	case len(c.Bauds) > 0:
		return c.Bauds
	}
	return []int{DefaultBaud}
}

// Port is an open serial port. A Read that hits ReadTimeout returns (0, nil)
// rather than tarm/serial's (0, io.EOF), so that an idle line is never taken for
// a disconnect; a real disconnect surfaces as an error from Read or Write.
type Port struct {
	p    *serial.Port
	baud int
}

// openAt is the only call of the serial library in the kiosk.
func openAt(c Config, baud int) (*Port, error) {
	p, err := serial.OpenPort(&serial.Config{Name: c.Path, Baud: baud, ReadTimeout: c.ReadTimeout})
	if err != nil {
		return nil, fmt.Errorf("serialport: open %s: %w", c.Path, err)
	}
	return &Port{p: p, baud: baud}, nil
}

// Open opens the port described by c. With a Probe it tries each rate of
// c (see Config.Baud) and returns the port at the first rate where the
// device answers, or an error matching ErrNoAnswer. A port that cannot be
// opened at all fails at once.
func Open(ctx context.Context, c Config) (*Port, error) {
	var errs []error
	for _, b := range c.rates() {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("serialport: open %s: %w", c.Path, err)
		}
		p, err := openAt(c, b)
		if err != nil {
			return nil, err
		}
		if c.Probe == nil {
			return p, nil
		}
		d := c.ProbeTimeout
		if d <= 0 {
			d = 500 * time.Millisecond
		}
		pctx, cancel := context.WithTimeout(ctx, d)
		err = c.Probe(pctx, p)
		cancel()
		if err == nil {
			return p, nil
		}
		p.Close()
		errs = append(errs, fmt.Errorf("%d baud: %w", b, err))
	}
	err := fmt.Errorf("serialport: %s: %w (%w)", c.Path, ErrNoAnswer, errors.Join(errs...))
	if c.NoAnswer != nil {
		err = fmt.Errorf("%w: %w", c.NoAnswer, err)
	}
	return nil, err
}

// Opener returns a function that opens c afresh on every call, for the
// device services that reopen after an unplug. With Baud 0 it remembers the
// rate that answered last and tries it first next time.
func Opener(c Config) func(ctx context.Context) (io.ReadWriteCloser, error) {
	var mu sync.Mutex
	last := 0
	return func(ctx context.Context) (io.ReadWriteCloser, error) {
		cc := c
		mu.Lock()
		if c.Baud == 0 && last != 0 {
			cc.Bauds = append([]int{last}, slices.DeleteFunc(slices.Clone(c.Bauds), func(b int) bool { return b == last })...)
		}
		mu.Unlock()
		p, err := Open(ctx, cc)
		if err != nil {
			return nil, err
		}
		mu.Lock()
		last = p.baud
		mu.Unlock()
		return p, nil
	}
}

// Baud returns the rate the port is open at.
func (p *Port) Baud() int { return p.baud }

// Read implements io.Reader; see Port for the timeout rule.
func (p *Port) Read(b []byte) (int, error) {
	n, err := p.p.Read(b)
	if n == 0 && errors.Is(err, io.EOF) {
		return 0, nil
	}
	return n, err
}

// Write implements io.Writer.
func (p *Port) Write(b []byte) (int, error) { return p.p.Write(b) }

// Flush discards data received but not read and data written but not sent.
func (p *Port) Flush() error { return p.p.Flush() }

// Close closes the port.
func (p *Port) Close() error { return p.p.Close() }
