package screens

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/session"
)

// settleDegraded reports d to the session and lets it hold past the
// session's settle time, on the tests' clock.
func settleDegraded(s *session.Session, d session.Degraded) {
	s.SetDegraded(d)
	clk.Add(10 * time.Second)
	s.SetDegraded(d)
	fyne.DoAndWait(func() {})
}

// firstLine is the start of a text, as a label broken into lines shows it.
func firstLine(text string) string {
	r := []rune(text)
	return string(r[:min(6, len(r))])
}

// TestAttractInDegradedModes: in portrait and landscape, normal and 长辈模式,
// the attract screen in each degraded mode says what works (without a
// reader: the QR code and staff, never 放置身份证; printer out and disk low:
// a plain line), fits the display without scrolling, is not rebuilt, and
// its buttons and the card picture stay where the finger and the eye expect
// them. Screenshots with -shots.
// Kills: the subtitle, the card picture or the arrows to the reader
// ignoring the reader's absence, the degraded line missing, its room not
// reserved (the buttons move).
func TestAttractInDegradedModes(t *testing.T) {
	modes := []struct {
		name string
		d    session.Degraded
	}{
		{"normal", session.Degraded{}},
		{"reader_missing", session.Degraded{ReaderMissing: true}},
		{"printer_out", session.Degraded{PrinterOut: true}},
		{"disk_low", session.Degraded{DiskLow: true}},
		{"all", session.Degraded{ReaderMissing: true, PrinterOut: true, DiskLow: true}},
		{"normal_again", session.Degraded{}},
	}
	for _, size := range []fyne.Size{portrait, fyne.NewSize(1920, 1080)} {
		for _, elder := range []bool{false, true} {
			name := fmt.Sprintf("%.0fx%.0f-elder=%v", size.Width, size.Height, elder)
			t.Run(name, func(t *testing.T) {
				s, u, w, _ := setupWith(t, elder, Options{}, size)
				fyne.DoAndWait(func() {})
				labels := []string{u.T("attract.qr"), u.T("attract.progress"), u.T("attract.agent"), u.T("attract.help")}
				where := func() map[string]fyne.Position {
					relayout(w)
					out := map[string]fyne.Position{}
					for _, l := range labels {
						b := findButton(w.Content(), l)
						if b == nil {
							t.Fatalf("no %q on the attract screen", l)
						}
						out[l] = abs(b)
					}
					// The drawn card outline (where the eye goes) stays too.
					walk(w.Content(), func(o fyne.CanvasObject) {
						if r, ok := o.(*canvas.Rectangle); ok && r.StrokeWidth == 6 {
							out["card"] = abs(r)
						}
					})
					if _, ok := out["card"]; !ok {
						t.Fatal("no card outline on the attract screen")
					}
					return out
				}
				before, builds := where(), u.Builds()
				for _, m := range modes {
					settleDegraded(s, m.d)
					if got := s.Snapshot().Degraded; got != m.d {
						t.Fatalf("%s: the session holds %+v", m.name, got)
					}
					save(t, w, fmt.Sprintf("attract-%s-%s", name, m.name))
					if after := where(); fmt.Sprint(after) != fmt.Sprint(before) {
						t.Errorf("%s: the buttons moved from %v to %v", m.name, before, after)
					}
					if u.Builds() != builds {
						t.Errorf("%s: the attract screen was rebuilt", m.name)
					}
					if min := w.Content().MinSize(); min.Width > size.Width+0.5 || min.Height > size.Height+0.5 {
						t.Errorf("%s: needs %.0f×%.0f", m.name, min.Width, min.Height)
					}
					if sc := u.cur.scroll.Scroll(); sc.Content.MinSize().Height > sc.Size().Height+0.5 {
						t.Errorf("%s: needs %.0f px high, has %.0f", m.name, sc.Content.MinSize().Height, sc.Size().Height)
					}
					card := shows(w.Content(), u.T("attract.hint_card")) || shows(w.Content(), firstLine(u.T("attract.subtitle")))
					if m.d.ReaderMissing == card {
						t.Errorf("%s: card prompt shown %v with the reader missing %v: %q", m.name, card, m.d.ReaderMissing, texts(w.Content()))
					}
					// The arrows point at the reader below a portrait screen:
					// none without a reader (nor in landscape, where the
					// reader's place differs).
					if want := !m.d.ReaderMissing && size.Height > size.Width; shows(w.Content(), "↓") != want {
						t.Errorf("%s: arrows to the reader shown %v, want %v", m.name, !want, want)
					}
					if m.d.ReaderMissing && (!shows(w.Content(), u.T("attract.card_hint_no_reader")) || !shows(w.Content(), firstLine(u.T("degraded.reader_missing")))) {
						t.Errorf("%s: no QR / staff hint: %q", m.name, texts(w.Content()))
					}
					wantLine := ""
					switch {
					case m.d.DiskLow:
						wantLine = u.T("degraded.disk_low")
					case m.d.PrinterOut:
						wantLine = u.T("degraded.printer_out")
					}
					for _, k := range []string{"degraded.disk_low", "degraded.printer_out"} {
						if got := shows(w.Content(), firstLine(u.T(k))); got != (u.T(k) == wantLine) {
							t.Errorf("%s: %s shown %v", m.name, k, got)
						}
					}
				}
			})
		}
	}
}

// TestPrinterOutAskedBeforeTheForm: with the printer out, 开始办理 on the
// guide first says that the receipt will be on screen and reprintable, as
// a modal; 知道了，继续办理 opens the form. Kills: the Ask not shown (the
// resident stuck on the guide with no word), the answer not wired.
func TestPrinterOutAskedBeforeTheForm(t *testing.T) {
	s, u, w, _ := setupWith(t, false, Options{}, portrait)
	settleDegraded(s, session.Degraded{PrinterOut: true})
	s.CardRead(resident())
	if err := s.ChooseItem(s.Frequent()[0].Code); err != nil {
		t.Fatal(err)
	}
	fyne.DoAndWait(func() {})
	tapButton(t, w, u.T("guide.start"))
	fyne.DoAndWait(func() {})
	if !u.ask.Visible() || !shows(u.ask, firstLine(u.T("ask.printer_out"))) {
		t.Fatalf("no word before the form: modal %v %q", u.ask.Visible(), texts(w.Content()))
	}
	save(t, w, "ask-printer-out")
	b := findButton(u.ask, u.T("ask.printer_out_yes"))
	if b == nil || b.Importance != widget.HighImportance {
		t.Fatalf("going on is not the prominent answer: %v", b)
	}
	test.Tap(b)
	fyne.DoAndWait(func() {})
	if sc := s.Snapshot().Screen; sc != session.ScreenForm || u.ask.Visible() {
		t.Fatalf("after 知道了: %s, modal %v", sc, u.ask.Visible())
	}
}

// TestDiskLowAskedAtTheStart: with the disk low, 开始办理 says plainly that
// no new application can be taken and offers staff. Kills: no modal for
// ask.disk_low.
func TestDiskLowAskedAtTheStart(t *testing.T) {
	s, u, w, _ := setupWith(t, true, Options{}, fyne.NewSize(1920, 1080))
	settleDegraded(s, session.Degraded{DiskLow: true})
	s.CardRead(resident())
	_ = s.ChooseItem(s.Frequent()[0].Code)
	fyne.DoAndWait(func() {})
	tapButton(t, w, u.T("guide.start"))
	fyne.DoAndWait(func() {})
	if !u.ask.Visible() || !shows(u.ask, firstLine(u.T("ask.disk_low"))) {
		t.Fatalf("disk low not told: %q", texts(w.Content()))
	}
	save(t, w, "ask-disk-low-landscape-elder")
	b := findButton(u.ask, u.T("ask.disk_low_yes"))
	if b == nil {
		t.Fatal("no 呼叫工作人员 in the question")
	}
	test.Tap(b)
	fyne.DoAndWait(func() {})
	if sc := s.Snapshot().Screen; sc != session.ScreenHelp || u.ask.Visible() {
		t.Fatalf("after 呼叫工作人员: %s, modal %v", sc, u.ask.Visible())
	}
}

// TestDoneShowsTheReceiptOnScreenWhilePrinterOut: the receipt that could not
// print is on the done screen (its QR code and a line saying so), reprint
// waits for the printer, and the end screen asks for the card only. Kills:
// the on-screen line missing, reprint offered in printer_out, the end
// screen asking for a receipt that never came out.
func TestDoneShowsTheReceiptOnScreenWhilePrinterOut(t *testing.T) {
	pr := &paperOut{out: true}
	testPrinters.Store(t, pr)
	s, u, w, _ := setupWith(t, false, Options{}, portrait)
	submitSomething(t, s) // the printer fails; printer_out not yet known
	// The done screen as the submit left it, before printer_out comes (the
	// test driver renders on the goroutine that changed the session).
	waitFor(t, func() bool { return shows(w.Content(), firstLine(u.T("done.receipt_on_screen"))) })
	settleDegraded(s, session.Degraded{PrinterOut: true})
	qr := false
	walk(w.Content(), func(o fyne.CanvasObject) {
		if _, ok := o.(*canvas.Image); ok {
			qr = true
		}
	})
	if !qr {
		t.Fatal("no receipt QR on the done screen")
	}
	ok := false
	for deadline := time.Now().Add(20 * time.Second); !ok && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		fyne.DoAndWait(func() { // on the UI goroutine, where renders run
			// The session as it is now: a render of an older copy (the
			// submit goroutine's) can arrive after the degraded one
			// (render.go renders the session itself).
			u.Render(s.Snapshot())
			b := findButton(w.Content(), u.T("done.reprint"))
			ok = b != nil && b.Disabled() && shows(w.Content(), u.T("done.reprint_wait"))
		})
	}
	if !ok {
		t.Fatalf("reprint offered in printer_out (degraded %+v): %q", s.Snapshot().Degraded, texts(w.Content()))
	}
	save(t, w, "done-printer-out")
	s.End()
	waitFor(t, func() bool { return shows(w.Content(), u.T("end.take_card_only")) })
	if shows(w.Content(), u.T("end.take_card")) {
		t.Fatalf("end screen: %q", texts(w.Content()))
	}
}
