package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// TapSlop is how far (dp) a finger may wander during a press and still be a
// tap: Fyne's desktop driver starts a drag after 2 px and then drops the
// tap, which a trembling finger on a touchscreen does all the time.
const TapSlop = 14

// TouchScroll is a vertical scroll area that a finger drags. Fyne's desktop
// driver (the one a kiosk's touchscreen runs under X) scrolls only with the
// mouse wheel; a touchscreen sends presses and motion, so without this
// anything below the fold is unreachable. A drag shorter than TapSlop is
// delivered as a tap to the button under the finger.
type TouchScroll struct {
	widget.BaseWidget

	// OnTouch is called at the start of every drag (activity for the idle timer).
	OnTouch func()

	scroll  *container.Scroll
	start   fyne.Position
	moved   float32
	touched bool
}

var _ fyne.Draggable = (*TouchScroll)(nil)

// NewTouchScroll returns a vertical scroll area over content.
func NewTouchScroll(content fyne.CanvasObject) *TouchScroll {
	t := &TouchScroll{scroll: container.NewVScroll(content)}
	t.ExtendBaseWidget(t)
	return t
}

// Scroll returns the underlying scroll container (offset, content).
func (t *TouchScroll) Scroll() *container.Scroll { return t.scroll }

// Offset returns the scroll offset.
func (t *TouchScroll) Offset() fyne.Position { return t.scroll.Offset }

// Dragged implements fyne.Draggable: the content follows the finger.
func (t *TouchScroll) Dragged(e *fyne.DragEvent) {
	if !t.touched {
		t.touched = true
		t.start = e.Position.Subtract(e.Dragged)
		t.moved = 0
		if t.OnTouch != nil {
			t.OnTouch()
		}
	}
	t.moved += abs32(e.Dragged.DX) + abs32(e.Dragged.DY)
	if t.moved < TapSlop {
		return
	}
	t.scrollBy(-e.Dragged.DY)
}

// ScrollBy moves the content up by dy (negative: down), clamped.
func (t *TouchScroll) scrollBy(dy float32) {
	s := t.scroll
	maxY := s.Content.MinSize().Height - s.Size().Height
	y := min(max(s.Offset.Y+dy, 0), max(maxY, 0))
	if y == s.Offset.Y {
		return
	}
	s.ScrollToOffset(fyne.NewPos(s.Offset.X, y))
}

// ScrollToShow scrolls as little as needed to bring the content between y0 and y1
// (content coordinates) into view; y0 goes to the top when the span is
// taller than the view.
func (t *TouchScroll) ScrollToShow(y0, y1 float32) {
	s := t.scroll
	s.Refresh() // the content takes its new height before the offset is clamped to it
	h := s.Size().Height
	off := s.Offset.Y
	switch {
	case y1-y0 > h || y0 < off:
		off = y0
	case y1 > off+h:
		off = y1 - h
	default:
		return
	}
	off = min(max(off, 0), max(s.Content.MinSize().Height-h, 0))
	s.ScrollToOffset(fyne.NewPos(s.Offset.X, off))
}

// DragEnd implements fyne.Draggable: a press that hardly moved is a tap.
func (t *TouchScroll) DragEnd() {
	if t.touched && t.moved < TapSlop {
		tapAt(t.scroll.Content, t.start.Add(t.scroll.Offset))
	}
	t.touched = false
}

// tapAt taps the topmost visible tappable object under pos (relative to o).
func tapAt(o fyne.CanvasObject, pos fyne.Position) bool {
	if o == nil || !o.Visible() {
		return false
	}
	sz := o.Size()
	if pos.X < 0 || pos.Y < 0 || pos.X > sz.Width || pos.Y > sz.Height {
		return false
	}
	switch v := o.(type) {
	case *fyne.Container:
		for i := len(v.Objects) - 1; i >= 0; i-- {
			c := v.Objects[i]
			if tapAt(c, pos.Subtract(c.Position())) {
				return true
			}
		}
		return false
	case *container.Scroll:
		return tapAt(v.Content, pos.Subtract(v.Content.Position()))
	case fyne.Tappable:
		if d, ok := o.(fyne.Disableable); ok && d.Disabled() {
			return true
		}
		v.Tapped(&fyne.PointEvent{Position: pos})
		return true
	case fyne.Widget:
		// A widget made of others (the numeric pad, the pinyin keyboard,
		// tabs): what it draws, topmost first, as Fyne's hit test sees it.
		objs := widgetObjects(v)
		for i := len(objs) - 1; i >= 0; i-- {
			c := objs[i]
			if tapAt(c, pos.Subtract(c.Position())) {
				return true
			}
		}
	}
	return false
}

func abs32(f float32) float32 {
	if f < 0 {
		return -f
	}
	return f
}

// CreateRenderer implements fyne.Widget.
func (t *TouchScroll) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(t.scroll)
}
