package screens

import (
	"testing"

	"fyne.io/fyne/v2"

	"github.com/bianmin/kiosk/app/session"
)

// #10 leftover: on a landscape display (1920×1080, normal and 长辈模式)
// nothing is left empty under the bottom bar: the status line, which
// reserved ~90 px there in 长辈模式, sits in the top bar, and still says
// what it says (offline, printer). Portrait keeps it under the screen.
// Kills: the status line kept under the screen in landscape (the form's
// bottom bar ends 90 px above the display's edge), the status line shown
// nowhere.
func TestLandscapeNoEmptyBandUnderTheBottomBar(t *testing.T) {
	for _, elder := range []bool{false, true} {
		size := fyne.NewSize(1920, 1080)
		s, u, w, _ := setupWith(t, elder, Options{Status: func() Status { return Status{Online: false, Printer: "ready"} }}, size)
		pension(t, s)
		fyne.DoAndWait(func() {})
		relayout(w)
		if s.Snapshot().Screen != session.ScreenForm {
			t.Fatalf("screen %s", s.Snapshot().Screen)
		}
		next := findButton(w.Content(), u.T("form.submit"))
		if next == nil {
			t.Fatalf("no %q on the form: %q", u.T("form.submit"), texts(w.Content()))
		}
		gap := size.Height - (abs(next).Y + next.Size().Height)
		pad := u.th.Size("padding")
		if gap > 3*pad {
			t.Errorf("elder=%v: %.0f px empty under the bottom bar (padding %.0f)", elder, gap, pad)
		}
		if y := abs(u.status).Y; y > 200 || u.status.Text != u.T("app.offline") {
			t.Errorf("elder=%v: status line %q at y=%.0f, want %q in the top bar", elder, u.status.Text, y, u.T("app.offline"))
		}
	}
	// Portrait: under the screen, as before.
	s, u, w, _ := setupWith(t, true, Options{}, portrait)
	pension(t, s)
	fyne.DoAndWait(func() {})
	relayout(w)
	if y := abs(u.status).Y; y < portrait.Height-200 {
		t.Errorf("portrait: the status line at y=%.0f, want it under the screen", y)
	}
}
