package main

import (
	"context"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/screens"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

// runTour walks the real app through every screen with the simulated
// devices and saves what the window shows, one PNG per screen.
func runTour(ctx context.Context, term *terminal.Terminal, ui *screens.UI, w fyne.Window, dir string, log *slog.Logger) error {
	if term.Sims.Reader == nil {
		return fmt.Errorf("tour: needs the simulated card reader")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	s := term.Session
	n := 0
	shot := func(name string) error {
		time.Sleep(400 * time.Millisecond) // let the render settle
		n++
		path := filepath.Join(dir, fmt.Sprintf("%02d-%s.png", n, name))
		// What the X server shows, as a person would see it; the GL
		// canvas's own capture reads back black under Xvfb.
		if bin, err := exec.LookPath("import"); err == nil && os.Getenv("DISPLAY") != "" {
			out, err := exec.CommandContext(ctx, bin, "-window", "root", path).CombinedOutput()
			if err != nil {
				return fmt.Errorf("tour: import: %v: %s", err, out)
			}
			log.Info("screenshot", "n", n, "screen", name)
			return nil
		}
		var err error
		fyne.DoAndWait(func() {
			img := w.Canvas().Capture()
			var f *os.File
			f, err = os.Create(path)
			if err != nil {
				return
			}
			defer f.Close()
			err = png.Encode(f, img)
		})
		log.Info("screenshot", "n", n, "screen", name)
		return err
	}
	wait := func(what string, cond func(session.Snapshot) bool) error {
		for i := 0; i < 300; i++ {
			if cond(s.Snapshot()) {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		return fmt.Errorf("tour: timed out waiting for %s", what)
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"attract", func() error { return nil }},
		{"manual-id", func() error { s.StartManual(); return nil }},
		{"help", func() error { s.Back(); s.OpenHelp(); return nil }},
		{"progress-empty", func() error { s.Back(); s.OpenProgress(); return nil }},
		{"home", func() error {
			s.Back()
			card, err := testcards.Get("resident")
			if err != nil {
				return err
			}
			if err := term.Sims.Reader.PlaceCard(card); err != nil {
				return err
			}
			return wait("card", func(sn session.Snapshot) bool { return sn.Screen == session.ScreenHome })
		}},
		{"search", func() error {
			s.OpenSearch()
			codes := []string{}
			for _, it := range s.Frequent() {
				codes = append(codes, it.Code)
			}
			s.SetSearchResults("yl", codes)
			return nil
		}},
		{"category", func() error { s.Home(); s.ChooseCategory(term.Catalog.Categories[0].ID); return nil }},
		{"bundle-guide", func() error { s.Home(); return s.ChooseBundle(term.Catalog.Bundles[0].Code) }},
		{"guide", func() error { s.Home(); return s.ChooseItem(tourItem(term.Catalog)) }},
		{"form", func() error { s.StartForm(); return nil }},
		{"form-errors", func() error {
			it, _ := term.Catalog.Item(tourItem(term.Catalog))
			for _, f := range it.Form {
				if f.Kind == kiosk.FieldMobile {
					s.SetField(f.Key, "1380013")
				}
			}
			s.SubmitForm()
			return nil
		}},
		{"materials", func() error {
			it, _ := term.Catalog.Item(tourItem(term.Catalog))
			terminal.FillSample(s, it)
			if !s.SubmitForm() {
				return fmt.Errorf("tour: form refused: %v", s.Snapshot().FieldErrors)
			}
			return nil
		}},
		{"sign", func() error {
			for i, m := range s.Snapshot().Materials {
				if m.Mode == "" && m.Spec.Committable {
					return s.SetMaterialMode(i, kiosk.MaterialCommitted)
				}
			}
			return nil
		}},
		{"materials-done", func() error {
			if s.Snapshot().Screen == session.ScreenSign {
				if err := s.Sign(tourSignature()); err != nil {
					return err
				}
			}
			for i, m := range s.Snapshot().Materials {
				switch {
				case m.Mode != "":
				case m.Spec.Deferrable:
					_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
				default:
					s.ScanMaterial(i)
					if err := wait("scan", func(sn session.Snapshot) bool { return !sn.Busy && sn.Materials[i].Mode != "" }); err != nil {
						return err
					}
				}
			}
			return nil
		}},
		{"review", func() error { return s.Review() }},
		{"done", func() error {
			s.Submit()
			return wait("receipt", func(sn session.Snapshot) bool { return sn.Screen == session.ScreenDone })
		}},
		{"rate", func() error { s.OpenRating(); return nil }},
		{"progress", func() error {
			if r := s.Snapshot().Receipt; r != nil {
				s.QRScanned(r.QRPayload)
			}
			return wait("progress", func(sn session.Snapshot) bool { return !sn.Busy && sn.Progress != nil })
		}},
		{"end", func() error { s.End(); return nil }},
	}
	for _, st := range steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := st.do(); err != nil {
			return fmt.Errorf("tour %s: %w", st.name, err)
		}
		if err := shot(st.name); err != nil {
			return err
		}
	}
	if p := term.Sims.Printer; p != nil {
		if img := p.LastReceipt(); img != nil {
			f, err := os.Create(filepath.Join(dir, "receipt.png"))
			if err == nil {
				_ = png.Encode(f, img)
				f.Close()
			}
		}
	}
	return nil
}

// tourItem picks a frequent item whose materials show every mode.
func tourItem(c *kiosk.Catalog) string {
	best, score := c.Items[0].Code, -1
	for _, it := range c.Items {
		sc := 0
		for _, m := range it.Materials {
			if m.Committable {
				sc += 2
			}
			if m.Deferrable {
				sc++
			}
		}
		if it.Kiosk && sc > score {
			best, score = it.Code, sc
		}
	}
	return best
}
