package idcard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"time"

	"github.com/bianmin/kiosk/devices/serialport"
)

// serialReadTimeout is the port's read timeout: short, so that the Client's
// reading goroutine notices Close promptly.
const serialReadTimeout = 100 * time.Millisecond

// SerialOpener opens path at baud for the Service. With baud 0 every open
// probes the rates of Bauds first (ProbeBaud).
func SerialOpener(path string, baud int) Opener {
	return func(ctx context.Context) (io.ReadWriteCloser, error) {
		b := baud
		if b == 0 {
			var err error
			if b, err = ProbeBaud(ctx, path); err != nil {
				return nil, err
			}
		}
		p, err := serialport.Open(serialport.Config{Path: path, Baud: b, ReadTimeout: serialReadTimeout})
		if err != nil {
			return nil, err
		}
		return p, nil
	}
}

// ErrNotAReader is returned when nothing on a port answers SAM status.
var ErrNotAReader = errors.New("no GA 467 reader answers")

// ProbeBaud tries each rate of Bauds with a SAM status command and returns
// the first that answers with a valid frame (whatever its SW3: a SAM in
// self-test failure still proves the rate).
func ProbeBaud(ctx context.Context, path string) (int, error) {
	for _, b := range Bauds {
		if err := probe(ctx, path, b); err == nil {
			return b, nil
		} else if ctx.Err() != nil {
			return 0, ctx.Err()
		}
	}
	return 0, fmt.Errorf("probe %s: %w", path, ErrNotAReader)
}

func probe(ctx context.Context, path string, baud int) error {
	p, err := serialport.Open(serialport.Config{Path: path, Baud: baud, ReadTimeout: serialReadTimeout})
	if err != nil {
		return err
	}
	defer p.Close()
	c := NewClient(p)
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	_, err = c.Do(ctx, CmdSAMStatus, nil)
	return err
}

// Found is a reader found by Discover.
type Found struct {
	Path string // serial device path (or "usb:VID:PID" from the usb package)
	Baud int
}

// SerialCandidates lists the ports Discover probes: stable by-id links
// first, then ttyUSB and ttyACM devices.
func SerialCandidates() []string {
	var out []string
	for _, g := range []string{"/dev/serial/by-id/*", "/dev/ttyUSB*", "/dev/ttyACM*"} {
		m, _ := filepath.Glob(g)
		sort.Strings(m)
		out = append(out, m...)
	}
	return out
}

// Discover probes paths (SerialCandidates when nil) with SAM status at each
// baud rate and returns those that answer. USB vendor-bulk readers are
// found by the usb package.
func Discover(ctx context.Context, paths []string) []Found {
	if paths == nil {
		paths = SerialCandidates()
	}
	var out []Found
	seen := map[string]bool{}
	for _, p := range paths {
		real, err := filepath.EvalSymlinks(p)
		if err == nil && seen[real] {
			continue
		}
		seen[real] = true
		if b, err := ProbeBaud(ctx, p); err == nil {
			out = append(out, Found{Path: p, Baud: b})
		}
		if ctx.Err() != nil {
			break
		}
	}
	return out
}
