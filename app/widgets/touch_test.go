package widgets

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
)

// A keyboard that fills the display (长辈模式, landscape) left a finger
// nowhere to scroll the page: the keys took every drag that began on them
// (found by make e2e: the form below the numeric pad was out of reach). A
// drag on the keys scrolls the page; a press that wanders a few pixels on a
// key still types it.
func TestDragOnTheKeysScrollsThePage(t *testing.T) {
	newKioskApp(t)
	target := &StringTarget{}
	pad := NewNumericPad(target, 0, false, fyne.NewSize(120, 150))
	below := canvas.NewRectangle(nil)
	below.SetMinSize(fyne.NewSize(10, 1500)) // the rest of the form
	ts := NewTouchScroll(container.NewVBox(pad, below))
	w := test.NewTempWindow(t, ts)
	w.Resize(fyne.NewSize(600, 700))

	// Where a key is on the canvas (Fyne's test driver does not see into
	// the pad's renderer): the pad's place, the key's place in it.
	key := func(l string) fyne.Position {
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(pad).Add(pad.Key(l).Position()).Add(fyne.NewPos(30, 30))
	}
	at := key("5")
	test.Drag(w.Canvas(), at, 0, -300)
	if ts.Offset().Y < 250 {
		t.Fatalf("a 300 px drag that began on a key scrolled the page %.0f px", ts.Offset().Y)
	}
	if target.Value != "" {
		t.Fatalf("the drag typed %q", target.Value)
	}

	test.Drag(w.Canvas(), key("0"), 3, 2) // a wobbly press, the page scrolled
	if target.Value != "0" {
		t.Fatalf("a press wandering 5 px on 0 typed %q", target.Value)
	}
}
