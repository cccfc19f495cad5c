// Package usblp opens a USB printer through the kernel's usblp driver
// (/dev/usb/lp0…) and hands out an io.ReadWriteCloser with timeouts, for
// devices/printer. Bidirectional printers (USB printer class protocol 2)
// answer DLE EOT on the same file; one-way printers never answer, so their
// status reads as disconnected.
package usblp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// Config configures the device file.
type Config struct {
	Path         string        // /dev/usb/lp0
	WriteTimeout time.Duration // per Write; default 10 s
	ReadTimeout  time.Duration // per Read; a timed-out Read returns (0, nil); default 100 ms
}

// Port is an open printer device file.
type Port struct {
	f   *os.File
	cfg Config
}

// Open opens the device file read-write without blocking on open. ctx is
// only checked before opening.
func Open(ctx context.Context, cfg Config) (*Port, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 10 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 100 * time.Millisecond
	}
	// O_NONBLOCK lets the Go runtime poll the file, so deadlines work.
	f, err := os.OpenFile(cfg.Path, os.O_RDWR|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, fmt.Errorf("usblp: open %s: %w", cfg.Path, err)
	}
	return &Port{f: f, cfg: cfg}, nil
}

// ErrWriteTimeout means the printer did not take the data in time (paper
// out with a full buffer, or gone).
var ErrWriteTimeout = errors.New("usblp: write timeout")

// Write writes p within the write timeout.
func (p *Port) Write(b []byte) (int, error) {
	if err := p.f.SetWriteDeadline(time.Now().Add(p.cfg.WriteTimeout)); err != nil {
		return p.f.Write(b) // not pollable: plain blocking write
	}
	n, err := p.f.Write(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, ErrWriteTimeout
	}
	if err != nil {
		return n, fmt.Errorf("usblp: write: %w", err)
	}
	return n, nil
}

// Read reads what the printer sent back; after the read timeout it returns
// (0, nil), like devices/serialport.
func (p *Port) Read(b []byte) (int, error) {
	if err := p.f.SetReadDeadline(time.Now().Add(p.cfg.ReadTimeout)); err != nil {
		return p.f.Read(b)
	}
	n, err := p.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	if err != nil {
		return n, fmt.Errorf("usblp: read: %w", err)
	}
	return n, nil
}

// Close closes the device file.
func (p *Port) Close() error { return p.f.Close() }
