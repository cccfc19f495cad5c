// Package sim emulates a GA 467 ID card reader: it speaks the real frame
// protocol on any io.ReadWriter (tests) or on a pseudo-terminal (the app,
// `make run`, the developer dock), paces its replies to the configured baud
// rate, and has knobs to inject faults. Only tests, cmd/ and the dock
// import it.
package sim

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/ptypair"
)

// TypicalSAMTime is a realistic SAM processing time for reading a card's
// text and photo: the reference (shared/reference/ga467.md) gives no
// figure; readers' data sheets promise a whole read in under a second,
// of which the wire takes about 115 ms at 115200 baud. Benchmarks use it so
// that card-to-identity is not measured against an instant SAM.
const TypicalSAMTime = 400 * time.Millisecond

// Config sets the emulated reader's line and SAM.
type Config struct {
	// Baud paces replies: a pty or pipe delivers bytes at once, so the
	// simulator sleeps to keep the rate a real 8N1 line would (10 bits per
	// byte). 0 disables pacing.
	Baud int
	// SAMTime is the SAM's processing time before a read reply (a real SAM
	// takes several hundred milliseconds).
	SAMTime time.Duration
	// SAMID is the raw 16-byte SAM identifier; a fixed one when zero.
	SAMID [16]byte
}

// Faults are the injectable failures. Zero means none. A forced SW3 is
// answered instead of the normal reply for that command.
type Faults struct {
	FragmentSize    int           // write replies in pieces of this many bytes
	FragmentDelay   time.Duration // pause between pieces
	ReplyDelay      time.Duration // pause before each reply
	Garbage         []byte        // bytes sent before each reply's preamble
	CorruptChecksum int           // corrupt the checksum of the next N replies
	RemoveMidRead   bool          // the next read sends half its reply, then the card is gone
	Silent          bool          // answer nothing (a dead SAM or cut line)
	FlakyFind       bool          // every other find card answers 80 although a card lies there
	FindSW3         byte          // forced SW3 for find card (e.g. 0x80)
	SelectSW3       byte          // for select card (e.g. 0x81)
	ReadSW3         byte          // for read (e.g. 0x41)
	SAMSW3          byte          // for every command (e.g. 0x60, 0x66)
}

// Reader is an emulated reader. Its methods are safe for concurrent use
// while Serve runs.
type Reader struct {
	mu     sync.Mutex
	cfg    Config
	faults Faults
	card   *kiosk.Identity
	text   []byte
	photo  []byte
	reads  int
	cmds   int
	finds  int
}

// New returns a Reader with no card.
func New(cfg Config) *Reader {
	if cfg.SAMID == ([16]byte{}) {
		cfg.SAMID = [16]byte{5, 0, 1, 0, 0x2E, 0x9D, 0x32, 0x01, 0x40, 0xE2, 0x01, 0, 0x83, 0xBC, 0x3D, 0}
	}
	return &Reader{cfg: cfg}
}

// PlaceCard puts a card on the reader. The identity must fit its card
// layout. A card without PhotoWLT gets a deterministic fake 1024-byte WLT.
func (r *Reader) PlaceCard(id *kiosk.Identity) error {
	text, err := idcard.EncodeText(id)
	if err != nil {
		return fmt.Errorf("place card: %w", err)
	}
	photo := id.PhotoWLT
	if len(photo) == 0 {
		photo = FakeWLT(id.IDNumber)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.card, r.text, r.photo = id, text, photo
	return nil
}

// FakeWLT returns 1024 bytes standing in for a photo, derived from seed.
func FakeWLT(seed string) []byte {
	out := make([]byte, 0, idcard.PhotoLen)
	out = append(out, "WLT"...)
	h := sha256.Sum256([]byte(seed))
	for len(out) < idcard.PhotoLen {
		h = sha256.Sum256(h[:])
		out = append(out, h[:]...)
	}
	return out[:idcard.PhotoLen]
}

// RemoveCard takes the card away.
func (r *Reader) RemoveCard() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.card, r.text, r.photo = nil, nil, nil
}

// Card returns the card on the reader, or nil.
func (r *Reader) Card() *kiosk.Identity {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.card
}

// SetFaults replaces the fault knobs.
func (r *Reader) SetFaults(f Faults) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.faults = f
}

// SetSAMTime changes the simulated SAM processing time.
func (r *Reader) SetSAMTime(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfg.SAMTime = d
}

// Reads returns how many read-card replies carried a card's data.
func (r *Reader) Reads() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reads
}

// Commands returns how many command frames were received.
func (r *Reader) Commands() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cmds
}

// Serve answers commands on rw until reading fails or ctx is done. To stop
// a Serve blocked in Read, close rw (StartPTY does).
func (r *Reader) Serve(ctx context.Context, rw io.ReadWriter) error {
	rc := idcard.NewReceiver(rw)
	for ctx.Err() == nil {
		body, err := rc.Next()
		if errors.Is(err, idcard.ErrChecksum) {
			if err := r.reply(ctx, rw, 0x10, nil, false); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("sim: %w", err)
		}
		if err := r.handle(ctx, rw, body); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (r *Reader) handle(ctx context.Context, w io.Writer, body []byte) error {
	cmd, _, err := idcard.ParseCommand(body)
	if err != nil {
		return r.reply(ctx, w, 0x11, nil, false)
	}
	r.mu.Lock()
	r.cmds++
	f := r.faults
	if f.Silent {
		r.mu.Unlock()
		return nil
	}
	present := r.card != nil
	var (
		sw3  byte = idcard.SW3OK
		data []byte
		half bool
		wait time.Duration
	)
	switch [2]byte{cmd.Cmd, cmd.Para} {
	case [2]byte{0x10, 0xFF}, [2]byte{0x11, 0xFF}, [2]byte{0x61, 0xFF}:
	case [2]byte{0x12, 0xFF}:
		data = append([]byte(nil), r.cfg.SAMID[:]...)
	case [2]byte{0x20, 0x01}:
		r.finds++
		sw3 = pick(f.FindSW3, present && !(f.FlakyFind && r.finds%2 == 0), idcard.SW3CardFound, 0x80)
		if sw3 == idcard.SW3CardFound {
			data = make([]byte, 4) // as real readers answer
		}
	case [2]byte{0x20, 0x02}:
		sw3 = pick(f.SelectSW3, present, idcard.SW3OK, 0x81)
		if sw3 == idcard.SW3OK {
			data = make([]byte, 8)
		}
	case [2]byte{0x30, 0x01}:
		sw3 = pick(f.ReadSW3, present, idcard.SW3OK, 0x41)
		if sw3 == idcard.SW3OK {
			data = idcard.EncodeBaseData(r.text, r.photo)
			wait = r.cfg.SAMTime
			r.reads++
			if f.RemoveMidRead {
				half = true
				r.faults.RemoveMidRead = false
				r.card, r.text, r.photo = nil, nil, nil
				r.reads--
			}
		}
	case [2]byte{0x30, 0x03}, [2]byte{0x30, 0x10}:
		sw3 = pick(0, present, 0x91, 0x41)
	default:
		if cmd.Cmd == 0x60 && int(cmd.Para) < len(idcard.Bauds) {
			defer r.setBaud(idcard.Bauds[cmd.Para])
		} else {
			sw3 = 0x21
		}
	}
	if f.SAMSW3 != 0 {
		sw3, data, half = f.SAMSW3, nil, false
	}
	r.mu.Unlock()
	if !sleep(ctx, wait) {
		return ctx.Err()
	}
	return r.reply(ctx, w, sw3, data, half)
}

func (r *Reader) setBaud(b int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cfg.Baud != 0 {
		r.cfg.Baud = b
	}
}

func pick(forced byte, present bool, yes, no byte) byte {
	switch {
	case forced != 0:
		return forced
	case present:
		return yes
	}
	return no
}

func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// reply writes one frame with the configured faults and pacing.
func (r *Reader) reply(ctx context.Context, w io.Writer, sw3 byte, data []byte, half bool) error {
	r.mu.Lock()
	f := r.faults
	if r.faults.CorruptChecksum > 0 {
		r.faults.CorruptChecksum--
	}
	baud := r.cfg.Baud
	r.mu.Unlock()
	frame := idcard.EncodeReply(0, 0, sw3, data)
	if f.CorruptChecksum > 0 {
		frame[len(frame)-1] ^= 0x5A
	}
	if half {
		frame = frame[:len(frame)/2]
	}
	out := append(append([]byte(nil), f.Garbage...), frame...)
	if !sleep(ctx, f.ReplyDelay) {
		return ctx.Err()
	}
	chunk := f.FragmentSize
	if chunk <= 0 {
		chunk = len(out)
		if baud > 0 {
			chunk = 64
		}
	}
	start := time.Now()
	for sent := 0; sent < len(out); {
		n := min(chunk, len(out)-sent)
		if _, err := w.Write(out[sent : sent+n]); err != nil {
			return fmt.Errorf("sim: write: %w", err)
		}
		sent += n
		if baud > 0 {
			due := start.Add(time.Duration(sent) * 10 * time.Second / time.Duration(baud))
			if !sleep(ctx, time.Until(due)) {
				return ctx.Err()
			}
		}
		if sent < len(out) && !sleep(ctx, f.FragmentDelay) {
			return ctx.Err()
		}
	}
	return nil
}

// StartPTY starts a Reader on a new pseudo-terminal and returns the slave
// path to open like /dev/ttyUSB0 (serialport.Open or idcard.SerialOpener).
// Everything stops and the pty closes when ctx is done.
func StartPTY(ctx context.Context, cfg Config) (*Reader, string, error) {
	pair, err := ptypair.Open()
	if err != nil {
		return nil, "", fmt.Errorf("sim: %w", err)
	}
	r := New(cfg)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Serve(ctx, pair.Master)
	}()
	go func() {
		<-ctx.Done()
		pair.Close()
	}()
	return r, pair.Path, nil
}
