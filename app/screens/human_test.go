package screens

// Defects found by the human-speed end-to-end suite (make e2e, issue 10):
// each test here reproduces one in process and fails without its fix.

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/app/widgets"
)

// 长辈模式 switched on in landscape: Fyne applies the new theme to the
// screen on show and fits the window to that screen's minimum size. The old
// attract screen, its lines broken for the normal sizes, measured 2364 px
// at the elder sizes, and the 1920 px window grew to 2388 px for good: the
// right half of every later screen lay off the display (the e2e flow found
// no phone field to tap).
func TestElderSwitchNeverWidensTheWindow(t *testing.T) {
	for _, size := range []fyne.Size{fyne.NewSize(1920, 1080), fyne.NewSize(1080, 1920)} {
		s, _, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, size)
		var widest float32
		// What the window fits itself to while the theme goes round.
		fyne.CurrentApp().Settings().AddListener(func(fyne.Settings) {
			if c := w.Content(); c != nil {
				widest = max(widest, c.MinSize().Width)
			}
		})
		s.ToggleElder()
		if widest > size.Width+0.5 {
			t.Errorf("%.0f×%.0f: while 长辈模式 came on the screen asked for %.0f px of width", size.Width, size.Height, widest)
		}
		if got := w.Content().MinSize().Width; got > size.Width+0.5 {
			t.Errorf("%.0f×%.0f: the elder attract screen needs %.0f px", size.Width, size.Height, got)
		}
		s.ToggleElder()
	}
}

// The session calls the UI back outside its lock, so the idle tick's copy
// of the state, taken a moment before a key press, can reach the UI after
// the key's own: rendered as it came, it put the form back one key (the
// e2e suite saw 13900002222 shown as 1390000222 until the next tick) and,
// across a change of screen, rebuilt the screen just left.
func TestALateSnapshotNeverUndoesATap(t *testing.T) {
	s, u, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, portrait)
	it := pension(t, s)
	phone := fieldOf(t, it, kiosk.FieldMobile, "")
	tapButton(t, w, phone.Hint)
	pad := find[*widgets.NumericPad](w.Content())
	for _, d := range "1390000222" {
		test.Tap(pad.Key(string(d)))
	}
	tick := s.Snapshot() // the tick's copy…
	test.Tap(pad.Key("2"))
	u.changed(tick) // …delivered after the last key
	if findButton(w.Content(), "13900002222") == nil {
		t.Fatalf("after the last key the field shows %q", texts(w.Content()))
	}

	// Across a change of screen: a copy of the form arriving after 下一步
	// must not build the form again.
	for _, f := range it.Form {
		if v := s.Snapshot().Form[f.Key]; v == "" {
			s.SetField(f.Key, kiosk.SampleValue(f))
		}
	}
	tick = s.Snapshot()
	if !s.SubmitForm() {
		t.Fatalf("form refused: %v", s.Snapshot().FieldErrors)
	}
	builds := u.Builds()
	u.changed(tick)
	if u.cur.screen != session.ScreenMaterials || u.Builds() != builds {
		t.Fatalf("a late copy of the form built %s (%d builds)", u.cur.screen, u.Builds()-builds)
	}
}

// In 长辈模式 on a landscape display the numeric pad fills most of the form's
// view: opened under the phone field, it pushed the field itself above the
// fold, and the resident typed without seeing the number (the e2e flow found
// no value on screen). The field and its whole keyboard are in view.
func TestOpenKeyboardShowsItsField(t *testing.T) {
	s, u, w, _ := setupWith(t, true, Options{Keyboard: TouchKeyboard{}}, fyne.NewSize(1920, 1080))
	it := pension(t, s)
	phone := fieldOf(t, it, kiosk.FieldMobile, "")
	relayout(w)
	tapButton(t, w, phone.Hint)
	relayout(w)
	pad := find[*widgets.NumericPad](w.Content())
	if pad == nil {
		t.Fatal("no numeric pad")
	}
	value := findButton(w.Content(), phone.Hint)
	ts := u.cur.scroll
	top, bottom := abs(ts).Y, abs(ts).Y+ts.Size().Height
	ok := pad.Key(widgets.LabelConfirm)
	okBottom := abs(pad).Y + ok.Position().Y + ok.Size().Height
	if y := abs(value).Y; y < top-0.5 || y+value.Size().Height > bottom+0.5 {
		t.Errorf("the phone field is at %.0f..%.0f, the view %.0f..%.0f", y, y+value.Size().Height, top, bottom)
	}
	if okBottom > bottom+0.5 {
		t.Errorf("the pad's 确定 ends at %.0f, below the view's %.0f", okBottom, bottom)
	}
}
