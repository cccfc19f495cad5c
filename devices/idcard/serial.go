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

// ErrNotAReader is returned when nothing on a port answers SAM status.
var ErrNotAReader = errors.New("no GA 467 reader answers")

// SerialConfig is how the reader's port is opened: every open, of a real
// port or of the simulator's pty, asks the SAM its status before the port is
// handed out. Baud 0 tries the rates of Bauds.
func SerialConfig(path string, baud int) serialport.Config {
	// No read timeout: the Client's reading goroutine sleeps in the
	// runtime's poller while the line is idle, and Client.Close wakes it
	// with a read deadline.
	return serialport.Config{Path: path, Baud: baud, Bauds: Bauds, Probe: ProbeSAM, NoAnswer: ErrNotAReader}
}

// SerialOpener opens path at baud for the Service through serialport's one
// opener, with the SAM status probe (see SerialConfig); a port where no
// reader answers gives an error matching ErrNotAReader.
func SerialOpener(path string, baud int) Opener {
	return serialport.Opener(SerialConfig(path, baud))
}

// ProbeSAM is the reader's serialport.Prober: a SAM status command that
// must come back as a valid frame (whatever its SW3: a SAM in self-test
// failure still proves the rate).
func ProbeSAM(ctx context.Context, rw io.ReadWriter) error {
	c := NewClient(rw)
	_, err := c.Do(ctx, CmdSAMStatus, nil)
	if !c.release(time.Second) && err == nil {
		err = errors.New("probe: port reader did not stop")
	}
	return err
}

// ProbeBaud tries each rate of Bauds with a SAM status command and returns
// the first that answers.
func ProbeBaud(ctx context.Context, path string) (int, error) {
	p, err := serialport.Open(ctx, SerialConfig(path, 0))
	if err != nil {
		return 0, fmt.Errorf("probe: %w", err)
	}
	defer p.Close()
	return p.Baud(), nil
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
