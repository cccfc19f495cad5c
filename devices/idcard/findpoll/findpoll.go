//go:build linux && cgo

// Package findpoll polls a GA 467 reader for a card from a thread of its
// own, outside the Go scheduler. The reader's Service asks "is there a card?"
// several times a second for as long as the kiosk runs, mostly while nobody
// is there; done by a goroutine, every exchange wakes the Go runtime (the
// timer, the reply in the network poller, the runtime's monitor thread and
// an idle processor's spinning thread: measured here at about 12 context
// switches per exchange with GOMAXPROCS=2). A plain POSIX thread sleeping in
// poll(2) costs about 3 (its wake for the interval, its wake for the reply),
// and the Go side wakes only when the answer changes: a card placed, taken
// away, an error. The thread sends find-card, waits for the one frame of
// the reply (hunting for the preamble, reading by LEN however fragmented),
// and reports the frame; the codec (checksum, SW3) stays in Go.
//
// The line must be out of the Go runtime's poller while the thread owns it
// (serialport.Port.Detach): a descriptor registered there would wake the
// runtime for every reply all the same.
package findpoll

/*
#include <stdlib.h>
#include "fp.h"
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"

	"github.com/bianmin/kiosk/devices/idcard"
	"golang.org/x/sys/unix"
)

// Errors of a poll.
var (
	// ErrNoReply: no complete frame came back within the timeout; Partial
	// holds what did.
	ErrNoReply = errors.New("no complete reply")
	// ErrHangup: the line is gone (end of file, EIO: the adapter was
	// unplugged); the thread has stopped.
	ErrHangup = errors.New("reader line hung up")
)

// Result is one poll's outcome (idcard.FindResult), sent when it differs
// from the one before (or repeats fewer than Config.Repeat times), and for
// every failure. Frame holds the reply as received, or the partial bytes of
// a failure.
type Result = idcard.FindResult

// Config sets a Poller.
type Config struct {
	Interval time.Duration // between exchanges (default 150 ms)
	Timeout  time.Duration // for a reply (default 1 s)
	// Repeat is how many times in a row the same reply is reported before
	// the thread falls silent about it (default 1): the Service's removal
	// rule needs two no-card answers in a row.
	Repeat int
	// noDrain keeps stale input before a command (tests of that rule only).
	noDrain bool
}

// Poller is a running poll thread.
type Poller struct {
	p        *C.struct_fp
	ctlR     *os.File // the thread's end, closed after it exits
	ctlW     *os.File
	noteW    *os.File
	noteR    *os.File
	results  chan Result
	stopOnce sync.Once
	readDone chan struct{}
}

// Start starts polling on fd, which must be a non-blocking descriptor of
// the reader's line that nothing else reads or writes until Stop returns.
// The first exchange is at once.
func Start(fd int, cfg Config) (*Poller, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = 150 * time.Millisecond
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.Repeat <= 0 {
		cfg.Repeat = 1
	}
	var ctl, note [2]int
	if err := unix.Pipe2(ctl[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("findpoll: pipe: %w", err)
	}
	if err := unix.Pipe2(note[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		unix.Close(ctl[0])
		unix.Close(ctl[1])
		return nil, fmt.Errorf("findpoll: pipe: %w", err)
	}
	pl := &Poller{
		ctlR: os.NewFile(uintptr(ctl[0]), "findpoll-ctl-r"), ctlW: os.NewFile(uintptr(ctl[1]), "findpoll-ctl-w"),
		noteR: os.NewFile(uintptr(note[0]), "findpoll-note-r"), noteW: os.NewFile(uintptr(note[1]), "findpoll-note-w"),
		results: make(chan Result, 16), readDone: make(chan struct{}),
	}
	cmd := idcard.EncodeCommand(idcard.CmdFindCard, nil)
	drain := 1
	if cfg.noDrain {
		drain = 0
	}
	// The thread uses the raw descriptors; the os.Files only own them.
	ctlRfd, noteWfd := rawFd(pl.ctlR), rawFd(pl.noteW)
	var cerr C.int
	p := C.fp_start(C.int(fd), C.int(ctlRfd), C.int(noteWfd), C.int(ms(cfg.Interval)), C.int(ms(cfg.Timeout)),
		C.int(cfg.Repeat), C.int(drain), (*C.uchar)(unsafe.Pointer(&cmd[0])), C.int(len(cmd)), &cerr)
	if p == nil {
		pl.closeAll()
		return nil, fmt.Errorf("findpoll: start thread: %w", syscall.Errno(cerr))
	}
	pl.p = p
	go pl.read()
	return pl, nil
}

// rawFd returns f's descriptor without switching it to blocking mode (as
// f.Fd would).
func rawFd(f *os.File) int {
	fd := -1
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(u uintptr) { fd = int(u) })
	}
	return fd
}

func ms(d time.Duration) int { return int(max(1, (d+time.Millisecond-1)/time.Millisecond)) }

// Results delivers the thread's reports; it is closed after Stop (or when
// the line hung up and the thread ended).
func (pl *Poller) Results() <-chan Result { return pl.results }

// SetInterval changes the interval between exchanges and polls at once
// (a resident may be about to place a card).
func (pl *Poller) SetInterval(d time.Duration) {
	C.fp_set_interval(pl.p, C.int(ms(d)))
	pl.ctlW.Write([]byte{'i'}) //nolint:errcheck // a full pipe already holds a wake-up
}

// Kick polls at once.
func (pl *Poller) Kick() { pl.ctlW.Write([]byte{'k'}) } //nolint:errcheck // see SetInterval

// Stop ends the thread (within one reply timeout) and waits for it; the
// descriptor is free again afterwards. Results is closed once every report
// was delivered or dropped.
func (pl *Poller) Stop() {
	pl.stopOnce.Do(func() {
		pl.ctlW.Write([]byte{'q'}) //nolint:errcheck
		C.fp_join(pl.p)            // blocks this goroutine's thread at most one timeout
		pl.noteW.Close()           // the reader sees end of file after the last record
		<-pl.readDone
		pl.ctlR.Close()
		pl.ctlW.Close()
		pl.noteR.Close()
	})
}

func (pl *Poller) closeAll() {
	for _, f := range []*os.File{pl.ctlR, pl.ctlW, pl.noteR, pl.noteW} {
		f.Close()
	}
}

// read turns the thread's records into Results. It sleeps in the runtime's
// poller on the pipe: the Go side wakes only when the thread reports.
func (pl *Poller) read() {
	defer close(pl.readDone)
	defer close(pl.results)
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(pl.noteR, hdr[:]); err != nil {
			return
		}
		n := int(binary.LittleEndian.Uint16(hdr[2:]))
		b := make([]byte, n)
		if _, err := io.ReadFull(pl.noteR, b); err != nil {
			return
		}
		r := Result{Frame: b, At: time.Now()}
		switch hdr[0] {
		case 1:
			r.Reply, r.Err = parse(b)
		case 2:
			r.Err = fmt.Errorf("find card: %w (%d bytes)", ErrNoReply, n)
			if n == 0 {
				r.Err = fmt.Errorf("find card: %w: %w", idcard.ErrTimeout, ErrNoReply)
			}
		case 4:
			r.Err = fmt.Errorf("find card: %w: %w", idcard.ErrClosed, ErrHangup)
		default:
			r.Err = fmt.Errorf("find card: %w", syscall.Errno(hdr[1]))
		}
		select {
		case pl.results <- r:
		default:
			// The consumer is behind: keep the thread's order, block.
			pl.results <- r
		}
	}
}

// parse checks a complete frame with the codec's Receiver.
func parse(frame []byte) (idcard.Reply, error) {
	body, err := idcard.NewReceiver(&onceReader{b: frame}).Next()
	if err != nil {
		return idcard.Reply{}, fmt.Errorf("find card: garbled reply: %w", err)
	}
	r, err := idcard.ParseReply(body)
	if err != nil {
		return idcard.Reply{}, fmt.Errorf("find card: %w", err)
	}
	return r, nil
}

type onceReader struct{ b []byte }

func (o *onceReader) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, o.b)
	o.b = o.b[n:]
	return n, nil
}
