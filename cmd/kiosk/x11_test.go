package main

// A minimal X11 client for the appliance benchmarks: the core requests to
// find the kiosk's mapped window and read its pixels, and the XTEST
// extension to send pointer events exactly as xdotool does. No library of
// the kiosk is involved, so the figures are what an observer outside the
// process sees on the display.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

type xconn struct {
	c       net.Conn
	root    uint32
	xtest   byte   // major opcode of XTEST, 0 when absent
	xidBase uint32 // resource-id-base of the connection (for DamageCreate)

	damage      byte // major opcode of DAMAGE, 0 until watchDamage
	damageEvent byte // its DamageNotify event code
	// lastDamage is when the last DamageNotify of the watched window
	// arrived (read between or during requests): when the server had
	// taken a paint of the window.
	lastDamage time.Time
}

var le = binary.LittleEndian

func dialX(display int, timeout time.Duration) (*xconn, error) {
	var c net.Conn
	var err error
	deadline := time.Now().Add(timeout)
	for {
		c, err = net.Dial("unix", fmt.Sprintf("/tmp/.X11-unix/X%d", display))
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return nil, fmt.Errorf("x11: %w", err)
	}
	x := &xconn{c: c}
	if err := x.setup(); err != nil {
		c.Close()
		return nil, err
	}
	return x, nil
}

func (x *xconn) Close() error { return x.c.Close() }

func (x *xconn) setup() error {
	req := []byte{'l', 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	if _, err := x.c.Write(req); err != nil {
		return fmt.Errorf("x11 setup: %w", err)
	}
	head := make([]byte, 8)
	if _, err := io.ReadFull(x.c, head); err != nil {
		return fmt.Errorf("x11 setup: %w", err)
	}
	data := make([]byte, int(le.Uint16(head[6:]))*4)
	if _, err := io.ReadFull(x.c, data); err != nil {
		return fmt.Errorf("x11 setup: %w", err)
	}
	if head[0] != 1 {
		return fmt.Errorf("x11 setup refused: %q", data)
	}
	x.xidBase = le.Uint32(data[4:])
	vendorLen := int(le.Uint16(data[16:]))
	formats := int(data[21])
	off := 32 + (vendorLen+3)/4*4 + formats*8
	x.root = le.Uint32(data[off:])
	op, err := x.queryExtension("XTEST")
	if err != nil {
		return err
	}
	x.xtest = op
	return nil
}

// roundTrip sends one request and reads its reply (32 bytes and the rest).
func (x *xconn) roundTrip(req []byte) ([]byte, error) {
	if _, err := x.c.Write(req); err != nil {
		return nil, fmt.Errorf("x11: %w", err)
	}
	for {
		head := make([]byte, 32)
		if _, err := io.ReadFull(x.c, head); err != nil {
			return nil, fmt.Errorf("x11: %w", err)
		}
		switch head[0] {
		case 0:
			return nil, fmt.Errorf("x11: error %d for request %d", head[1], head[10])
		case 1:
			rest := make([]byte, int(le.Uint32(head[4:]))*4)
			if _, err := io.ReadFull(x.c, rest); err != nil {
				return nil, fmt.Errorf("x11: %w", err)
			}
			return append(head, rest...), nil
		}
		x.event(head) // an event: note a damage, skip anything else
	}
}

// event notes a DamageNotify of the watched window.
func (x *xconn) event(head []byte) {
	if x.damage != 0 && head[0]&0x7f == x.damageEvent {
		x.lastDamage = time.Now()
	}
}

// watchDamage asks the DAMAGE extension for an event each time the window
// is drawn to (level RawRectangles: every paint is reported, none merged),
// so a benchmark can wait for paints instead of reading the screen
// continuously (which would take the X server and a core from the kiosk
// it measures).
func (x *xconn) watchDamage(win uint32) error {
	req := make([]byte, 8, 16)
	req[0] = 98 // QueryExtension
	le.PutUint16(req[4:], 6)
	req = append(req, "DAMAGE\x00\x00"...)
	le.PutUint16(req[2:], uint16(len(req)/4))
	r, err := x.roundTrip(req)
	if err != nil {
		return err
	}
	if r[8] == 0 {
		return errors.New("x11: no DAMAGE extension")
	}
	op, ev := r[9], r[10]
	qv := make([]byte, 12)
	qv[0], qv[1] = op, 0 // DamageQueryVersion 1.1
	le.PutUint16(qv[2:], 3)
	le.PutUint32(qv[4:], 1)
	le.PutUint32(qv[8:], 1)
	if _, err := x.roundTrip(qv); err != nil {
		return fmt.Errorf("x11 damage version: %w", err)
	}
	cr := make([]byte, 16)
	cr[0], cr[1] = op, 1 // DamageCreate
	le.PutUint16(cr[2:], 4)
	le.PutUint32(cr[4:], x.xidBase|0x7)
	le.PutUint32(cr[8:], win)
	cr[12] = 0 // DamageReportRawRectangles
	if _, err := x.c.Write(cr); err != nil {
		return fmt.Errorf("x11 damage: %w", err)
	}
	x.damage, x.damageEvent = op, ev
	return x.sync() // an error for DamageCreate fails the sync
}

// waitDamage blocks until the next DamageNotify or the deadline.
func (x *xconn) waitDamage(deadline time.Time) error {
	if x.damage == 0 {
		return errors.New("x11: damage not watched")
	}
	defer x.c.SetReadDeadline(time.Time{})
	if err := x.c.SetReadDeadline(deadline); err != nil {
		return err
	}
	head := make([]byte, 32)
	for {
		if _, err := io.ReadFull(x.c, head); err != nil {
			return fmt.Errorf("x11: waiting for a paint: %w", err)
		}
		if head[0] == 0 {
			return fmt.Errorf("x11: error %d for request %d", head[1], head[10])
		}
		x.event(head)
		if head[0]&0x7f == x.damageEvent {
			return nil
		}
	}
}

func (x *xconn) queryExtension(name string) (byte, error) {
	n := len(name)
	req := make([]byte, 8+(n+3)/4*4)
	req[0] = 98
	le.PutUint16(req[2:], uint16(len(req)/4))
	le.PutUint16(req[4:], uint16(n))
	copy(req[8:], name)
	r, err := x.roundTrip(req)
	if err != nil {
		return 0, err
	}
	if r[8] == 0 {
		return 0, nil
	}
	return r[9], nil
}

type xwindow struct {
	id   uint32
	w, h int
}

// mapped returns the viewable top-level windows of at least 100×100.
func (x *xconn) mapped() ([]xwindow, error) {
	req := make([]byte, 8)
	req[0] = 15 // QueryTree
	le.PutUint16(req[2:], 2)
	le.PutUint32(req[4:], x.root)
	r, err := x.roundTrip(req)
	if err != nil {
		return nil, err
	}
	n := int(le.Uint16(r[16:]))
	var out []xwindow
	for i := range n {
		id := le.Uint32(r[32+4*i:])
		a := make([]byte, 8)
		a[0] = 3 // GetWindowAttributes
		le.PutUint16(a[2:], 2)
		le.PutUint32(a[4:], id)
		ar, err := x.roundTrip(a)
		if err != nil {
			continue // the window went away meanwhile
		}
		if ar[26] != 2 { // Viewable
			continue
		}
		g := make([]byte, 8)
		g[0] = 14 // GetGeometry
		le.PutUint16(g[2:], 2)
		le.PutUint32(g[4:], id)
		gr, err := x.roundTrip(g)
		if err != nil {
			continue
		}
		w, h := int(le.Uint16(gr[16:])), int(le.Uint16(gr[18:]))
		if w >= 100 && h >= 100 {
			out = append(out, xwindow{id, w, h})
		}
	}
	return out, nil
}

// image returns the 32-bit pixels of a rectangle of the root window.
func (x *xconn) image(px, py, w, h int) ([]byte, error) {
	req := make([]byte, 20)
	req[0], req[1] = 73, 2 // GetImage, ZPixmap
	le.PutUint16(req[2:], 5)
	le.PutUint32(req[4:], x.root)
	le.PutUint16(req[8:], uint16(px))
	le.PutUint16(req[10:], uint16(py))
	le.PutUint16(req[12:], uint16(w))
	le.PutUint16(req[14:], uint16(h))
	le.PutUint32(req[16:], 0xFFFFFFFF)
	r, err := x.roundTrip(req)
	if err != nil {
		return nil, err
	}
	return r[32:], nil
}

// sync waits until the server has handled every request sent before it.
func (x *xconn) sync() error {
	_, err := x.roundTrip([]byte{43, 0, 1, 0}) // GetInputFocus
	return err
}

// fake sends one XTEST event: 4 press, 5 release (detail: button), 6 motion.
func (x *xconn) fake(typ, detail byte, px, py int) error {
	if x.xtest == 0 {
		return errors.New("x11: no XTEST extension")
	}
	req := make([]byte, 36)
	req[0], req[1] = x.xtest, 2 // XTestFakeInput
	le.PutUint16(req[2:], 9)
	req[4], req[5] = typ, detail
	le.PutUint32(req[12:], x.root)
	le.PutUint16(req[24:], uint16(px))
	le.PutUint16(req[26:], uint16(py))
	_, err := x.c.Write(req)
	return err
}

// tap moves the pointer, presses the first button, releases it 80 ms
// later and returns the moment the release was sent (the event a tap acts
// on), once the server has taken it.
func (x *xconn) tap(px, py int) (time.Time, error) {
	if err := x.fake(6, 0, px, py); err != nil {
		return time.Time{}, err
	}
	if err := x.fake(4, 1, 0, 0); err != nil {
		return time.Time{}, err
	}
	if err := x.sync(); err != nil {
		return time.Time{}, err
	}
	time.Sleep(80 * time.Millisecond) // a finger's touch lasts about this long
	t0 := time.Now()
	if err := x.fake(5, 1, 0, 0); err != nil {
		return time.Time{}, err
	}
	return t0, x.sync()
}

func (x *xconn) move(px, py int) error {
	if err := x.fake(6, 0, px, py); err != nil {
		return err
	}
	return x.sync()
}
