package escpos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// Status errors.
var (
	// ErrBadStatus means a DLE EOT reply did not have bit 1 and bit 4 set
	// and bit 0 clear: the byte is not a status reply.
	ErrBadStatus = errors.New("bad status byte")
	// ErrNoReply means the printer did not answer a status query in time.
	ErrNoReply = errors.New("no status reply")
)

// Status is the decoded answer to DLE EOT 1–4. Raw holds the four reply
// bytes as read.
type Status struct {
	Raw [4]byte

	Offline         bool // n=1 bit 3
	WaitingRecovery bool // n=1 bit 5
	CoverOpen       bool // n=2 bit 2
	FeedButton      bool // n=2 bit 3
	PaperEndStop    bool // n=2 bit 5: printing stopped by paper end
	ErrorOccurred   bool // n=2 bit 6
	CutterError     bool // n=3 bit 3
	Unrecoverable   bool // n=3 bit 5
	AutoRecoverable bool // n=3 bit 6
	PaperNearEnd    bool // n=4 bits 2–3
	PaperEnd        bool // n=4 bits 5–6
}

// StatusQuery is the DLE EOT n command.
func StatusQuery(n int) []byte { return []byte{DLE, EOT, byte(n)} }

// ValidStatusByte reports whether b has the fixed bits of a DLE EOT reply.
func ValidStatusByte(b byte) bool { return b&0x12 == 0x12 && b&0x01 == 0 }

// ParseStatus decodes the replies to DLE EOT 1, 2, 3 and 4, in that order.
func ParseStatus(r [4]byte) (Status, error) {
	for i, b := range r {
		if !ValidStatusByte(b) {
			return Status{}, fmt.Errorf("escpos: status %d: %#02x: %w", i+1, b, ErrBadStatus)
		}
	}
	return Status{
		Raw:             r,
		Offline:         r[0]&0x08 != 0,
		WaitingRecovery: r[0]&0x20 != 0,
		CoverOpen:       r[1]&0x04 != 0,
		FeedButton:      r[1]&0x08 != 0,
		PaperEndStop:    r[1]&0x20 != 0,
		ErrorOccurred:   r[1]&0x40 != 0,
		CutterError:     r[2]&0x08 != 0,
		Unrecoverable:   r[2]&0x20 != 0,
		AutoRecoverable: r[2]&0x40 != 0,
		PaperNearEnd:    r[3]&0x0C != 0,
		PaperEnd:        r[3]&0x60 != 0,
	}, nil
}

// Encode returns the four reply bytes that describe s (used by the simulator).
func (s Status) Encode() [4]byte {
	r := [4]byte{0x12, 0x12, 0x12, 0x12}
	set := func(i int, on bool, mask byte) {
		if on {
			r[i] |= mask
		}
	}
	set(0, s.Offline, 0x08)
	set(0, s.WaitingRecovery, 0x20)
	set(1, s.CoverOpen, 0x04)
	set(1, s.FeedButton, 0x08)
	set(1, s.PaperEndStop, 0x20)
	set(1, s.ErrorOccurred, 0x40)
	set(2, s.CutterError, 0x08)
	set(2, s.Unrecoverable, 0x20)
	set(2, s.AutoRecoverable, 0x40)
	set(3, s.PaperNearEnd, 0x0C)
	set(3, s.PaperEnd, 0x60)
	return r
}

// deadliner is implemented by *os.File (ptys, /dev/usb/lp*) and net.Conn.
type deadliner interface{ SetReadDeadline(time.Time) error }

// QueryStatus sends DLE EOT 1–4 and reads the four replies, skipping XON
// and XOFF. It must only be called between commands, never inside one. ctx
// bounds the whole exchange: a silent printer gives ErrNoReply. The reader
// must either return (0, nil) on a read timeout (devices/serialport) or
// support SetReadDeadline; a plain blocking reader is only interrupted by
// its own close.
func QueryStatus(ctx context.Context, rw io.ReadWriter) (Status, error) {
	var raw [4]byte
	for n := 1; n <= 4; n++ {
		if err := ctx.Err(); err != nil {
			return Status{}, fmt.Errorf("escpos: status: %w", ErrNoReply)
		}
		if _, err := rw.Write(StatusQuery(n)); err != nil {
			return Status{}, fmt.Errorf("escpos: status: write: %w", err)
		}
		b, err := readReply(ctx, rw)
		if err != nil {
			return Status{}, fmt.Errorf("escpos: status %d: %w", n, err)
		}
		raw[n-1] = b
	}
	return ParseStatus(raw)
}

// readReply reads one status byte, skipping XON/XOFF.
func readReply(ctx context.Context, r io.Reader) (byte, error) {
	d, hasDeadline := r.(deadliner)
	if hasDeadline {
		defer d.SetReadDeadline(time.Time{})
	}
	var one [1]byte
	for {
		if ctx.Err() != nil {
			return 0, ErrNoReply
		}
		if hasDeadline {
			dl := time.Now().Add(50 * time.Millisecond)
			if t, ok := ctx.Deadline(); ok && t.Before(dl) {
				dl = t
			}
			if err := d.SetReadDeadline(dl); err != nil {
				hasDeadline = false
			}
		}
		n, err := r.Read(one[:])
		if n == 1 {
			if one[0] == 0x11 || one[0] == 0x13 {
				continue
			}
			return one[0], nil
		}
		if err != nil {
			if isTimeout(err) {
				continue
			}
			if errors.Is(err, io.EOF) {
				return 0, ErrNoReply
			}
			return 0, err
		}
	}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
