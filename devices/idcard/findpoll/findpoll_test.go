//go:build linux && cgo

package findpoll

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/idcard/sim"
	"github.com/bianmin/kiosk/devices/ptypair"
	"github.com/bianmin/kiosk/devices/serialport"
	"golang.org/x/sys/unix"
)

func next(t *testing.T, pl *Poller) Result {
	t.Helper()
	select {
	case r, ok := <-pl.Results():
		if !ok {
			t.Fatal("results closed")
		}
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no report within 10 s")
	}
	return Result{}
}

func wantSW3(t *testing.T, r Result, sw3 byte) {
	t.Helper()
	if r.Err != nil || r.Reply.SW3 != sw3 {
		t.Fatalf("got %+v (err %v), want SW3 %02X", r.Reply, r.Err, sw3)
	}
}

// detached opens path as the kiosk does (lock, line set by tarm/serial,
// SAM probe when probe is set) and takes it out of the Go poller.
func detached(t *testing.T, path string, probe bool) int {
	t.Helper()
	cfg := serialport.Config{Path: path, Baud: 115200}
	if probe {
		cfg = idcard.SerialConfig(path, 115200)
	}
	p, err := serialport.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	fd, err := p.Detach()
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestPollsTheSimulator: against the GA 467 simulator at 115200 baud the
// thread reports no card, a card placed and its removal, each change once
// (Repeat 2: twice), and stays silent while nothing changes.
func TestPollsTheSimulator(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := Start(detached(t, path, true), Config{Interval: 20 * time.Millisecond, Repeat: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Stop()
	wantSW3(t, next(t, pl), 0x80)
	wantSW3(t, next(t, pl), 0x80)
	id, _ := testcards.Get("resident")
	before := r.Commands()
	r.PlaceCard(id)
	wantSW3(t, next(t, pl), idcard.SW3CardFound)
	wantSW3(t, next(t, pl), idcard.SW3CardFound)
	// Still lying there: polls go on, reports do not.
	for deadline := time.Now().Add(5 * time.Second); r.Commands() < before+10; {
		if time.Now().After(deadline) {
			t.Fatal("the thread stopped polling")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case extra := <-pl.Results():
		t.Fatalf("report without a change: %+v", extra)
	default:
	}
	r.RemoveCard()
	wantSW3(t, next(t, pl), 0x80)
}

// peer plays the reader on the master side of a pty: it reads one command
// and answers with the bytes given.
type peer struct {
	t  *testing.T
	pp *ptypair.Pair
	rc *idcard.Receiver
}

func newPeer(t *testing.T) *peer {
	pp, err := ptypair.Open()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pp.Close() })
	return &peer{t: t, pp: pp, rc: idcard.NewReceiver(pp.Master)}
}

func (p *peer) answer(b []byte) {
	p.t.Helper()
	p.pp.Master.SetReadDeadline(time.Now().Add(10 * time.Second))
	body, err := p.rc.Next()
	if err != nil {
		p.t.Fatal(err)
	}
	if c, _, _ := idcard.ParseCommand(body); c.Cmd != idcard.CmdFindCard.Cmd || c.Para != idcard.CmdFindCard.Para {
		p.t.Fatalf("command %02X %02X, want find card", c.Cmd, c.Para)
	}
	if _, err := p.pp.Master.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

// queued waits until the line holds n unread bytes.
func queued(t *testing.T, fd, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		q, err := unix.IoctlGetInt(fd, unix.TIOCINQ)
		if err != nil {
			t.Fatal(err)
		}
		if q >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes queued, want %d", q, n)
		}
		time.Sleep(time.Millisecond)
	}
}

var (
	noCard = idcard.EncodeReply(0, 0, 0x80, nil)
	found  = idcard.EncodeReply(0, 0, idcard.SW3CardFound, make([]byte, 4))
)

// TestStaleReplyIsNotTheAnswer: a frame that arrives between two exchanges
// (the late answer to a command that timed out) is not the next command's
// reply. Calibrated: with the drain switched off the same script reports
// the stale "card found".
func TestStaleReplyIsNotTheAnswer(t *testing.T) {
	for _, drain := range []bool{true, false} {
		p := newPeer(t)
		fd := detached(t, p.pp.Path, false)
		// An hour between exchanges: the test starts each one (Kick).
		pl, err := Start(fd, Config{Interval: time.Hour, Repeat: 2, noDrain: !drain})
		if err != nil {
			t.Fatal(err)
		}
		p.answer(noCard)
		wantSW3(t, next(t, pl), 0x80)
		p.pp.Master.Write(found) // late, unasked
		queued(t, fd, len(found))
		pl.Kick()
		p.answer(noCard)
		r := next(t, pl)
		pl.Stop()
		if drain {
			wantSW3(t, r, 0x80)
		} else if r.Err != nil || r.Reply.SW3 != idcard.SW3CardFound {
			t.Fatalf("without the drain the stale frame should have been taken (the test would not see the mutation): %+v", r)
		}
	}
}

// TestPartialAndGarbledReplies: half a frame within the timeout and a frame
// with a bad checksum are reported as clear errors, and the next exchange
// reads the reader's state again.
func TestPartialAndGarbledReplies(t *testing.T) {
	p := newPeer(t)
	fd := detached(t, p.pp.Path, false)
	pl, err := Start(fd, Config{Interval: time.Hour, Timeout: 200 * time.Millisecond, Repeat: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Stop()
	p.answer(found[:8])
	r := next(t, pl)
	if !errors.Is(r.Err, ErrNoReply) || len(r.Frame) != 8 {
		t.Fatalf("partial reply: %+v, err %v", r, r.Err)
	}
	pl.Kick()
	p.answer(found)
	wantSW3(t, next(t, pl), idcard.SW3CardFound)

	bad := append([]byte(nil), noCard...)
	bad[len(bad)-1] ^= 0x5A
	pl.Kick()
	p.answer(append([]byte{0x00, 0x13, 0xAA}, bad...)) // noise, then the garbled frame
	r = next(t, pl)
	if !errors.Is(r.Err, idcard.ErrChecksum) {
		t.Fatalf("garbled reply: err %v", r.Err)
	}
	pl.Kick()
	p.answer(noCard)
	wantSW3(t, next(t, pl), 0x80)
}

// TestHangup: the line going away (the adapter unplugged) ends the thread
// with ErrHangup and closes Results.
func TestHangup(t *testing.T) {
	p := newPeer(t)
	fd := detached(t, p.pp.Path, false)
	pl, err := Start(fd, Config{Interval: time.Hour, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Stop()
	p.rc.Next()
	p.pp.Close()
	r := next(t, pl)
	if !errors.Is(r.Err, ErrHangup) && !errors.Is(r.Err, idcard.ErrClosed) {
		t.Fatalf("hang-up: err %v", r.Err)
	}
}

// TestLateReplyFromTheSimulator: the GA 467 simulator answers in pieces
// slower than the timeout: the exchange reports a partial reply (a clear
// error, with the bytes that came), the rest of that reply arrives late and
// is not taken for the next answer, and once the line is healthy again the
// next exchange reads the reader's state.
func TestLateReplyFromTheSimulator(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	fd := detached(t, path, true)
	r.SetFaults(sim.Faults{FragmentSize: 4, FragmentDelay: 150 * time.Millisecond})
	pl, err := Start(fd, Config{Interval: time.Hour, Timeout: 200 * time.Millisecond, Repeat: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Stop()
	res := next(t, pl)
	if !errors.Is(res.Err, ErrNoReply) || len(res.Frame) == 0 || len(res.Frame) >= len(noCard) {
		t.Fatalf("slow reply: %d bytes, err %v", len(res.Frame), res.Err)
	}
	r.SetFaults(sim.Faults{})
	id, _ := testcards.Get("resident")
	r.PlaceCard(id)
	queued(t, fd, len(noCard)-len(res.Frame)) // the late rest of the "no card" reply
	pl.Kick()
	wantSW3(t, next(t, pl), idcard.SW3CardFound)
}
