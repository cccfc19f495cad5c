package idcard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Preamble starts every frame in both directions.
var Preamble = []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69}

// MaxLen is the largest LEN accepted. The biggest documented reply (text,
// photo and fingerprint) is 3+6+256+1024+1024+1 bytes; anything above is
// garbage and is skipped.
const MaxLen = 2400

// headerLen is the preamble plus the two LEN bytes.
const headerLen = 7

// Command is a host command: CMD and PARA.
type Command struct {
	Cmd, Para byte
	Name      string
}

// The commands of the reference table.
var (
	CmdResetSAM       = Command{0x10, 0xFF, "reset SAM"}
	CmdSAMStatus      = Command{0x11, 0xFF, "SAM status"}
	CmdSAMID          = Command{0x12, 0xFF, "read SAM ID"}
	CmdFindCard       = Command{0x20, 0x01, "find card"}
	CmdSelectCard     = Command{0x20, 0x02, "select card"}
	CmdReadBase       = Command{0x30, 0x01, "read text and photo"}
	CmdReadNewAddress = Command{0x30, 0x03, "read new address"}
	CmdReadFinger     = Command{0x30, 0x10, "read text, photo and fingerprint"}
	CmdSetMaxRFFrame  = Command{0x61, 0xFF, "set max RF frame"}
)

// Bauds lists the rates a reader can be switched to, in PARA order of the
// set-baud command (60 00 … 60 04).
var Bauds = []int{115200, 57600, 38400, 19200, 9600}

// CmdSetBaud returns the set-baud command for baud, or false when the rate
// is not one of Bauds.
func CmdSetBaud(baud int) (Command, bool) {
	for i, b := range Bauds {
		if b == baud {
			return Command{0x60, byte(i), "set baud"}, true
		}
	}
	return Command{}, false
}

// Errors of the frame layer.
var (
	ErrChecksum = errors.New("frame checksum mismatch")
	ErrShort    = errors.New("frame too short")
)

func xor(b []byte) byte {
	var c byte
	for _, x := range b {
		c ^= x
	}
	return c
}

// encode builds preamble, LEN, body, CHK.
func encode(body []byte) []byte {
	n := len(body) + 1
	f := make([]byte, 0, headerLen+n)
	f = append(f, Preamble...)
	f = binary.BigEndian.AppendUint16(f, uint16(n))
	f = append(f, body...)
	return append(f, xor(f[5:]))
}

// EncodeCommand builds a host frame: preamble, LEN, CMD, PARA, data, CHK.
func EncodeCommand(c Command, data []byte) []byte {
	return encode(append([]byte{c.Cmd, c.Para}, data...))
}

// EncodeReply builds a SAM frame: preamble, LEN, SW1 SW2 SW3, data, CHK.
// The simulator uses it.
func EncodeReply(sw1, sw2, sw3 byte, data []byte) []byte {
	return encode(append([]byte{sw1, sw2, sw3}, data...))
}

// Reply is a decoded SAM frame.
type Reply struct {
	SW1, SW2, SW3 byte
	Data          []byte
}

// ParseReply splits a frame body (as returned by Receiver.Next) into status
// words and data.
func ParseReply(body []byte) (Reply, error) {
	if len(body) < 3 {
		return Reply{}, fmt.Errorf("reply: %w", ErrShort)
	}
	return Reply{SW1: body[0], SW2: body[1], SW3: body[2], Data: body[3:]}, nil
}

// ParseCommand splits a host frame body into command and data.
func ParseCommand(body []byte) (Command, []byte, error) {
	if len(body) < 2 {
		return Command{}, nil, fmt.Errorf("command: %w", ErrShort)
	}
	return Command{Cmd: body[0], Para: body[1]}, body[2:], nil
}

// Receiver reads frames from a byte stream. It hunts for the preamble,
// reads LEN and then LEN bytes however they are fragmented, verifies the
// checksum, and resynchronises after garbage, absurd lengths or a bad
// checksum by rescanning from the byte after the rejected preamble.
// It is not safe for concurrent use.
type Receiver struct {
	r   io.Reader
	buf []byte // unconsumed bytes
	tmp []byte

	// Skipped counts bytes discarded while hunting for frames.
	Skipped int
}

// NewReceiver returns a Receiver reading from r.
func NewReceiver(r io.Reader) *Receiver {
	return &Receiver{r: r, tmp: make([]byte, 2048)}
}

// Reset discards buffered bytes (stale replies after a timeout).
func (rc *Receiver) Reset() {
	rc.Skipped += len(rc.buf)
	rc.buf = nil
}

// Buffered returns the number of bytes held but not yet consumed.
func (rc *Receiver) Buffered() int { return len(rc.buf) }

// Next returns the body of the next frame: the LEN-1 bytes between LEN and
// CHK. A frame with a bad checksum is dropped and reported as ErrChecksum;
// the next call resynchronises. Errors of the underlying reader are
// returned as they are, after rescanning what is buffered for a frame
// hidden behind a truncated one. A read that
// returns (0, nil) is retried, so the reader should block or time out.
func (rc *Receiver) Next() ([]byte, error) {
	for {
		body, err, ok := rc.scan()
		if ok {
			return body, err
		}
		n, rerr := rc.r.Read(rc.tmp)
		rc.buf = append(rc.buf, rc.tmp[:n]...)
		if rerr != nil && n == 0 {
			// The stream ended or failed: a frame hidden behind a
			// truncated one can still be recovered by rescanning.
			for len(rc.buf) > 0 {
				rc.drop(1)
				if body, err, ok := rc.scan(); ok {
					return body, err
				}
			}
			return nil, rerr
		}
	}
}

// scan looks for a complete frame in buf; ok is false when more bytes are
// needed.
func (rc *Receiver) scan() (body []byte, err error, ok bool) {
	for {
		i := bytes.Index(rc.buf, Preamble)
		if i < 0 {
			// keep a possible partial preamble at the end
			keep := min(len(rc.buf), len(Preamble)-1)
			for keep > 0 && !bytes.HasPrefix(Preamble, rc.buf[len(rc.buf)-keep:]) {
				keep--
			}
			rc.drop(len(rc.buf) - keep)
			return nil, nil, false
		}
		rc.drop(i)
		if len(rc.buf) < headerLen {
			return nil, nil, false
		}
		n := int(binary.BigEndian.Uint16(rc.buf[5:7]))
		if n < 2 || n > MaxLen {
			rc.drop(1) // absurd length: not a frame
			continue
		}
		if len(rc.buf) < headerLen+n {
			return nil, nil, false
		}
		frame := rc.buf[:headerLen+n]
		if xor(frame[5:len(frame)-1]) != frame[len(frame)-1] {
			rc.drop(1)
			return nil, ErrChecksum, true
		}
		body = bytes.Clone(frame[headerLen : len(frame)-1])
		rc.buf = rc.buf[headerLen+n:]
		return body, nil, true
	}
}

func (rc *Receiver) drop(n int) {
	if n <= 0 {
		return
	}
	rc.Skipped += n
	rc.buf = rc.buf[n:] // no copy: append reallocates when capacity runs out
}
