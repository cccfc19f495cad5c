// Package usb is the vendor-bulk USB transport of GA 467 readers (for
// example VID 0400 PID C35A). One frame travels split over two pipes each
// way: preamble+LEN on OUT 0x02 / IN 0x81, the rest on OUT 0x06 / IN 0x85.
// Conn joins and splits frames so that the ordinary idcard codec runs on it
// unchanged. All cgo (gousb, libusb) of the reader stays in this package;
// only cmd/ imports it.
package usb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/bianmin/kiosk/devices/idcard"
)

// pipes are the four endpoints. Reads may return (0, nil) on a timeout.
type pipes struct {
	outHead, outBody io.Writer // 0x02, 0x06
	inHead, inBody   io.Reader // 0x81, 0x85
}

// maxBodyWaits bounds how many empty reads of the body pipe are tolerated
// after a header arrived before the partial frame is handed on (the codec
// then times out and resynchronises).
const maxBodyWaits = 30

// Conn is an io.ReadWriteCloser over the split pipes. Write expects whole
// host frames (the idcard Client writes one per call); Read returns joined
// SAM frames.
type Conn struct {
	p     pipes
	close func() error

	wmu  sync.Mutex
	wbuf []byte

	rbuf []byte
	tmp  []byte
}

var errNotFrame = errors.New("usb: write is not a frame")

func newConn(p pipes, closer func() error) *Conn {
	return &Conn{p: p, close: closer, tmp: make([]byte, 4096)}
}

// Write buffers p and sends every complete frame split over the two OUT
// pipes. Bytes before a preamble are discarded.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = append(c.wbuf, p...)
	for {
		i := bytes.Index(c.wbuf, idcard.Preamble)
		if i < 0 {
			if len(c.wbuf) > 4096 {
				c.wbuf = c.wbuf[:0]
				return len(p), errNotFrame
			}
			return len(p), nil
		}
		c.wbuf = c.wbuf[i:]
		if len(c.wbuf) < 7 {
			return len(p), nil
		}
		n := 7 + int(binary.BigEndian.Uint16(c.wbuf[5:7]))
		if len(c.wbuf) < n {
			return len(p), nil
		}
		if _, err := c.p.outHead.Write(c.wbuf[:7]); err != nil {
			return 0, fmt.Errorf("usb: write head: %w", err)
		}
		if _, err := c.p.outBody.Write(c.wbuf[7:n]); err != nil {
			return 0, fmt.Errorf("usb: write body: %w", err)
		}
		c.wbuf = append(c.wbuf[:0], c.wbuf[n:]...)
	}
}

// Read returns joined reply bytes: a header from IN 0x81, then LEN bytes
// from IN 0x85. A timed-out header read returns (0, nil).
func (c *Conn) Read(p []byte) (int, error) {
	if len(c.rbuf) == 0 {
		if err := c.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.rbuf)
	c.rbuf = c.rbuf[n:]
	return n, nil
}

func (c *Conn) fill() error {
	n, err := c.p.inHead.Read(c.tmp)
	if n == 0 {
		return err
	}
	c.rbuf = append(c.rbuf[:0], c.tmp[:n]...)
	if n < 7 || !bytes.HasPrefix(c.rbuf, idcard.Preamble) {
		return nil // not a header: let the codec resynchronise
	}
	want := 7 + int(binary.BigEndian.Uint16(c.rbuf[5:7]))
	if want-7 > idcard.MaxLen {
		return nil
	}
	for waits := 0; len(c.rbuf) < want && waits < maxBodyWaits; {
		n, err := c.p.inBody.Read(c.tmp)
		c.rbuf = append(c.rbuf, c.tmp[:n]...)
		if err != nil {
			if n == 0 && len(c.rbuf) > 0 {
				return nil // deliver what came; the error repeats on the next read
			}
			return err
		}
		if n == 0 {
			waits++
		}
	}
	return nil
}

// Close releases the device.
func (c *Conn) Close() error {
	if c.close == nil {
		return nil
	}
	return c.close()
}
