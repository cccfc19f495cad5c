package screens

import (
	"reflect"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/session"
)

// The probe counts each tap the UI handles once, however often it walks
// the tree, also on widgets that embed a button; it lists where they are
// and sees a widget under a modal as covered.
func TestProbeCountsHandledTapsOnce(t *testing.T) {
	test.NewTempApp(t)
	handled := 0
	btn := widget.NewButton("确定", func() { handled++ })
	other := widget.NewButton("返回", func() {})
	w := test.NewTempWindow(t, container.NewVBox(btn, other))
	w.Resize(fyne.NewSize(400, 300))
	sess := session.New(session.Config{}, session.Deps{})
	p := &probe{win: w, sess: sess}
	p.pc = reflect.ValueOf(p.wrapper(nil, "", nil)).Pointer()
	var f ProbeFrame
	for i := 0; i < 3; i++ { // walked after every frame: wrapped once only
		f = p.frame()
	}
	found := false
	for _, tg := range f.Targets {
		if tg.Kind == "tap" && tg.Label == "确定" && tg.W > 0 && tg.H > 0 && !tg.Covered {
			found = true
		}
	}
	if !found {
		t.Fatalf("button not listed as a counted tap target: %+v", f.Targets)
	}
	test.Tap(btn)
	test.Tap(btn)
	if handled != 2 || p.taps != 2 {
		t.Fatalf("handled %d, counted %d, want 2 and 2", handled, p.taps)
	}
	if p.recent[1].Label != "确定" || p.recent[1].Type != "widget.Button" {
		t.Fatalf("recent %+v", p.recent)
	}
	// A shade over everything (a modal) covers the buttons below it.
	shade := widget.NewButton("", func() {})
	w.SetContent(container.NewStack(container.NewVBox(btn, other), shade))
	for _, tg := range p.frame().Targets {
		if tg.Kind == "tap" && tg.Label == "确定" && !tg.Covered {
			t.Fatal("a button under a full-window widget is not marked covered")
		}
	}
}
