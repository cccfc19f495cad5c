package qrscan

import (
	"context"
	"fmt"
	"io"

	"github.com/holoplot/go-evdev"

	"github.com/bianmin/kiosk/devices/serialport"
)

// Source yields payloads. Next blocks until a payload, a recoverable error
// (ErrTooLong) or a fatal one (the device is gone); Close unblocks it.
type Source interface {
	Next() (string, error)
	Close() error
}

// Opener opens a Source; the Service calls it again after a failure.
type Opener func(ctx context.Context) (Source, error)

type lineSource struct {
	*LineReader
	io.Closer
}

// NewLineSource wraps a stream in line mode (for tests and pipes).
func NewLineSource(rc io.ReadCloser) Source {
	return lineSource{NewLineReader(rc, MaxPayload), rc}
}

// DefaultBaud is the usual factory setting of serial scanners.
const DefaultBaud = 9600

// SerialOpener opens a serial scanner in line mode through serialport's one
// opener (baud 0: DefaultBaud). A scanner speaks only when it reads a code
// and has no query, so there is no probe: an open port is a ready scanner.
func SerialOpener(path string, baud int) Opener {
	if baud == 0 {
		baud = DefaultBaud
	}
	// No read timeout: the reader waits in the runtime's poller until the
	// scanner speaks or the port is closed (Service.read closes it when its
	// context ends), so an idle scanner costs no wake-up; a 100 ms timeout
	// woke the kiosk 10 times a second for nothing.
	open := serialport.Opener(serialport.Config{Path: path, Baud: baud})
	return func(ctx context.Context) (Source, error) {
		p, err := open(ctx)
		if err != nil {
			return nil, err
		}
		return NewLineSource(p), nil
	}
}

type evdevSource struct {
	dev *evdev.InputDevice
	tr  *Translator
}

// EvdevOpener opens a keyboard-wedge scanner at path (a /dev/input/event*
// node, best a stable /dev/input/by-id/*-event-kbd link) and grabs it
// exclusively (EVIOCGRAB), so its keystrokes reach only us. Untestable
// here without a device; the translation is tested through Translator.
func EvdevOpener(path string) Opener {
	return func(context.Context) (Source, error) {
		dev, err := evdev.Open(path)
		if err != nil {
			return nil, fmt.Errorf("qr evdev: %w", err)
		}
		if err := dev.Grab(); err != nil {
			dev.Close()
			return nil, fmt.Errorf("qr evdev: grab: %w", err)
		}
		return &evdevSource{dev: dev, tr: NewTranslator(MaxPayload)}, nil
	}
}

func (s *evdevSource) Next() (string, error) {
	for {
		ev, err := s.dev.ReadOne()
		if err != nil {
			return "", fmt.Errorf("qr evdev: %w", err)
		}
		if p, done, err := s.tr.Feed(uint16(ev.Type), uint16(ev.Code), ev.Value); done {
			return p, err
		}
	}
}

func (s *evdevSource) Close() error {
	s.dev.Ungrab()
	return s.dev.Close()
}
