// Package serialport opens serial ports (USB-serial adapters, on-board UARTs,
// pseudo-terminals) and hands them out as io.ReadWriteCloser for the device
// codecs, which never open ports themselves. Only cmd/ and device services may
// import it.
package serialport

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tarm/serial"
)

// Config describes how to open a port. The line is always 8N1.
type Config struct {
	Path        string        // /dev/ttyUSB0, /dev/serial/by-id/…, a pty slave
	Baud        int           // default 115200
	ReadTimeout time.Duration // 0 blocks; tarm/serial's granularity is 0.1 s
}

// Port is an open serial port. A Read that hits ReadTimeout returns (0, nil)
// rather than tarm/serial's (0, io.EOF), so that an idle line is never taken for
// a disconnect; a real disconnect surfaces as an error from Read or Write.
type Port struct {
	p *serial.Port
}

// Open opens the port described by c.
func Open(c Config) (*Port, error) {
	if c.Baud == 0 {
		c.Baud = 115200
	}
	p, err := serial.OpenPort(&serial.Config{Name: c.Path, Baud: c.Baud, ReadTimeout: c.ReadTimeout})
	if err != nil {
		return nil, fmt.Errorf("serialport: open %s: %w", c.Path, err)
	}
	return &Port{p: p}, nil
}

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
