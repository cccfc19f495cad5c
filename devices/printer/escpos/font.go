package escpos

import (
	"fmt"
	"image"
	"image/color"
	"sync"

	"github.com/bianmin/kiosk/devices/printer/ttc"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Cell sizes of the printer's font A in dots: half-width (ASCII) characters
// are 12×24, full-width (Chinese) characters 24×24.
const (
	cellH    = 24
	halfW    = 12
	fullW    = 24
	baseline = 20
)

// Font draws characters into printer-sized cells. It is used by the
// interpreter and by the Builder's text-as-raster fallback. A Font is safe for
// concurrent use.
type Font struct {
	face  font.Face
	mu    sync.Mutex
	cache map[rune][]bool
}

// ParseFont parses TrueType/OpenType bytes or a TrueType collection (the
// first font of a .ttc is used). A nil or empty slice gives a fallback font
// that draws ASCII only and boxes for everything else.
func ParseFont(b []byte) (*Font, error) {
	f := &Font{cache: map[rune][]bool{}}
	if len(b) == 0 {
		f.face = basicfont.Face7x13
		return f, nil
	}
	ttf, err := ttc.TTF(b) // x/image/sfnt rejects some collections: extract font 0
	if err != nil {
		return nil, fmt.Errorf("escpos: parse font: %w", err)
	}
	sf, err := opentype.Parse(ttf)
	if err != nil {
		return nil, fmt.Errorf("escpos: parse font: %w", err)
	}
	face, err := opentype.NewFace(sf, &opentype.FaceOptions{Size: 22, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("escpos: font face: %w", err)
	}
	f.face = face
	return f, nil
}

// runeCells is the number of 12-dot columns r takes: 1 for ASCII, 2 for
// everything else (in Chinese mode every multi-byte character is full width).
func runeCells(r rune) int {
	if r < 0x80 {
		return 1
	}
	return 2
}

// DisplayWidth is the width of s in 12-dot columns (CJK counts 2).
func DisplayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeCells(r)
	}
	return n
}

// glyph returns the cell mask (row-major, true = black) of r.
func (f *Font) glyph(r rune) []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if g, ok := f.cache[r]; ok {
		return g
	}
	w := halfW * runeCells(r)
	adv, ok := f.face.GlyphAdvance(r)
	// Draw into a buffer wide enough for the glyph, then squeeze it into
	// the cell if it is wider (proportional Latin in a CJK font).
	bw := w
	if ok && adv.Ceil()+1 > bw {
		bw = adv.Ceil() + 1
	}
	dst := image.NewAlpha(image.Rect(0, 0, bw, cellH))
	if !ok || (r >= 0x80 && f.face == font.Face(basicfont.Face7x13)) {
		// No glyph: draw a box so that the gap is visible.
		for x := 2; x < w-2; x++ {
			dst.SetAlpha(x, 3, color.Alpha{255})
			dst.SetAlpha(x, cellH-4, color.Alpha{255})
		}
		for y := 3; y < cellH-3; y++ {
			dst.SetAlpha(2, y, color.Alpha{255})
			dst.SetAlpha(w-3, y, color.Alpha{255})
		}
	} else {
		x0 := (fixed.I(bw) - adv) / 2
		d := font.Drawer{Dst: dst, Src: image.Opaque, Face: f.face, Dot: fixed.Point26_6{X: x0, Y: fixed.I(baseline)}}
		d.DrawString(string(r))
	}
	if bw > w {
		sq := image.NewAlpha(image.Rect(0, 0, w, cellH))
		for y := 0; y < cellH; y++ {
			for x := 0; x < w; x++ {
				// keep a dot when any source dot it covers is inked
				var a uint8
				for sx := x * bw / w; sx < (x+1)*bw/w; sx++ {
					a = max(a, dst.Pix[y*dst.Stride+sx])
				}
				sq.Pix[y*sq.Stride+x] = a
			}
		}
		dst = sq
	}
	g := make([]bool, w*cellH)
	for i, a := range dst.Pix {
		g[i] = a >= 110
	}
	if len(f.cache) < 8192 {
		f.cache[r] = g
	}
	return g
}

// drawRune draws r at (x, y) scaled by sw×sh onto a white-background Gray
// image, clipped to its bounds. It returns the advance in dots.
func (f *Font) drawRune(dst *image.Gray, x, y int, r rune, sw, sh int, bold bool) int {
	w := halfW * runeCells(r)
	g := f.glyph(r)
	b := dst.Bounds()
	for gy := 0; gy < cellH; gy++ {
		for gx := 0; gx < w; gx++ {
			if !g[gy*w+gx] {
				continue
			}
			for dy := 0; dy < sh; dy++ {
				py := y + gy*sh + dy
				if py < b.Min.Y || py >= b.Max.Y {
					continue
				}
				ext := sw
				if bold {
					ext++
				}
				for dx := 0; dx < ext; dx++ {
					px := x + gx*sw + dx
					if px >= b.Min.X && px < b.Max.X {
						dst.Pix[(py-b.Min.Y)*dst.Stride+(px-b.Min.X)] = 0
					}
				}
			}
		}
	}
	return w * sw
}

// RenderText draws s on one line, scaled sw×sh, and returns the image
// (white background). It is the text-as-raster fallback for characters the
// printer's own font lacks.
func (f *Font) RenderText(s string, sw, sh int, bold bool) *image.Gray {
	sw, sh = clampScale(sw), clampScale(sh)
	w := DisplayWidth(s) * halfW * sw
	if w == 0 {
		w = 1
	}
	img := image.NewGray(image.Rect(0, 0, w, cellH*sh))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	x := 0
	for _, r := range s {
		x += f.drawRune(img, x, 0, r, sw, sh, bold)
	}
	return img
}

func clampScale(n int) int {
	if n < 1 {
		return 1
	}
	if n > 8 {
		return 8
	}
	return n
}
