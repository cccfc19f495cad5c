package usb

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/idcard"
)

// packets is a fake bulk IN pipe: each Read returns one queued packet, or
// (0, nil) like a timeout when none is queued.
type packets struct {
	mu sync.Mutex
	q  [][]byte
}

func (p *packets) push(b ...[]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.q = append(p.q, b...)
}

func (p *packets) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.q) == 0 {
		return 0, nil
	}
	n := copy(b, p.q[0])
	p.q = p.q[1:]
	return n, nil
}

// writes records each OUT transfer.
type writes struct {
	mu sync.Mutex
	w  [][]byte
}

func (w *writes) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.w = append(w.w, bytes.Clone(b))
	return len(b), nil
}

func TestWriteSplits(t *testing.T) {
	head, body := &writes{}, &writes{}
	c := newConn(pipes{outHead: head, outBody: body, inHead: &packets{}, inBody: &packets{}}, nil)
	f1 := idcard.EncodeCommand(idcard.CmdFindCard, nil)
	f2 := idcard.EncodeCommand(idcard.CmdSetMaxRFFrame, []byte{0x50})
	// one frame whole, one in two writes with garbage before it
	c.Write(f1)
	c.Write(append([]byte{0x01, 0x02}, f2[:4]...))
	c.Write(f2[4:])
	wantHead := [][]byte{f1[:7], f2[:7]}
	wantBody := [][]byte{f1[7:], f2[7:]}
	if len(head.w) != 2 || len(body.w) != 2 {
		t.Fatalf("head %x body %x", head.w, body.w)
	}
	for i := range wantHead {
		if !bytes.Equal(head.w[i], wantHead[i]) || !bytes.Equal(body.w[i], wantBody[i]) {
			t.Errorf("frame %d: head % x body % x", i, head.w[i], body.w[i])
		}
	}
	if !bytes.Equal(body.w[0], []byte{0x20, 0x01, 0x22}) {
		t.Errorf("OUT 0x06 got % x, want CMD PARA CHK", body.w[0])
	}
}

func TestReadJoins(t *testing.T) {
	big := idcard.EncodeReply(0, 0, 0x90, idcard.EncodeBaseData(bytes.Repeat([]byte{' ', 0}, 128), make([]byte, 1024)))
	small := idcard.EncodeReply(0, 0, 0x9F, make([]byte, 4))
	inHead, inBody := &packets{}, &packets{}
	// the body of the big reply arrives in 64-byte packets, some late
	inHead.push(big[:7], small[:7])
	for i := 7; i < len(big); i += 64 {
		inBody.push(big[i:min(i+64, len(big))])
		if i%320 == 7 {
			inBody.push(nil) // an empty read (timeout) in between
		}
	}
	inBody.push(small[7:])
	c := newConn(pipes{outHead: &writes{}, outBody: &writes{}, inHead: inHead, inBody: inBody}, nil)
	// Drive the codec directly over the Conn.
	rc := idcard.NewReceiver(c)
	b1, err := rc.Next()
	if err != nil || len(b1) != len(big)-8 || b1[2] != 0x90 {
		t.Fatalf("big: %d bytes, %v", len(b1), err)
	}
	b2, err := rc.Next()
	if err != nil || b2[2] != 0x9F {
		t.Fatalf("small: % x, %v", b2, err)
	}
}

// TestClientOverSplitPipes runs a whole exchange: a fake device answers
// every command written to the OUT pipes on the IN pipes.
func TestClientOverSplitPipes(t *testing.T) {
	inHead, inBody := &packets{}, &packets{}
	dev := &fakeDevice{inHead: inHead, inBody: inBody}
	c := newConn(pipes{outHead: &writes{}, outBody: dev, inHead: inHead, inBody: inBody}, nil)
	cl := idcard.NewClient(c)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cl.SAMStatus(ctx); err != nil {
		t.Fatal(err)
	}
	if id, err := cl.SAMID(ctx); err != nil || id == "" {
		t.Fatalf("SAMID %q %v", id, err)
	}
}

// fakeDevice answers on the IN pipes when a body arrives on OUT 0x06.
type fakeDevice struct{ inHead, inBody *packets }

func (d *fakeDevice) Write(b []byte) (int, error) {
	var reply []byte
	switch b[0] {
	case 0x11:
		reply = idcard.EncodeReply(0, 0, 0x90, nil)
	case 0x12:
		reply = idcard.EncodeReply(0, 0, 0x90, make([]byte, 16))
	default:
		reply = idcard.EncodeReply(0, 0, 0x21, nil)
	}
	d.inBody.push(reply[7:])
	d.inHead.push(reply[:7])
	return len(b), nil
}
