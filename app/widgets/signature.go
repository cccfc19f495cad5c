package widgets

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// ErrEmptySignature is returned by PNG when nothing has been signed.
var ErrEmptySignature = errors.New("signature: empty")

// SignaturePad takes a handwritten signature (告知承诺, receipts). The
// signature is personal data: never log it; the caller seals the PNG with
// the application's attachments.
type SignaturePad struct {
	widget.BaseWidget

	// OnChanged is called after each stroke and after Clear.
	OnChanged func()
	// MinInk is the total stroke length in dp below which the pad still
	// counts as empty (a stray touch is not a signature). Default 40.
	MinInk float32

	area  *InkArea
	clear *key
}

// NewSignaturePad returns a pad of at least min size (0: 600×300 dp).
func NewSignaturePad(min fyne.Size) *SignaturePad {
	if min.IsZero() {
		min = fyne.NewSize(600, 300)
	}
	s := &SignaturePad{area: NewInkArea(min), MinInk: 40}
	s.area.LineWidth = 4
	s.area.OnStroke = func() {
		if s.OnChanged != nil {
			s.OnChanged()
		}
	}
	s.clear = newKey(LabelRewrite, DefaultKeySize, s.Clear)
	s.ExtendBaseWidget(s)
	return s
}

// SetOnChanged sets OnChanged (for holders that see the pad through an
// interface, such as the sign screen, which counts strokes as activity).
func (s *SignaturePad) SetOnChanged(f func()) { s.OnChanged = f }

// Area returns the drawing area.
func (s *SignaturePad) Area() *InkArea { return s.area }

// ClearButton returns the 重写 button.
func (s *SignaturePad) ClearButton() *widget.Button { return &s.clear.Button }

// Clear wipes the signature.
func (s *SignaturePad) Clear() {
	s.area.Clear()
	if s.OnChanged != nil {
		s.OnChanged()
	}
}

// Empty reports whether there is no signature worth keeping: no strokes, or
// less ink than MinInk.
func (s *SignaturePad) Empty() bool {
	var total float32
	for _, st := range s.area.strokes {
		for i := 1; i < len(st); i++ {
			dx, dy := st[i].X-st[i-1].X, st[i].Y-st[i-1].Y
			total += float32(fyneHypot(dx, dy))
		}
	}
	return total < s.MinInk
}

// Image renders the signature black on white at 2 pixels per dp.
func (s *SignaturePad) Image() image.Image {
	size := s.area.Size()
	if size.IsZero() {
		size = s.area.MinSize()
	}
	const scale = 2
	return renderInk(s.area.strokes, int(size.Width*scale), int(size.Height*scale), scale, s.area.LineWidth*scale, color.White, color.Black)
}

// PNG encodes Image, or returns ErrEmptySignature.
func (s *SignaturePad) PNG() ([]byte, error) {
	if s.Empty() {
		return nil, ErrEmptySignature
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&b, toGray(s.Image())); err != nil {
		return nil, fmt.Errorf("signature png: %w", err)
	}
	return b.Bytes(), nil
}

// toGray makes the PNG small: a signature needs no colour.
func toGray(img image.Image) *image.Gray {
	g := image.NewGray(img.Bounds())
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// CreateRenderer implements fyne.Widget.
func (s *SignaturePad) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, container.NewHBox(s.clear), nil, nil, s.area))
}

func fyneHypot(dx, dy float32) float64 { return math.Hypot(float64(dx), float64(dy)) }
