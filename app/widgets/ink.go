package widgets

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/handwriting/ink"
)

// InkArea is a surface a finger draws on: each drag is a stroke, a tap is a
// dot. It keeps the strokes in its own units (dp) and draws them as ink.
// HandwritingPad and SignaturePad are built on it.
type InkArea struct {
	widget.BaseWidget

	// OnStroke is called after each finished stroke.
	OnStroke func()
	// Width of the ink line in dp.
	LineWidth float32

	strokes []ink.Stroke
	drawing bool
	min     fyne.Size
	raster  *canvas.Raster
}

var (
	_ fyne.Draggable = (*InkArea)(nil)
	_ fyne.Tappable  = (*InkArea)(nil)
)

// NewInkArea returns an area of at least min size.
func NewInkArea(min fyne.Size) *InkArea {
	a := &InkArea{min: min, LineWidth: 6}
	a.ExtendBaseWidget(a)
	return a
}

// Strokes returns a copy of the strokes drawn so far.
func (a *InkArea) Strokes() []ink.Stroke {
	out := make([]ink.Stroke, len(a.strokes))
	for i, s := range a.strokes {
		out[i] = append(ink.Stroke(nil), s...)
	}
	return out
}

// Empty reports whether nothing has been drawn.
func (a *InkArea) Empty() bool { return len(a.strokes) == 0 }

// Clear removes all strokes.
func (a *InkArea) Clear() {
	a.strokes, a.drawing = nil, false
	a.Refresh()
}

// Undo removes the last stroke and reports whether there was one.
func (a *InkArea) Undo() bool {
	if len(a.strokes) == 0 {
		return false
	}
	a.strokes = a.strokes[:len(a.strokes)-1]
	a.drawing = false
	a.Refresh()
	return true
}

// Dragged implements fyne.Draggable: it extends the current stroke, or
// starts one where the drag began.
func (a *InkArea) Dragged(e *fyne.DragEvent) {
	p := ink.Point{X: e.Position.X, Y: e.Position.Y}
	if !a.drawing {
		start := ink.Point{X: e.Position.X - e.Dragged.DX, Y: e.Position.Y - e.Dragged.DY}
		a.strokes = append(a.strokes, ink.Stroke{start})
		a.drawing = true
	}
	s := &a.strokes[len(a.strokes)-1]
	*s = append(*s, p)
	a.Refresh()
}

// DragEnd implements fyne.Draggable.
func (a *InkArea) DragEnd() {
	if !a.drawing {
		return
	}
	a.drawing = false
	if a.OnStroke != nil {
		a.OnStroke()
	}
}

// Tapped implements fyne.Tappable: a tap leaves a dot (丶).
func (a *InkArea) Tapped(e *fyne.PointEvent) {
	a.strokes = append(a.strokes, ink.Stroke{{X: e.Position.X, Y: e.Position.Y}})
	a.Refresh()
	if a.OnStroke != nil {
		a.OnStroke()
	}
}

// MinSize implements fyne.Widget.
func (a *InkArea) MinSize() fyne.Size { return a.min }

// CreateRenderer implements fyne.Widget.
func (a *InkArea) CreateRenderer() fyne.WidgetRenderer {
	a.raster = canvas.NewRaster(func(w, h int) image.Image {
		size := a.Size()
		scale := float32(1)
		if size.Width > 0 {
			scale = float32(w) / size.Width
		}
		th := a.Theme()
		v := fyne.CurrentApp().Settings().ThemeVariant()
		return renderInk(a.strokes, w, h, scale, a.LineWidth*scale,
			th.Color(theme.ColorNameInputBackground, v), th.Color(theme.ColorNameForeground, v))
	})
	border := canvas.NewRectangle(color.Transparent)
	border.StrokeWidth = 2
	border.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	return &inkRenderer{a: a, objs: []fyne.CanvasObject{a.raster, border}, border: border}
}

type inkRenderer struct {
	a      *InkArea
	objs   []fyne.CanvasObject
	border *canvas.Rectangle
}

func (r *inkRenderer) Layout(s fyne.Size) {
	for _, o := range r.objs {
		o.Resize(s)
		o.Move(fyne.NewPos(0, 0))
	}
}
func (r *inkRenderer) MinSize() fyne.Size           { return r.a.min }
func (r *inkRenderer) Objects() []fyne.CanvasObject { return r.objs }
func (r *inkRenderer) Destroy()                     {}
func (r *inkRenderer) Refresh() {
	r.border.StrokeColor = theme.Color(theme.ColorNameInputBorder)
	r.a.raster.Refresh()
	r.border.Refresh()
}

// renderInk draws strokes (in dp, multiplied by scale) as round-capped lines
// of width lw pixels on a w×h image.
func renderInk(strokes []ink.Stroke, w, h int, scale, lw float32, bg, fg color.Color) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	rad := max(lw/2, 0.5)
	for _, s := range strokes {
		for i := range s {
			a := s[i]
			b := a
			if i+1 < len(s) {
				b = s[i+1]
			}
			stampLine(img, a.X*scale, a.Y*scale, b.X*scale, b.Y*scale, rad, fg)
		}
	}
	return img
}

// stampLine paints discs of radius r along the segment, one pixel apart.
func stampLine(img *image.RGBA, x0, y0, x1, y1, r float32, c color.Color) {
	dist := float32(math.Hypot(float64(x1-x0), float64(y1-y0)))
	n := int(dist) + 1
	for i := 0; i <= n; i++ {
		t := float32(i) / float32(n)
		disc(img, x0+(x1-x0)*t, y0+(y1-y0)*t, r, c)
	}
}

func disc(img *image.RGBA, cx, cy, r float32, c color.Color) {
	b := img.Bounds()
	for y := int(cy - r); y <= int(cy+r); y++ {
		for x := int(cx - r); x <= int(cx+r); x++ {
			if !(image.Point{x, y}).In(b) {
				continue
			}
			dx, dy := float32(x)+0.5-cx, float32(y)+0.5-cy
			if dx*dx+dy*dy <= r*r {
				img.Set(x, y, c)
			}
		}
	}
}
