package escpos

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"unicode/utf8"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Command bytes.
const (
	ESC = 0x1B
	GS  = 0x1D
	FS  = 0x1C
	DLE = 0x10
	EOT = 0x04
	LF  = 0x0A
)

// Align is a line justification.
type Align byte

// Justifications (ESC a n).
const (
	AlignLeft   Align = 0
	AlignCenter Align = 1
	AlignRight  Align = 2
)

// ErrTooLong is returned when QR data exceeds what one command can carry.
var ErrTooLong = errors.New("data too long")

// Builder accumulates the bytes of one or more receipts. Methods return the
// Builder so that calls chain; the first error sticks and is reported by Err
// and Bytes. A Builder is not safe for concurrent use.
type Builder struct {
	p       Profile
	font    *Font
	buf     []byte
	enc     *encoding.Encoder
	sw, sh  int
	bold    bool
	midLine bool
	err     error
	// ForceRasterQR makes QR always a bitmap even on printers with native QR.
	ForceRasterQR bool
}

// NewBuilder returns a Builder for profile p. font (may be nil) is used for
// the text-as-raster fallback; without it unprintable characters become □.
func NewBuilder(p Profile, font *Font) *Builder {
	return &Builder{p: p.withDefaults(), font: font, enc: simplifiedchinese.GB18030.NewEncoder(), sw: 1, sh: 1}
}

// Profile returns the builder's (normalised) profile.
func (b *Builder) Profile() Profile { return b.p }

// Bytes returns the accumulated bytes, or the first error.
func (b *Builder) Bytes() ([]byte, error) {
	if b.err != nil {
		return nil, b.err
	}
	return b.buf, nil
}

// Err returns the first error met.
func (b *Builder) Err() error { return b.err }

// Raw appends bytes as they are.
func (b *Builder) Raw(p ...byte) *Builder {
	b.buf = append(b.buf, p...)
	return b
}

// Init resets the printer (ESC @) and turns Chinese mode on (FS &).
func (b *Builder) Init() *Builder {
	b.sw, b.sh, b.bold, b.midLine = 1, 1, false, false
	return b.Raw(ESC, '@', FS, '&')
}

// ChineseMode turns the double-byte (GB18030) character mode on or off.
func (b *Builder) ChineseMode(on bool) *Builder {
	if on {
		return b.Raw(FS, '&')
	}
	return b.Raw(FS, '.')
}

// Bold turns emphasis on or off (ESC E n).
func (b *Builder) Bold(on bool) *Builder {
	b.bold = on
	if on {
		return b.Raw(ESC, 'E', 1)
	}
	return b.Raw(ESC, 'E', 0)
}

// Size sets the character magnification, 1–8 in each direction (GS ! n).
func (b *Builder) Size(w, h int) *Builder {
	w, h = clampScale(w), clampScale(h)
	b.sw, b.sh = w, h
	return b.Raw(GS, '!', byte((w-1)<<4|(h-1)))
}

// Align sets the justification (ESC a n). It takes effect at a line start.
func (b *Builder) Align(a Align) *Builder { return b.Raw(ESC, 'a', byte(a)) }

// LineSpacing sets the line feed amount in dots (ESC 3 n).
func (b *Builder) LineSpacing(dots int) *Builder {
	if dots < 0 {
		dots = 0
	}
	if dots > 255 {
		dots = 255
	}
	return b.Raw(ESC, '3', byte(dots))
}

// DefaultLineSpacing restores the default line spacing (ESC 2).
func (b *Builder) DefaultLineSpacing() *Builder { return b.Raw(ESC, '2') }

// Feed prints the buffer and feeds n lines (ESC d n).
func (b *Builder) Feed(n int) *Builder {
	if n < 0 {
		n = 0
	}
	if n > 255 {
		n = 255
	}
	b.midLine = false
	return b.Raw(ESC, 'd', byte(n))
}

// Cut feeds past the cutter and cuts (GS V 66 n, partial). On a printer
// without a cutter it feeds to the tear bar instead.
func (b *Builder) Cut() *Builder {
	b.midLine = false
	if !b.p.Cutter {
		return b.Raw(ESC, 'd', 4)
	}
	return b.Raw(GS, 'V', 66, 0)
}

// printable reports whether the printer's resident font can print r.
func (b *Builder) encodeRune(r rune) ([]byte, bool) {
	if r < 0x80 {
		return []byte{byte(r)}, r >= 0x20 && r != 0x7F
	}
	if r == utf8.RuneError || r >= 0xE000 && r <= 0xF8FF || r >= 0xF0000 {
		return nil, false // private use: only the card's own font has it
	}
	e, err := b.enc.Bytes([]byte(string(r)))
	if err != nil {
		return nil, false
	}
	if !b.p.GB18030Full && (len(e) == 4 || gb18030Only(e)) {
		return nil, false
	}
	return e, true
}

// gb18030Only reports whether a two-byte GB18030 code is one that GBK
// (CP936) firmware does not have: codes GB18030-2000 and -2005 assigned where
// GBK has none or a private-use glyph. 0xA2E3 is €, which GBK firmware
// prints as garbage or nothing (CP936's single-byte 0x80 for € is missing
// from printer fonts as well).
func gb18030Only(e []byte) bool {
	if len(e) != 2 {
		return false
	}
	c := uint16(e[0])<<8 | uint16(e[1])
	switch {
	case c == 0xA2E3, // €
		c >= 0xA6D9 && c <= 0xA6DF, c == 0xA6EC, c == 0xA6ED, c == 0xA6F3, // vertical punctuation (2005)
		c == 0xA8BC, c == 0xA8BF, // ḿ ǹ
		c >= 0xA989 && c <= 0xA995, // ideographic description characters
		c >= 0xFE50 && c <= 0xFEA0: // radicals and components, private use in GBK
		return true
	}
	return false
}

// Text appends s encoded in GB18030. Control characters are dropped so that
// data can never inject commands. A piece of text holding characters the
// printer's font lacks (Private Use Area, or 4-byte and GB18030-only
// two-byte codes such as € on GBK firmware) is printed as an image of the
// text when the Builder has a Font, else those characters become □ (€ becomes
// EUR).
func (b *Builder) Text(s string) *Builder {
	var out []byte
	bad := false
	for _, r := range s {
		if r == '\n' {
			out = append(out, LF)
			continue
		}
		e, ok := b.encodeRune(r)
		if !ok {
			if r < 0x20 || r == 0x7F {
				continue
			}
			if r == '€' && b.font == nil {
				out = append(out, "EUR"...) // no font to draw it: the ISO code, never □ in an amount
				continue
			}
			bad = true
			out = append(out, 0xA1, 0xF5) // □
			continue
		}
		out = append(out, e...)
	}
	if bad && b.font != nil {
		return b.textRaster(s)
	}
	b.buf = append(b.buf, out...)
	if len(out) > 0 {
		b.midLine = out[len(out)-1] != LF
	}
	return b
}

// Line appends s and a line feed.
func (b *Builder) Line(s string) *Builder { return b.Text(s + "\n") }

// textRaster prints s (one or more lines) as images.
func (b *Builder) textRaster(s string) *Builder {
	if b.midLine {
		b.Raw(LF)
		b.midLine = false
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != '\n' {
			continue
		}
		line := s[start:i]
		start = i + 1
		clean := make([]rune, 0, len(line))
		for _, r := range line {
			if r >= 0x20 && r != 0x7F {
				clean = append(clean, r)
			}
		}
		if len(clean) > 0 {
			b.Raster(b.font.RenderText(string(clean), b.sw, b.sh, b.bold))
		}
	}
	return b
}

// QR prints data as a QR code (error correction M): natively when the
// profile allows, else as a raster image.
func (b *Builder) QR(data string) *Builder {
	if b.p.NativeQR && !b.ForceRasterQR {
		return b.QRNative(data, b.p.QRModule)
	}
	return b.QRRaster(data, b.p.QRModule)
}

// QRNative prints data with the printer's QR engine (GS ( k, model 2, EC M).
func (b *Builder) QRNative(data string, module int) *Builder {
	if len(data)+3 > 0xFFFF || len(data) > 7089 {
		b.setErr(fmt.Errorf("escpos: qr: %w", ErrTooLong))
		return b
	}
	if module < 1 || module > 16 {
		module = 6
	}
	if b.midLine {
		b.Raw(LF)
	}
	b.midLine = false
	n := len(data) + 3
	b.Raw(GS, '(', 'k', 4, 0, 0x31, 0x41, 0x32, 0)
	b.Raw(GS, '(', 'k', 3, 0, 0x31, 0x43, byte(module))
	b.Raw(GS, '(', 'k', 3, 0, 0x31, 0x45, 0x31)
	b.Raw(GS, '(', 'k', byte(n), byte(n>>8), 0x31, 0x50, 0x30)
	b.buf = append(b.buf, data...)
	return b.Raw(GS, '(', 'k', 3, 0, 0x31, 0x51, 0x30)
}

// QRImage renders data as a QR bitmap (EC M, module dots per module, no
// quiet zone: the paper around it is white).
func QRImage(data string, module int) (*image.Gray, error) {
	q, err := qrcode.New(data, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	n := len(bm)
	img := image.NewGray(image.Rect(0, 0, n*module, n*module))
	for y := 0; y < n*module; y++ {
		for x := 0; x < n*module; x++ {
			v := uint8(255)
			if bm[y/module][x/module] {
				v = 0
			}
			img.Pix[y*img.Stride+x] = v
		}
	}
	return img, nil
}

// QRRaster prints data as a QR code drawn here and sent as a raster image,
// for printers without a QR engine.
func (b *Builder) QRRaster(data string, module int) *Builder {
	if module < 1 || module > 16 {
		module = 6
	}
	img, err := QRImage(data, module)
	if err != nil {
		b.setErr(fmt.Errorf("escpos: qr: %w", err))
		return b
	}
	for img.Bounds().Dx() > b.p.Dots && module > 1 {
		module--
		img, _ = QRImage(data, module)
	}
	return b.Raster(img)
}

// Raster prints img as a 1-bit raster image (GS v 0), dark pixels black,
// clipped to the paper width and sent in bands of at most Profile.BandRows
// rows. The current justification applies.
func (b *Builder) Raster(img image.Image) *Builder {
	if b.midLine {
		b.Raw(LF)
		b.midLine = false
	}
	r := img.Bounds()
	w, h := r.Dx(), r.Dy()
	if w > b.p.Dots {
		w = b.p.Dots
	}
	if w <= 0 || h <= 0 {
		return b
	}
	xb := (w + 7) / 8
	for y0 := 0; y0 < h; y0 += b.p.BandRows {
		rows := min(b.p.BandRows, h-y0)
		b.Raw(GS, 'v', '0', 0, byte(xb), byte(xb>>8), byte(rows), byte(rows>>8))
		for y := y0; y < y0+rows; y++ {
			for xi := 0; xi < xb; xi++ {
				var v byte
				for bit := 0; bit < 8; bit++ {
					x := xi*8 + bit
					if x < w && dark(img.At(r.Min.X+x, r.Min.Y+y)) {
						v |= 0x80 >> bit
					}
				}
				b.buf = append(b.buf, v)
			}
		}
	}
	return b
}

func dark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 128
}

func (b *Builder) setErr(err error) {
	if b.err == nil {
		b.err = err
	}
}
