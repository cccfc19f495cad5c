package printer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/printer/escpos"
)

// Config configures an ESC/POS receipt printer.
type Config struct {
	Profile       escpos.Profile `toml:"profile"`
	RasterQR      bool           `toml:"raster_qr"`      // draw QR codes here even if the printer has a QR engine
	StatusTimeout time.Duration  `toml:"status_timeout"` // default 1 s
	// JobTimeout bounds the status check after a job, while the printer
	// may still be working through its buffer; default 10 s.
	JobTimeout time.Duration `toml:"job_timeout"`
	// Font renders characters the printer lacks (text-as-raster); nil
	// replaces them with □.
	Font *escpos.Font `toml:"-"`
}

func (c Config) statusTimeout() time.Duration {
	if c.StatusTimeout <= 0 {
		return time.Second
	}
	return c.StatusTimeout
}

// ESCPOS is a receipt printer speaking ESC/POS over a stream. It does not
// own the stream. It is safe for concurrent use: jobs and status queries
// are serialised.
type ESCPOS struct {
	rw  io.ReadWriter
	cfg Config
	mu  sync.Mutex
}

var _ Printer = (*ESCPOS)(nil)

// NewESCPOS returns a printer on rw. A zero Profile means escpos.Profile80.
func NewESCPOS(rw io.ReadWriter, cfg Config) *ESCPOS {
	if cfg.Profile == (escpos.Profile{}) {
		cfg.Profile = escpos.Profile80
	}
	cfg.Profile = cfg.Profile.Normalize()
	return &ESCPOS{rw: rw, cfg: cfg}
}

// Status queries DLE EOT 1–4. A printer that does not answer within the
// status timeout is reported as disconnected, with an error matching
// ErrDisconnected.
func (p *ESCPOS) Status(ctx context.Context) (Status, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status(ctx)
}

func (p *ESCPOS) status(ctx context.Context) (Status, error) {
	return p.statusWithin(ctx, p.cfg.statusTimeout())
}

func (p *ESCPOS) statusWithin(ctx context.Context, d time.Duration) (Status, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	s, err := escpos.QueryStatus(ctx, p.rw)
	if err != nil {
		if errors.Is(err, escpos.ErrBadStatus) {
			st := newStatus(kiosk.DeviceError, err.Error())
			return st, fmt.Errorf("printer status: %w", err)
		}
		st := Disconnected(err.Error())
		return st, fmt.Errorf("printer status: %w: %w", ErrDisconnected, err)
	}
	return Summarise(s), nil
}

// Print checks the status, refuses early when the printer cannot print,
// sends the receipt and checks the status again so that a receipt cut
// short by the paper running out is reported as failed.
func (p *ESCPOS) Print(ctx context.Context, r kiosk.Receipt) error {
	data, err := Encode(r, p.cfg.Profile, p.cfg.Font, p.cfg.RasterQR)
	if err != nil {
		return err
	}
	return p.PrintRaw(ctx, data)
}

// PrintRaw sends prepared ESC/POS bytes with the same checks as Print.
func (p *ESCPOS) PrintRaw(ctx context.Context, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	st, err := p.status(ctx)
	if err != nil && st.State == kiosk.DeviceDisconnected {
		return err
	}
	if !CanPrint(st.State) {
		return &StateError{Status: st}
	}
	if n, err := writeCtx(ctx, p.rw, data); err != nil {
		if n > 0 && n < len(data) && ctx.Err() != nil {
			p.resync()
		}
		return fmt.Errorf("printer: write: %w", err)
	}
	jt := p.cfg.JobTimeout
	if jt <= 0 {
		jt = 10 * time.Second
	}
	st, err = p.statusWithin(ctx, jt)
	if err != nil {
		return fmt.Errorf("printer: after job: %w", err)
	}
	if !CanPrint(st.State) {
		return &StateError{Status: st}
	}
	return nil
}

type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// resync brings a printer left inside a command by an aborted job back to a
// known state: enough zero bytes to complete the largest raster band or QR
// data we send (NULs are ignored as text), then ESC @. Without it the next
// DLE EOT would be swallowed as data and the printer would look unplugged.
func (p *ESCPOS) resync() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	prof := p.cfg.Profile
	pad := make([]byte, max(prof.BandRows*((prof.Dots+7)/8), 7100)+8)
	writeCtx(ctx, p.rw, append(pad, escpos.ESC, '@'))
}

// writeCtx writes in chunks, checking ctx between them and using write
// deadlines where the stream has them. It returns how much was written.
func writeCtx(ctx context.Context, w io.Writer, data []byte) (int, error) {
	const chunk = 4096
	wd, hasDL := w.(writeDeadliner)
	if hasDL {
		if t, ok := ctx.Deadline(); ok {
			if wd.SetWriteDeadline(t) != nil {
				hasDL = false
			} else {
				defer wd.SetWriteDeadline(time.Time{})
			}
		}
	}
	total := 0
	for len(data) > 0 {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		n := min(chunk, len(data))
		m, err := w.Write(data[:n])
		total += m
		if err != nil {
			return total, err
		}
		data = data[m:]
	}
	return total, nil
}
