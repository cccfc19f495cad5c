// Package sim is an ESC/POS receipt printer emulator for development, the
// simulator dock and tests. It reads ESC/POS from any io.ReadWriter (or a
// pty it opens itself), renders what it is sent into receipt images,
// answers DLE EOT from a simulated state that a test or the dock can change
// (paper near end, paper out, cover open, offline, silent).
//
// Only tests, cmd/ and the dock should import it.
package sim

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/bianmin/kiosk/devices/printer/escpos"
	"github.com/bianmin/kiosk/devices/ptypair"
)

// Config configures the emulator.
type Config struct {
	Profile escpos.Profile
	// Font is a TTF/TTC used to draw received text; nil draws ASCII only.
	Font []byte
	// NearEndAfter turns "paper near end" on after this many receipts (0: never).
	NearEndAfter int
	// PaperOutAfter turns "paper out" on after this many receipts (0: never).
	PaperOutAfter int
	// Keep is how many receipt images are kept in memory (default 8).
	Keep int
	// SaveDir, if set, receives every receipt as receipt-NNNN.png.
	SaveDir string
	Logger  *slog.Logger
}

// Printer is the emulated printer. Its methods are safe for concurrent use.
type Printer struct {
	cfg  Config
	font *escpos.Font
	log  *slog.Logger

	mu       sync.Mutex
	st       escpos.Status
	silent   bool
	printed  int
	dropped  int
	receipts []*image.Gray
	changed  chan struct{}
	closer   io.Closer
}

// New returns an emulator.
func New(cfg Config) (*Printer, error) {
	if cfg.Profile.Dots == 0 && cfg.Profile.PaperMM == 0 {
		cfg.Profile = escpos.Profile80
	}
	cfg.Profile = cfg.Profile.Normalize()
	if cfg.Keep <= 0 {
		cfg.Keep = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	f, err := escpos.ParseFont(cfg.Font)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if cfg.SaveDir != "" {
		if err := os.MkdirAll(cfg.SaveDir, 0o755); err != nil {
			return nil, fmt.Errorf("sim: %w", err)
		}
	}
	return &Printer{cfg: cfg, font: f, log: cfg.Logger.With("device", "printer-sim"), changed: make(chan struct{})}, nil
}

// StartPTY starts an emulator on a new pty pair and returns it with the
// path of the pty's slave end, to be opened like a serial port. The
// emulator stops and the pty closes when ctx ends (or on Close).
func StartPTY(ctx context.Context, cfg Config) (*Printer, string, error) {
	p, err := New(cfg)
	if err != nil {
		return nil, "", err
	}
	pair, err := ptypair.Open()
	if err != nil {
		return nil, "", fmt.Errorf("sim: %w", err)
	}
	p.mu.Lock()
	p.closer = pair
	p.mu.Unlock()
	go func() {
		<-ctx.Done()
		p.Close()
	}()
	go p.Serve(ctx, pair.Master)
	return p, pair.Path, nil
}

// Close stops an emulator started by StartPTY.
func (p *Printer) Close() error {
	p.mu.Lock()
	c := p.closer
	p.closer = nil
	p.mu.Unlock()
	if c != nil {
		return c.Close()
	}
	return nil
}

// Serve reads ESC/POS from rw until it fails or ctx ends, answering status
// queries on rw. It returns nil at EOF or when ctx ends.
func (p *Printer) Serve(ctx context.Context, rw io.ReadWriter) error {
	var replies []byte
	it := escpos.NewInterpreter(p.cfg.Profile, p.font)
	it.OnStatus = func(n byte) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.silent || n < 1 || n > 4 {
			return
		}
		raw := p.st.Encode()
		replies = append(replies, raw[n-1])
	}
	it.OnReceipt = p.receipt
	type chunk struct {
		b   []byte
		err error
	}
	chunks := make(chan chunk)
	go func() {
		for {
			buf := make([]byte, 4096)
			n, err := rw.Read(buf)
			select {
			case chunks <- chunk{buf[:n], err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	// A printer without a cutter sends no cut: a receipt also ends when
	// the line has been idle for a while after something was printed.
	idle := time.NewTimer(time.Hour)
	defer idle.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-idle.C:
			if it.Pending() {
				it.Flush()
			}
			continue
		case c := <-chunks:
			if len(c.b) > 0 {
				it.Write(c.b)
				if len(replies) > 0 {
					out := replies
					replies = nil
					if _, werr := rw.Write(out); werr != nil {
						return nil
					}
				}
				idle.Reset(IdleCut)
			}
			if c.err != nil {
				if it.Pending() {
					it.Flush()
				}
				if errors.Is(c.err, io.EOF) || errors.Is(c.err, os.ErrClosed) {
					return nil
				}
				return fmt.Errorf("sim: read: %w", c.err)
			}
		}
	}
}

// IdleCut is how long the line must be quiet before the emulator ends a
// receipt that had no cut command.
const IdleCut = 400 * time.Millisecond

// receipt keeps a finished receipt, unless the printer could not print it.
func (p *Printer) receipt(img *image.Gray) {
	p.mu.Lock()
	if p.st.PaperEnd || p.st.CoverOpen || p.st.Offline {
		p.dropped++
		p.mu.Unlock()
		p.log.Info("receipt not printed", "reason", "printer not ready")
		return
	}
	p.printed++
	n := p.printed
	p.receipts = append(p.receipts, img)
	if len(p.receipts) > p.cfg.Keep {
		p.receipts = p.receipts[len(p.receipts)-p.cfg.Keep:]
	}
	if p.cfg.NearEndAfter > 0 && n >= p.cfg.NearEndAfter {
		p.st.PaperNearEnd = true
	}
	if p.cfg.PaperOutAfter > 0 && n >= p.cfg.PaperOutAfter {
		p.st.PaperEnd, p.st.PaperEndStop = true, true
	}
	close(p.changed)
	p.changed = make(chan struct{})
	dir := p.cfg.SaveDir
	p.mu.Unlock()
	if dir != "" {
		name := filepath.Join(dir, fmt.Sprintf("receipt-%04d.png", n))
		if err := savePNG(name, img); err != nil {
			p.log.Warn("save receipt", "err", err)
		}
	}
}

func savePNG(name string, img image.Image) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (p *Printer) update(fn func(s *escpos.Status)) {
	p.mu.Lock()
	fn(&p.st)
	p.mu.Unlock()
}

// SetPaperOut sets or clears "paper end".
func (p *Printer) SetPaperOut(on bool) {
	p.update(func(s *escpos.Status) { s.PaperEnd, s.PaperEndStop = on, on })
}

// SetNearEnd sets or clears "paper near end".
func (p *Printer) SetNearEnd(on bool) { p.update(func(s *escpos.Status) { s.PaperNearEnd = on }) }

// SetCoverOpen opens or closes the cover.
func (p *Printer) SetCoverOpen(on bool) { p.update(func(s *escpos.Status) { s.CoverOpen = on }) }

// SetCutterError sets or clears an auto-cutter error.
func (p *Printer) SetCutterError(on bool) {
	p.update(func(s *escpos.Status) { s.CutterError, s.ErrorOccurred = on, on })
}

// SetSilent makes the printer stop answering status queries (as if
// unplugged mid-cable) or answer again.
func (p *Printer) SetSilent(on bool) {
	p.mu.Lock()
	p.silent = on
	p.mu.Unlock()
}

// Refill puts in a new roll: clears paper near end and paper out, and
// restarts the receipt counters used by NearEndAfter and PaperOutAfter.
func (p *Printer) Refill() {
	p.mu.Lock()
	p.st.PaperEnd, p.st.PaperEndStop, p.st.PaperNearEnd = false, false, false
	p.cfg.NearEndAfter, p.cfg.PaperOutAfter = shift(p.cfg.NearEndAfter, p.printed), shift(p.cfg.PaperOutAfter, p.printed)
	p.mu.Unlock()
}

func shift(limit, printed int) int {
	if limit == 0 {
		return 0
	}
	return printed + limit
}

// Printed is the number of receipts printed so far; Dropped the number
// sent while the printer could not print.
func (p *Printer) Printed() (printed, dropped int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.printed, p.dropped
}

// Receipts returns the last receipts kept, oldest first.
func (p *Printer) Receipts() []image.Image {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]image.Image, len(p.receipts))
	for i, r := range p.receipts {
		out[i] = r
	}
	return out
}

// LastReceipt returns the newest receipt, or nil.
func (p *Printer) LastReceipt() image.Image {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.receipts) == 0 {
		return nil
	}
	return p.receipts[len(p.receipts)-1]
}

// WaitReceipt blocks until the printer has printed at least n receipts or
// ctx ends.
func (p *Printer) WaitReceipt(ctx context.Context, n int) error {
	for {
		p.mu.Lock()
		done, ch := p.printed >= n, p.changed
		p.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}
