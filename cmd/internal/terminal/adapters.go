package terminal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"strconv"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/cups"
	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/scanner/imaging"
	"github.com/bianmin/kiosk/offline"
)

// storeAdapter gives the session the store's operations it needs.
type storeAdapter struct {
	st   *offline.Store
	cat  func() *kiosk.Catalog // the session's current catalogue, for item names
	kick func()                // after an enqueue: the relay drains now (nil: nothing)
}

func (a *storeAdapter) NextAcceptanceSeq(ctx context.Context, day time.Time) (int, error) {
	return a.st.NextAcceptanceSeq(ctx, day)
}

func (a *storeAdapter) Enqueue(ctx context.Context, app *kiosk.Application, files map[string][]byte) error {
	err := a.st.Enqueue(ctx, app, files)
	if err == nil && a.kick != nil {
		a.kick() // the relay waits for this rather than polling an empty queue
	}
	return err
}

func (a *storeAdapter) SaveRating(ctx context.Context, r kiosk.Rating) error {
	return a.st.SaveRating(ctx, r)
}

func (a *storeAdapter) Progress(ctx context.Context, idNumber, acceptanceNo string) ([]session.ProgressLine, error) {
	var sums []offline.Summary
	if idNumber != "" {
		s, err := a.st.FindByIDNumber(ctx, idNumber)
		if err != nil {
			return nil, err
		}
		sums = s
	} else {
		s, err := a.st.FindByAcceptanceNo(ctx, acceptanceNo)
		if errors.Is(err, offline.ErrNotFound) {
			return []session.ProgressLine{}, nil
		}
		if err != nil {
			return nil, err
		}
		sums = []offline.Summary{s}
	}
	out := make([]session.ProgressLine, 0, len(sums))
	for _, s := range sums {
		name := s.ItemCode
		if it, err := a.cat().Item(s.ItemCode); err == nil {
			name = it.Name
		}
		out = append(out, session.ProgressLine{AcceptanceNo: s.AcceptanceNo, ItemName: name, State: s.State,
			Created: s.CreatedAt, Synced: s.State.Synced()})
	}
	return out, nil
}

// printAdapter reports printer failures as session.DeviceError.
type printAdapter struct{ p *printer.Service }

func (a *printAdapter) Print(ctx context.Context, r kiosk.Receipt) error {
	if a.p == nil {
		return &session.DeviceError{Device: "printer", State: kiosk.DeviceDisconnected, Err: errors.New("no printer configured")}
	}
	if err := a.p.Print(ctx, r); err != nil {
		st := a.p.State().State
		if st == kiosk.DeviceReady || st == "" {
			st = kiosk.DeviceError
		}
		return &session.DeviceError{Device: "printer", State: st, Err: err}
	}
	return nil
}

// PrinterState is the printer service's last status (no printing), so
// that the session refuses a reprint that could not print.
func (a *printAdapter) PrinterState() kiosk.DeviceState {
	if a.p == nil {
		return kiosk.DeviceDisconnected
	}
	return a.p.State().State
}

var _ session.PrinterState = (*printAdapter)(nil)

// scanAdapter scans one material, runs the image pipeline and makes one PDF.
type scanAdapter struct {
	s   scanner.Scanner
	dpi int
}

func (a *scanAdapter) ScanMaterial(ctx context.Context) ([]byte, [][]byte, error) {
	dpi := a.dpi
	if dpi == 0 {
		dpi = 200
	}
	pages, err := a.s.Scan(ctx, scanner.Settings{DPI: dpi, Color: scanner.Gray}.WithDefaults())
	if err != nil && len(pages) == 0 {
		return nil, nil, &session.DeviceError{Device: "scanner", State: scanner.StateOf(err), Err: err}
	}
	var m imaging.Material
	var thumbs [][]byte
	for _, p := range pages {
		res, err := imaging.Process(p.Image, imaging.Options{Gray: true})
		if err != nil {
			return nil, nil, fmt.Errorf("scan: %w", err)
		}
		m.Add(imaging.PageFromResult(res, p.DPI))
		var b bytes.Buffer
		if err := png.Encode(&b, res.Thumb); err != nil {
			return nil, nil, err
		}
		thumbs = append(thumbs, b.Bytes())
	}
	var pdf bytes.Buffer
	if _, err := m.WritePDF(&pdf); err != nil {
		return nil, nil, fmt.Errorf("scan: %w", err)
	}
	return pdf.Bytes(), thumbs, nil
}

// formAdapter prints application forms as PDF through CUPS.
type formAdapter struct {
	c    *cups.Client
	font []byte
}

func (a *formAdapter) PrintForm(ctx context.Context, app *kiosk.Application, item *kiosk.ServiceItem) error {
	pdf, err := cups.FormPDF(cups.ApplicationForm(app, item.Form), a.font)
	if err != nil {
		return fmt.Errorf("form: %w", err)
	}
	if _, err := a.c.PrintPDF(ctx, app.AcceptanceNo, pdf); err != nil {
		st := kiosk.DeviceError
		if s, serr := a.c.Status(ctx); serr == nil && s.State != kiosk.DeviceReady {
			st = s.State
		}
		return &session.DeviceError{Device: "a4", State: st, Err: err}
	}
	return nil
}

// ticketCounter numbers the day's queue tickets in the store, so that the
// count goes on after a restart (a cursor per day, China time).
type ticketCounter struct {
	st *offline.Store
	mu sync.Mutex
}

func (c *ticketCounter) NextTicket(ctx context.Context, day time.Time) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	name := "queue-ticket-" + day.Format("2006-01-02")
	v, err := c.st.Cursor(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("queue ticket: %w", err)
	}
	n := 0
	if v != "" {
		if n, err = strconv.Atoi(v); err != nil {
			return 0, fmt.Errorf("queue ticket: counter %q: %w", v, err)
		}
	}
	n++
	if err := c.st.SetCursor(ctx, name, strconv.Itoa(n)); err != nil {
		return 0, fmt.Errorf("queue ticket: %w", err)
	}
	return n, nil
}
