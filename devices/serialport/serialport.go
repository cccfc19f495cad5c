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
	"os"
	"slices"
	"sync"
	"time"

	"github.com/tarm/serial"
	"golang.org/x/sys/unix"
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
	NoAnswer error
	// ReadTimeout bounds each Read, which then returns (0, nil): 0 blocks
	// until data arrives, the port is closed or a deadline set with
	// SetReadDeadline passes (the device's reader goroutine then sleeps
	// in the runtime's poller, costing nothing while the line is idle).
	ReadTimeout time.Duration
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

// Port is an open serial port. Its descriptor is non-blocking and waits in
// the Go runtime's poller, so a reader blocked on an idle line costs no
// thread, no system call and no wake-up; ReadTimeout and SetReadDeadline
// bound a Read, which then returns (0, nil) rather than an error, so that
// an idle line is never taken for a disconnect. End of file (a hang-up) and
// every other failure surface as errors from Read or Write.
type Port struct {
	f       *os.File
	baud    int
	timeout time.Duration
	lock    *portLock // held from Open to Close (lock.go)
	once    sync.Once
	raw     int // the descriptor while Detach has it out of the poller, else -1
}

// openAt opens the port and sets it raw, 8N1, at baud (receiver on, modem
// lines ignored), keeping its descriptor non-blocking.
//
// The line is set by github.com/tarm/serial, the customer's serial library:
// it opens a second descriptor on the same tty, sets the termios (raw 8N1,
// VMIN 1, no HUPCL) and is closed again. Line settings belong to the tty, not
// to a descriptor, and our descriptor keeps the tty open meanwhile, so the
// line stays as set and is never hung up. Ours is the one the kiosk reads
// and writes: non-blocking, waiting in Go's poller with deadlines, where
// tarm's own port would park a thread in read(2) for every poll.
func openAt(c Config, baud int) (*Port, error) {
	f, err := os.OpenFile(c.Path, unix.O_RDWR|unix.O_NOCTTY|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("serialport: open %s: %w", c.Path, err)
	}
	line, err := serial.OpenPort(&serial.Config{Name: c.Path, Baud: baud, Size: 8, Parity: serial.ParityNone, StopBits: serial.Stop1})
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("serialport: open %s: set line at %d baud: %w", c.Path, baud, err)
	}
	if err := line.Close(); err != nil {
		f.Close()
		return nil, fmt.Errorf("serialport: open %s: set line: %w", c.Path, err)
	}
	return &Port{f: f, baud: baud, timeout: c.ReadTimeout, raw: -1}, nil
}

// Open opens the port described by c. With a Probe it tries each rate of
// c (see Config.Baud) and returns the port at the first rate where the
// device answers, or an error matching ErrNoAnswer. A port that cannot be
// opened at all fails at once, and a port another open holds (the running
// kiosk) fails with ErrBusy before the device is touched.
func Open(ctx context.Context, c Config) (_ *Port, err error) {
	lk, err := lockPort(c.Path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			lk.release()
		}
	}()
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
			p.lock = lk
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
			p.lock = lk
			return p, nil
		}
		p.Close()
		errs = append(errs, fmt.Errorf("%d baud: %w", b, err))
	}
	err = fmt.Errorf("serialport: %s: %w (%w)", c.Path, ErrNoAnswer, errors.Join(errs...))
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
	if p.timeout > 0 {
		p.f.SetReadDeadline(time.Now().Add(p.timeout))
	}
	n, err := p.f.Read(b)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return n, nil
	}
	return n, err
}

// SetReadDeadline makes a blocked or later Read return (0, nil) at t; the
// zero time removes the deadline. A device client uses it to stop its
// reading goroutine before another takes the line over.
func (p *Port) SetReadDeadline(t time.Time) error { return p.f.SetReadDeadline(t) }

// SetWriteDeadline bounds Write: past t it fails with os.ErrDeadlineExceeded.
func (p *Port) SetWriteDeadline(t time.Time) error { return p.f.SetWriteDeadline(t) }

// Write implements io.Writer.
func (p *Port) Write(b []byte) (int, error) { return p.f.Write(b) }

// Flush discards data received but not read and data written but not sent.
func (p *Port) Flush() error {
	return control(p.f, func(fd int) error { return unix.IoctlSetInt(fd, unix.TCFLSH, unix.TCIOFLUSH) })
}

// Detach takes the line out of the Go runtime's poller and hands its
// descriptor (non-blocking, the line as set) to a caller that reads and
// writes it itself, off the Go scheduler (the ID card reader's find-card
// thread, devices/idcard/findpoll): a descriptor left in the poller wakes
// the runtime for every byte the device sends. The port keeps its lock.
// Until Attach, the Port must not be read or written, and no Read may be
// in flight; Close still closes the detached descriptor.
func (p *Port) Detach() (int, error) {
	if p.raw >= 0 {
		return p.raw, nil
	}
	fd := -1
	err := control(p.f, func(f int) error {
		var derr error
		fd, derr = unix.Dup(f)
		return derr
	})
	if err != nil {
		return -1, fmt.Errorf("serialport: detach: %w", err)
	}
	if err := p.f.Close(); err != nil { // leaves the poller; the line stays open through fd
		unix.Close(fd)
		return -1, fmt.Errorf("serialport: detach: %w", err)
	}
	p.raw = fd
	return fd, nil
}

// Attach puts a detached line back into the Go runtime's poller, for Read
// and Write again.
func (p *Port) Attach() error {
	if p.raw < 0 {
		return nil
	}
	name := p.f.Name()
	f := os.NewFile(uintptr(p.raw), name) // non-blocking: registered with the poller
	if f == nil {
		return fmt.Errorf("serialport: attach %s: bad descriptor", name)
	}
	p.f, p.raw = f, -1
	return nil
}

// Close closes the port and releases its lock.
func (p *Port) Close() error {
	var err error
	if p.raw >= 0 {
		err = unix.Close(p.raw)
		p.raw = -1
	} else {
		err = p.f.Close()
	}
	p.once.Do(func() { p.lock.release() })
	return err
}

// control runs fn on f's descriptor (f.Fd would switch it to blocking).
func control(f *os.File, fn func(fd int) error) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}
