package main

import (
	"context"
	"fmt"
	"image/png"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
		for i := 0; i < 1200; i++ {
			if cond(s.Snapshot()) {
				return nil
			}
			time.Sleep(50 * time.Millisecond)
		}
		return fmt.Errorf("tour: timed out waiting for %s", what)
	}
	fg := screens.NewFinger(w, s)
	// tap reaches for a widget as a person would: scrolled into view when
	// below the fold, then tapped.
	tap := func(label string) error {
		time.Sleep(200 * time.Millisecond) // the screen answers the last tap
		if !fg.Has(label) {
			_, _ = reveal(fg, label, func(t screens.ProbeTarget) bool { return t.Kind == "tap" && t.Label == label })
		}
		return fg.Tap(label)
	}
	cat := term.Catalog
	it, err := cat.Item(tourItem(cat))
	if err != nil {
		return err
	}
	steps := []struct {
		name string
		do   func() error
	}{
		{"attract", func() error { return nil }},
		{"manual-id", func() error { return tap(ui.T("attract.agent")) }},
		{"help", func() error { return seq(tap(ui.T("app.back")), tap(ui.T("attract.help"))) }},
		{"progress-empty", func() error { return seq(tap(ui.T("app.back")), tap(ui.T("attract.progress"))) }},
		{"home", func() error {
			if err := tap(ui.T("app.back")); err != nil {
				return err
			}
			card, err := testcards.Get("resident")
			if err != nil {
				return err
			}
			// The card goes on the simulated reader: a device, not the UI.
			if err := term.Sims.Reader.PlaceCard(card); err != nil {
				return err
			}
			return wait("card", func(sn session.Snapshot) bool { return sn.Screen == session.ScreenHome })
		}},
		{"search", func() error {
			if err := tap(ui.T("home.search")); err != nil {
				return err
			}
			return seq(tap("y"), tap("l"))
		}},
		{"category", func() error { return seq(tap(ui.T("app.home")), tap(cat.Categories[0].Name)) }},
		{"bundle-guide", func() error { return seq(tap(ui.T("app.home")), tap(cat.Bundles[0].Name)) }},
		{"guide", func() error { return seq(tap(ui.T("app.home")), openItem(fg, ui, cat, it)) }},
		{"form", func() error { return tap(ui.T("guide.start")) }},
		{"form-errors", func() error {
			for _, f := range it.Form {
				if f.Kind == kiosk.FieldMobile {
					if err := typeNumber(fg, ui, f, "1380013"); err != nil {
						return err
					}
				}
			}
			return tap(ui.T("form.submit"))
		}},
		{"materials", func() error {
			if err := fillForm(fg, ui, it); err != nil {
				return err
			}
			if err := tap(ui.T("form.submit")); err != nil {
				return err
			}
			return wait("materials", func(sn session.Snapshot) bool { return sn.Screen == session.ScreenMaterials })
		}},
		{"sign", func() error {
			if err := tap(ui.T("materials.commit")); err != nil {
				return err
			}
			return wait("sign", func(sn session.Snapshot) bool { return sn.Screen == session.ScreenSign })
		}},
		{"materials-done", func() error {
			if err := signature(fg); err != nil {
				return err
			}
			if err := tap(ui.T("sign.done")); err != nil {
				return err
			}
			for i := 0; i < 10; i++ {
				sn := s.Snapshot()
				open := -1
				for n, m := range sn.Materials {
					if m.Mode == "" && m.Spec.Required {
						open = n
						break
					}
				}
				if open < 0 {
					return nil
				}
				m := sn.Materials[open]
				// The buttons of the first material still undecided.
				below := func(label string) error {
					mk, err := reveal(fg, "undecided", func(t screens.ProbeTarget) bool {
						return t.Kind == "text" && t.Label == ui.T("materials.undecided")
					})
					if err != nil {
						return err
					}
					return fg.TapWhere(label, func(t screens.ProbeTarget) bool {
						return t.Kind == "tap" && t.Label == label && t.Y > mk.Y && t.Y-mk.Y < 250
					})
				}
				switch {
				case m.Spec.Deferrable:
					err = below(ui.T("materials.defer"))
				default:
					err = below(ui.T("materials.scan"))
					if err == nil {
						err = wait("scan", func(sn session.Snapshot) bool { return !sn.Busy && sn.Materials[open].Mode != "" })
					}
				}
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"review", func() error { return tap(ui.T("materials.review")) }},
		{"done", func() error {
			if err := tap(ui.T("review.submit")); err != nil {
				return err
			}
			return wait("receipt", func(sn session.Snapshot) bool { return sn.Screen == session.ScreenDone })
		}},
		{"rate", func() error { return tap(ui.T("done.rate")) }},
		{"progress", func() error {
			// The receipt's QR shown to the simulated scanner (a device).
			r := s.Snapshot().Receipt
			if r == nil || term.Sims.QR == nil {
				return fmt.Errorf("tour: no receipt or no simulated QR scanner")
			}
			if err := term.Sims.QR.Send(r.QRPayload); err != nil {
				return err
			}
			return wait("progress", func(sn session.Snapshot) bool { return !sn.Busy && sn.Progress != nil })
		}},
		{"end", func() error { return tap(ui.T("app.exit")) }},
	}
	for _, st := range steps {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := st.do(); err != nil {
			_ = shot(st.name + "-failed") // what the screen showed when the finger found nothing
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

func seq(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// keys taps on-screen keys.
func keys(fg *screens.Finger, labels ...string) error {
	for _, l := range labels {
		if err := fg.Tap(l); err != nil {
			return err
		}
	}
	return nil
}

// scroll drags the screen's scrolling area by dy window pixels (negative:
// content up), as a finger does.
func scroll(fg *screens.Finger, dy float32) error {
	for _, t := range fg.Targets() {
		if t.Kind == "drag" && strings.Contains(t.Type, "TouchScroll") {
			x, y := t.X+t.W-40, t.Y+t.H/2
			var pts [][2]float32
			for i := 0; i <= 10; i++ {
				pts = append(pts, [2]float32{x, y + dy*float32(i)/10})
			}
			return fg.Draw("TouchScroll", [][][2]float32{pts})
		}
	}
	return fmt.Errorf("tour: nothing to scroll")
}

// reveal scrolls until ok finds a target (down first, then up).
func reveal(fg *screens.Finger, what string, ok func(screens.ProbeTarget) bool) (screens.ProbeTarget, error) {
	for dir := float32(-1); dir <= 1; dir += 2 {
		for i := 0; i < 10; i++ {
			for _, t := range fg.Targets() {
				if ok(t) && !t.Covered && (t.Kind == "text" || t.H >= 40) {
					return t, nil
				}
			}
			if err := scroll(fg, dir*500); err != nil {
				return screens.ProbeTarget{}, err
			}
		}
	}
	return screens.ProbeTarget{}, fmt.Errorf("tour: %s not found", what)
}

// field taps the input under the field's label.
func field(fg *screens.Finger, f kiosk.FieldSpec) error { return fieldTry(fg, f, 3) }

func fieldTry(fg *screens.Finger, f kiosk.FieldSpec, tries int) error {
	isLabel := func(t screens.ProbeTarget) bool {
		return t.Kind == "text" && (t.Label == f.Label || t.Label == f.Label+" *")
	}
	lt, err := reveal(fg, f.Label, isLabel)
	if err != nil {
		return err
	}
	width := float32(0)
	for _, t := range fg.Targets() {
		width = max(width, t.X+t.W)
	}
	if err := fg.TapWhere(f.Label, func(t screens.ProbeTarget) bool {
		return t.Kind == "tap" && t.Y >= lt.Y+lt.H-2 && t.Y-lt.Y < 120 && t.W >= width*0.7 && t.H >= 40
	}); err == nil {
		return nil
	}
	// The input is below the fold: bring it up, then tap it.
	if tries == 0 {
		return fmt.Errorf("tour: the input of %s is not on screen", f.Label)
	}
	if err := scroll(fg, -400); err != nil {
		return err
	}
	return fieldTry(fg, f, tries-1)
}

// typeNumber types digits on the field's numeric pad and confirms.
func typeNumber(fg *screens.Finger, ui *screens.UI, f kiosk.FieldSpec, digits string) error {
	if err := field(fg, f); err != nil {
		return err
	}
	if err := revealKey(fg, ui.T("app.confirm")); err != nil {
		return err
	}
	_ = fg.Tap("清空")
	for _, r := range digits {
		if err := fg.Tap(string(r)); err != nil {
			return err
		}
	}
	return fg.Tap(ui.T("app.confirm"))
}

func revealKey(fg *screens.Finger, label string) error {
	_, err := reveal(fg, label, func(t screens.ProbeTarget) bool { return t.Kind == "tap" && t.Label == label })
	return err
}

// fillForm types what the card did not fill: choices by their first option,
// numbers on the numeric pad, text in pinyin (测试).
func fillForm(fg *screens.Finger, ui *screens.UI, it *kiosk.ServiceItem) error {
	for _, f := range it.Form {
		if f.Prefill != "" || !f.Required {
			continue
		}
		var err error
		switch f.Kind {
		case kiosk.FieldChoice:
			isLabel := func(t screens.ProbeTarget) bool { return t.Kind == "text" && t.Label == f.Label+" *" }
			var lt screens.ProbeTarget
			if lt, err = reveal(fg, f.Label, isLabel); err == nil {
				err = fg.TapWhere(f.Choices[0], func(t screens.ProbeTarget) bool {
					return t.Kind == "tap" && t.Label == f.Choices[0] && t.Y > lt.Y
				})
			}
		case kiosk.FieldText:
			if err = field(fg, f); err == nil {
				err = revealKey(fg, "c")
			}
			if err == nil {
				err = keys(fg, "c", "e", "测", "s", "h", "i", "试", ui.T("app.confirm"))
			}
		default:
			v := strings.ReplaceAll(kiosk.SampleValue(f), "-", "")
			if f.Kind == kiosk.FieldNumber {
				v = "3"
			}
			err = typeNumber(fg, ui, f, v)
		}
		if err != nil {
			return fmt.Errorf("tour: field %s: %w", f.Label, err)
		}
	}
	return nil
}

// signature draws a scribble of three strokes on the signature pad.
func signature(fg *screens.Finger) error {
	for _, t := range fg.Targets() {
		if t.Kind == "drag" && strings.Contains(t.Type, "InkArea") {
			x, y := t.X+t.W*0.2, t.Y+t.H*0.5
			var zig [][2]float32
			for i := 0; i <= 12; i++ {
				zig = append(zig, [2]float32{x + float32(i)*30, y + float32(i%2*2-1)*40})
			}
			return fg.Draw("InkArea", [][][2]float32{
				{{x, y - 60}, {x + 100, y - 60}},
				{{x + 50, y - 80}, {x + 50, y + 80}},
				zig,
			})
		}
	}
	return fmt.Errorf("tour: no signature pad")
}

// openItem opens an item from the home screen, through its category and
// its pages when it is not among the frequent ones.
func openItem(fg *screens.Finger, ui *screens.UI, cat *kiosk.Catalog, it *kiosk.ServiceItem) error {
	if fg.Has(it.Name) {
		return fg.Tap(it.Name)
	}
	for _, c := range cat.Categories {
		if c.ID == it.Category {
			if err := fg.Tap(c.Name); err != nil {
				return err
			}
		}
	}
	for page := 0; page < 8; page++ {
		if fg.Has(it.Name) {
			return fg.Tap(it.Name)
		}
		if !fg.Has(ui.T("app.next_page")) {
			break
		}
		if err := fg.Tap(ui.T("app.next_page")); err != nil {
			return err
		}
	}
	return fmt.Errorf("tour: %s not found in its category", it.Name)
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
