package dock

import (
	"image"
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func find(o fyne.CanvasObject, f func(fyne.CanvasObject) bool) fyne.CanvasObject {
	if f(o) {
		return o
	}
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			if r := find(c, f); r != nil {
				return r
			}
		}
	case *container.Scroll:
		return find(v.Content, f)
	}
	return nil
}

func TestDockDrivesTheSimulators(t *testing.T) {
	test.NewTempApp(t)
	var placed string
	var removed, paperOut, netUp bool
	netUp = true
	receipt := image.NewGray(image.Rect(0, 0, 10, 10))
	receipt.SetGray(1, 1, color.Gray{Y: 0})
	d := New(Controls{
		Cards:       []Card{{Label: "resident", Place: func() { placed = "resident" }}},
		RemoveCard:  func() { removed = true },
		PaperOut:    func(on bool) { paperOut = on },
		Network:     func(up bool) { netUp = up },
		LastReceipt: func() image.Image { return receipt },
		Summary:     func() string { return "queue: 0" },
	}, "zh-CN")
	w := test.NewWindow(d.Content())
	defer w.Close()
	button := func(label string) *widget.Button {
		o := find(w.Content(), func(o fyne.CanvasObject) bool { b, ok := o.(*widget.Button); return ok && b.Text == label })
		if o == nil {
			t.Fatalf("no button %q", label)
		}
		return o.(*widget.Button)
	}
	check := func(label string) *widget.Check {
		o := find(w.Content(), func(o fyne.CanvasObject) bool { c, ok := o.(*widget.Check); return ok && c.Text == label })
		if o == nil {
			t.Fatalf("no check %q", label)
		}
		return o.(*widget.Check)
	}
	test.Tap(button("resident"))
	test.Tap(button("取走身份证"))
	test.Tap(check("打印机缺纸"))
	test.Tap(check("断开网络"))
	if placed != "resident" || !removed || !paperOut || netUp {
		t.Fatalf("placed %q removed %v paperOut %v netUp %v", placed, removed, paperOut, netUp)
	}
	if d.receipt.Image != receipt || d.summary.Text != "queue: 0" {
		t.Fatal("receipt or summary not shown")
	}
}
