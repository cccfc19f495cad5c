package idcard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// Client errors.
var (
	ErrClosed  = errors.New("reader connection closed")
	ErrTimeout = errors.New("no reply from reader")
)

// DefaultCommandTimeout bounds a command when ctx has no deadline.
const DefaultCommandTimeout = 3 * time.Second

// Client sends commands to a SAM over an io.ReadWriter. A goroutine per
// Client reads the stream, so that every method honours ctx even when the
// underlying Read blocks (a pipe) or only times out coarsely (a serial port
// returning (0, nil)). Stale bytes left by a timed-out command are
// discarded before the next command is sent. Methods are serialised; a
// Client is safe for concurrent use. The goroutine ends when Read fails;
// close the stream after Close to release it.
type Client struct {
	w  io.Writer
	mu sync.Mutex // one command at a time
	rc *Receiver
	cr *chanReader

	// Stale counts replies dropped as late answers to earlier commands.
	Stale int

	wbroken error          // a write that never completed
	wd      writeDeadliner // nil: writes run in a goroutine of their own
}

// readDeadliner is a stream whose blocked Read can be made to return (a
// serialport.Port, a net.Conn): Close then stops the reading goroutine at
// once, so the stream needs no short read timeout that wakes it while the
// line is idle.
type readDeadliner interface{ SetReadDeadline(time.Time) error }

// writeDeadliner is a stream whose Write honours a deadline: Do then
// writes without a goroutine of its own.
type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// NewClient starts reading rw.
func NewClient(rw io.ReadWriter) *Client {
	cr := &chanReader{ch: make(chan chunk, 64), done: make(chan struct{}), exited: make(chan struct{})}
	if d, ok := rw.(readDeadliner); ok {
		d.SetReadDeadline(time.Time{}) // a Client before this one stopped its reader with a deadline
		cr.stop = d
	}
	go func() {
		defer close(cr.exited)
		cr.pump(rw)
	}()
	c := &Client{w: rw, rc: NewReceiver(cr), cr: cr}
	c.wd, _ = rw.(writeDeadliner)
	return c
}

// Close stops the Client; it does not close the stream.
func (c *Client) Close() error {
	c.cr.once.Do(func() {
		close(c.cr.done)
		if c.cr.stop != nil {
			c.cr.stop.SetReadDeadline(time.Now()) // wakes a Read blocked on an idle line
		}
	})
	return nil
}

// release stops the Client and waits up to d for its reading goroutine to
// return, so that another reader can take over the stream without this one
// swallowing its first reply. It reports whether the goroutine returned.
func (c *Client) release(d time.Duration) bool {
	c.Close()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.cr.exited:
		return true
	case <-t.C:
		return false
	}
}

type chunk struct {
	b   []byte
	err error
}

// chanReader is the reading side: pump copies stream reads into ch; Read
// waits on ch or on the current command's context.
type chanReader struct {
	ch   chan chunk
	done chan struct{}
	// exited is closed when pump returns: from then on nothing of the
	// stream is read by this Client.
	exited chan struct{}
	once   sync.Once
	stop   readDeadliner // nil: the stream's Read returns by itself now and then
	ctx    context.Context
	rest   []byte
	err    error // sticky stream error
}

func (cr *chanReader) pump(r io.Reader) {
	for {
		b := make([]byte, 1536)
		n, err := r.Read(b)
		if n == 0 && err == nil {
			select {
			case <-cr.done:
				return
			default:
				continue
			}
		}
		select {
		case cr.ch <- chunk{b[:n], err}:
		case <-cr.done:
			return
		}
		if err != nil {
			return
		}
	}
}

func (cr *chanReader) Read(p []byte) (int, error) {
	if len(cr.rest) > 0 {
		n := copy(p, cr.rest)
		cr.rest = cr.rest[n:]
		return n, nil
	}
	if cr.err != nil {
		return 0, cr.err
	}
	select {
	case c := <-cr.ch:
		n := copy(p, c.b)
		cr.rest = c.b[n:]
		if c.err != nil {
			if errors.Is(c.err, io.EOF) {
				cr.err = fmt.Errorf("%w: %w", ErrClosed, c.err)
			} else {
				cr.err = c.err
			}
			if n == 0 {
				return 0, cr.err
			}
		}
		return n, nil
	case <-cr.ctx.Done():
		return 0, cr.ctx.Err()
	case <-cr.done:
		return 0, ErrClosed
	}
}

// drain discards what has arrived but was not asked for.
func (cr *chanReader) drain() int {
	n := len(cr.rest)
	cr.rest = nil
	for {
		select {
		case c := <-cr.ch:
			n += len(c.b)
			if c.err != nil {
				cr.err = c.err
				return n
			}
		default:
			return n
		}
	}
}

// Do sends one command and returns the reply, whatever its SW3.
func (c *Client) Do(ctx context.Context, cmd Command, data []byte) (Reply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCommandTimeout)
		defer cancel()
	}
	c.cr.drain()
	c.rc.Reset()
	if c.cr.err != nil {
		return Reply{}, fmt.Errorf("%s: %w", cmd.Name, c.cr.err)
	}
	if c.wbroken != nil {
		return Reply{}, fmt.Errorf("%s: %w", cmd.Name, c.wbroken)
	}
	// A stream that never accepts the write (a pty nobody reads, a pipe)
	// must not hold the caller past ctx: the write has ctx's deadline when
	// the stream takes one, else it runs aside. A write left hanging
	// breaks the Client for good: the Service then reopens.
	frame := EncodeCommand(cmd, data)
	if c.wd != nil {
		dl, _ := ctx.Deadline()
		c.wd.SetWriteDeadline(dl)
		_, err := c.w.Write(frame)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.wbroken = fmt.Errorf("%w: write did not complete", ErrClosed)
				return Reply{}, fmt.Errorf("%s: write: %w: %w", cmd.Name, ErrTimeout, context.DeadlineExceeded)
			}
			return Reply{}, fmt.Errorf("%s: write: %w", cmd.Name, err)
		}
	} else {
		wdone := make(chan error, 1)
		go func() {
			_, err := c.w.Write(frame)
			wdone <- err
		}()
		select {
		case err := <-wdone:
			if err != nil {
				return Reply{}, fmt.Errorf("%s: write: %w", cmd.Name, err)
			}
		case <-ctx.Done():
			c.wbroken = fmt.Errorf("%w: write did not complete", ErrClosed)
			return Reply{}, fmt.Errorf("%s: write: %w: %w", cmd.Name, ErrTimeout, ctx.Err())
		}
	}
	c.cr.ctx = ctx
	defer func() { c.cr.ctx = nil }()
	for {
		body, err := c.rc.Next()
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("%w: %w", ErrTimeout, err)
			}
			return Reply{}, fmt.Errorf("%s: %w", cmd.Name, err)
		}
		r, err := ParseReply(body)
		if err != nil {
			return Reply{}, fmt.Errorf("%s: %w", cmd.Name, err)
		}
		if plausible(cmd, r) {
			return r, nil
		}
		c.Stale++
	}
}

// plausible rejects a late reply to an earlier, timed-out command: replies
// carry no command code, but only find-card answers 9F and only reads
// carry large data.
func plausible(cmd Command, r Reply) bool {
	isRead := cmd.Cmd == 0x30
	if r.SW3 == SW3CardFound && (cmd.Cmd != CmdFindCard.Cmd || cmd.Para != CmdFindCard.Para) {
		return false
	}
	return isRead || len(r.Data) <= 64
}

// call runs Do and turns an unsuccessful SW3 into a *StatusError.
func (c *Client) call(ctx context.Context, cmd Command, data []byte, ok ...byte) (Reply, error) {
	r, err := c.Do(ctx, cmd, data)
	if err != nil {
		return r, err
	}
	if len(ok) == 0 {
		ok = []byte{SW3OK}
	}
	for _, o := range ok {
		if r.SW3 == o {
			return r, nil
		}
	}
	return r, fmt.Errorf("%s: %w", cmd.Name, &StatusError{SW3: r.SW3})
}

// SAMStatus checks that a SAM answers and is healthy.
func (c *Client) SAMStatus(ctx context.Context) error {
	_, err := c.call(ctx, CmdSAMStatus, nil)
	return err
}

// ResetSAM resets the SAM module.
func (c *Client) ResetSAM(ctx context.Context) error {
	_, err := c.call(ctx, CmdResetSAM, nil)
	return err
}

// SAMID reads the SAM's identifier, formatted as printed on readers:
// 05.01-20101206-0000123456-0004046291 style.
func (c *Client) SAMID(ctx context.Context) (string, error) {
	r, err := c.call(ctx, CmdSAMID, nil)
	if err != nil {
		return "", err
	}
	return FormatSAMID(r.Data)
}

// FormatSAMID renders the 16 bytes of a SAM ID reply.
func FormatSAMID(b []byte) (string, error) {
	if len(b) < 16 {
		return "", fmt.Errorf("sam id of %d bytes: %w", len(b), ErrShort)
	}
	le := binary.LittleEndian
	return fmt.Sprintf("%02d.%02d-%08d-%010d-%010d", b[0], b[2], le.Uint32(b[4:]), le.Uint32(b[8:]), le.Uint32(b[12:])), nil
}

// FindCard asks whether a card lies on the reader; ErrNoCard when none.
func (c *Client) FindCard(ctx context.Context) error {
	_, err := c.call(ctx, CmdFindCard, nil, SW3CardFound, SW3OK)
	return err
}

// SelectCard selects the card found.
func (c *Client) SelectCard(ctx context.Context) error {
	_, err := c.call(ctx, CmdSelectCard, nil)
	return err
}

// ReadBase reads text and photo of a selected card.
func (c *Client) ReadBase(ctx context.Context) (*kiosk.Identity, error) {
	r, err := c.call(ctx, CmdReadBase, nil)
	if err != nil {
		return nil, err
	}
	text, photo, _, err := ParseBaseData(r.Data, 2)
	if err != nil {
		return nil, fmt.Errorf("read card: %w", err)
	}
	id, err := ParseText(text)
	if err != nil {
		return nil, fmt.Errorf("read card: %w", err)
	}
	id.PhotoWLT = append([]byte(nil), photo...)
	return id, nil
}

// ReadCard finds, selects and reads a card.
func (c *Client) ReadCard(ctx context.Context) (*kiosk.Identity, error) {
	if err := c.FindCard(ctx); err != nil {
		return nil, err
	}
	if err := c.SelectCard(ctx); err != nil {
		return nil, err
	}
	return c.ReadBase(ctx)
}

// ReadNewAddress reads the newest address appended to a selected card
// (moves recorded after issue). ErrNoContent when there is none.
func (c *Client) ReadNewAddress(ctx context.Context) (string, error) {
	r, err := c.call(ctx, CmdReadNewAddress, nil)
	if err != nil {
		return "", err
	}
	if len(r.Data)%2 == 1 {
		r.Data = r.Data[:len(r.Data)-1]
	}
	return get(r.Data, field{0, len(r.Data)}), nil
}

// SetBaud switches the reader's line speed. The reply comes at the old
// rate; reopen the port at the new one afterwards.
func (c *Client) SetBaud(ctx context.Context, baud int) error {
	cmd, ok := CmdSetBaud(baud)
	if !ok {
		return fmt.Errorf("set baud %d: unsupported rate", baud)
	}
	_, err := c.call(ctx, cmd, nil)
	return err
}
