package escpos

import (
	"image"

	qrcode "github.com/skip2/go-qrcode"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Limits that keep the interpreter's memory bounded on garbage input.
const (
	MaxReceiptHeight = 8000 // dots; taller receipts are cut off
	maxRasterBytes   = 256  // bytes per raster row (2048 dots)
	maxRasterRows    = 2400
	maxPending       = 1 << 20
	defaultLineDots  = 30
)

// Interpreter turns an ESC/POS byte stream back into receipt images. Bytes
// can be fed in pieces; a command split across pieces waits for the rest.
// Cuts (and ESC @ after printed content) end a receipt. It understands the
// commands our Builder emits plus common ones; unknown bytes are skipped.
type Interpreter struct {
	// OnStatus is called for every DLE EOT n outside another command.
	OnStatus func(n byte)
	// OnReceipt is called with each finished receipt.
	OnReceipt func(img *image.Gray)

	dots    int
	font    *Font
	pending []byte

	// state
	chinese bool
	sw, sh  int
	bold    bool
	align   Align
	spacing int
	qrMod   int
	qrEC    qrcode.RecoveryLevel
	qrData  []byte

	line      []cell
	lineAlign Align
	lineH     int

	pix []byte // current receipt, dots wide, white = 255
	y   int
}

type cell struct {
	r      rune
	sw, sh int
	bold   bool
}

// NewInterpreter returns an interpreter for a printer of profile p drawing
// text with font (nil means a fallback font with ASCII only).
func NewInterpreter(p Profile, font *Font) *Interpreter {
	p = p.withDefaults()
	if font == nil {
		font, _ = ParseFont(nil)
	}
	it := &Interpreter{dots: p.Dots, font: font}
	it.reset()
	return it
}

func (it *Interpreter) reset() {
	it.chinese = true
	it.sw, it.sh, it.bold, it.align = 1, 1, false, AlignLeft
	it.spacing = defaultLineDots
	it.qrMod, it.qrEC = 3, qrcode.Medium
}

// Render interprets a whole stream and returns its receipts, the last one
// even without a closing cut.
func Render(stream []byte, p Profile, font *Font) []*image.Gray {
	var out []*image.Gray
	it := NewInterpreter(p, font)
	it.OnReceipt = func(img *image.Gray) { out = append(out, img) }
	it.Write(stream)
	it.Flush()
	return out
}

// Write feeds bytes to the interpreter. It never fails.
func (it *Interpreter) Write(p []byte) (int, error) {
	it.pending = append(it.pending, p...)
	i := 0
	for i < len(it.pending) {
		n := it.step(it.pending[i:])
		if n == 0 { // incomplete command: wait for more
			break
		}
		i += n
	}
	it.pending = append(it.pending[:0], it.pending[i:]...)
	if len(it.pending) > maxPending {
		it.pending = it.pending[:0]
	}
	return len(p), nil
}

// Pending reports whether something has been printed on the current
// receipt (or waits in the line buffer) that no cut has ended yet.
func (it *Interpreter) Pending() bool { return it.y > 0 || len(it.line) > 0 || len(it.pix) > 0 }

// Flush prints any half line and emits the current receipt if it has
// anything on it.
func (it *Interpreter) Flush() {
	it.flushLine(false)
	it.finish()
}

// step executes one command at the start of b and returns how many bytes it
// used, or 0 when b holds only part of a command.
func (it *Interpreter) step(b []byte) int {
	c := b[0]
	need := func(n int) bool { return len(b) >= n }
	switch c {
	case LF:
		it.flushLine(true)
		return 1
	case '\r':
		return 1
	case DLE:
		if !need(3) {
			return 0
		}
		if b[1] == EOT {
			if it.OnStatus != nil {
				it.OnStatus(b[2])
			}
			return 3
		}
		return 1
	case ESC:
		if !need(2) {
			return 0
		}
		switch b[1] {
		case '@':
			if it.y > 0 || len(it.line) > 0 {
				it.Flush()
			}
			it.reset()
			return 2
		case '2':
			it.spacing = defaultLineDots
			return 2
		case 'E', 'a', '3', 'd', 'J', '!', 't', 'M', '-', 'G', 'R', '{', 'V', 'c':
			if !need(3) {
				return 0
			}
			n := b[2]
			switch b[1] {
			case 'E':
				it.bold = n&1 != 0
			case 'a':
				if n == 0 || n == 48 {
					it.align = AlignLeft
				} else if n == 1 || n == 49 {
					it.align = AlignCenter
				} else if n == 2 || n == 50 {
					it.align = AlignRight
				}
			case '3':
				it.spacing = int(n)
			case 'd':
				it.flushLine(true)
				for k := 0; k < int(n); k++ {
					it.advance(it.spacing)
				}
			case 'J':
				it.flushLine(false)
				it.advance(int(n))
			case '!':
				it.bold = n&0x08 != 0
				it.sh = 1 + int(n>>4&1)
				it.sw = 1 + int(n>>5&1)
			}
			return 3
		}
		return 2
	case FS:
		if !need(2) {
			return 0
		}
		switch b[1] {
		case '&':
			it.chinese = true
			return 2
		case '.':
			it.chinese = false
			return 2
		case '!', 'W', '-':
			if !need(3) {
				return 0
			}
			return 3
		}
		return 2
	case GS:
		if !need(2) {
			return 0
		}
		switch b[1] {
		case '!':
			if !need(3) {
				return 0
			}
			it.sw, it.sh = clampScale(int(b[2]>>4)+1), clampScale(int(b[2]&7)+1)
			return 3
		case 'V':
			if !need(3) {
				return 0
			}
			n := 3
			if b[2] == 65 || b[2] == 66 || b[2] == 97 || b[2] == 98 {
				if !need(4) {
					return 0
				}
				n = 4
			}
			it.Flush()
			return n
		case 'a', 'B', 'H', 'f', 'h', 'w', 'L', 'W':
			if !need(3) {
				return 0
			}
			if b[1] == 'L' || b[1] == 'W' {
				if !need(4) {
					return 0
				}
				return 4
			}
			return 3
		case 'v':
			return it.raster(b)
		case '(':
			return it.gsParen(b)
		}
		return 2
	}
	if c < 0x20 || c == 0x7F {
		return 1
	}
	if c < 0x80 || !it.chinese {
		it.put(rune(c))
		return 1
	}
	// GB18030 multi-byte character.
	if !need(2) {
		return 0
	}
	n := 2
	if b[1] >= 0x30 && b[1] <= 0x39 {
		if !need(4) {
			return 0
		}
		n = 4
	}
	dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b[:n])
	r := '□'
	if err == nil {
		if rs := []rune(string(dec)); len(rs) == 1 && rs[0] != 0xFFFD {
			r = rs[0]
		}
	}
	it.put(r)
	return n
}

// raster handles GS v 0 m xL xH yL yH d….
func (it *Interpreter) raster(b []byte) int {
	if len(b) < 8 {
		return 0
	}
	if b[2] != '0' && b[2] != 0 {
		return 2
	}
	xb := int(b[4]) | int(b[5])<<8
	rows := int(b[6]) | int(b[7])<<8
	if xb == 0 || rows == 0 || xb > maxRasterBytes || rows > maxRasterRows {
		return 8 // treat as garbage: skip the header only
	}
	n := 8 + xb*rows
	if len(b) < n {
		return 0
	}
	it.flushLine(false)
	w := xb * 8
	x0 := it.alignX(w, it.align)
	it.grow(rows)
	for y := 0; y < rows; y++ {
		row := b[8+y*xb : 8+(y+1)*xb]
		for x := 0; x < w; x++ {
			if row[x/8]&(0x80>>(x%8)) != 0 {
				it.set(x0+x, it.y+y)
			}
		}
	}
	it.advance(rows)
	return n
}

// gsParen handles GS ( k (QR) and skips other GS ( functions.
func (it *Interpreter) gsParen(b []byte) int {
	if len(b) < 5 {
		return 0
	}
	plen := int(b[3]) | int(b[4])<<8
	n := 5 + plen
	if len(b) < n {
		return 0
	}
	if b[2] != 'k' || plen < 3 || b[5] != 0x31 {
		return n
	}
	fn, arg := b[6], b[7:n]
	switch fn {
	case 0x43:
		if len(arg) > 0 && arg[0] >= 1 && arg[0] <= 16 {
			it.qrMod = int(arg[0])
		}
	case 0x45:
		if len(arg) > 0 {
			it.qrEC = map[byte]qrcode.RecoveryLevel{48: qrcode.Low, 49: qrcode.Medium, 50: qrcode.High, 51: qrcode.Highest}[arg[0]]
		}
	case 0x50:
		if len(arg) > 0 {
			it.qrData = append(it.qrData[:0], arg[1:]...)
		}
	case 0x51:
		it.printQR()
	}
	return n
}

func (it *Interpreter) printQR() {
	if len(it.qrData) == 0 {
		return
	}
	q, err := qrcode.New(string(it.qrData), it.qrEC)
	if err != nil {
		return
	}
	q.DisableBorder = true
	bm := q.Bitmap()
	size := len(bm) * it.qrMod
	if size > it.dots {
		return // a real printer prints nothing when the code does not fit
	}
	it.flushLine(false)
	x0 := it.alignX(size, it.align)
	it.grow(size)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			if bm[y/it.qrMod][x/it.qrMod] {
				it.set(x0+x, it.y+y)
			}
		}
	}
	it.advance(size)
}

// put adds a character to the line buffer, wrapping at the paper width.
func (it *Interpreter) put(r rune) {
	c := cell{r: r, sw: it.sw, sh: it.sh, bold: it.bold}
	if len(it.line) == 0 {
		it.lineAlign = it.align
	}
	if it.lineWidth()+halfW*runeCells(r)*c.sw > it.dots {
		it.flushLine(false)
		it.lineAlign = it.align
	}
	it.line = append(it.line, c)
}

func (it *Interpreter) lineWidth() int {
	w := 0
	for _, c := range it.line {
		w += halfW * runeCells(c.r) * c.sw
	}
	return w
}

// flushLine prints the line buffer. An empty line with lf feeds one line.
func (it *Interpreter) flushLine(lf bool) {
	if len(it.line) == 0 {
		if lf {
			it.advance(it.spacing)
		}
		return
	}
	h := cellH
	for _, c := range it.line {
		h = max(h, cellH*c.sh)
	}
	it.grow(max(h, it.spacing))
	x := it.alignX(it.lineWidth(), it.lineAlign)
	img := it.view()
	for _, c := range it.line {
		x += it.font.drawRune(img, x, it.y+h-cellH*c.sh, c.r, c.sw, c.sh, c.bold)
	}
	it.line = it.line[:0]
	it.advance(max(h+6, it.spacing))
}

func (it *Interpreter) alignX(w int, a Align) int {
	switch a {
	case AlignCenter:
		return max(0, (it.dots-w)/2)
	case AlignRight:
		return max(0, it.dots-w)
	}
	return 0
}

// grow makes sure rows [y, y+n) exist.
func (it *Interpreter) grow(n int) {
	want := min(it.y+n, MaxReceiptHeight) * it.dots
	if old := len(it.pix); old < want {
		it.pix = append(it.pix, make([]byte, want-old)...)
		for i := old; i < want; i++ {
			it.pix[i] = 255
		}
	}
}

func (it *Interpreter) advance(n int) {
	it.y = min(it.y+n, MaxReceiptHeight)
}

func (it *Interpreter) set(x, y int) {
	if x >= 0 && x < it.dots && y >= 0 && y < MaxReceiptHeight && y*it.dots+x < len(it.pix) {
		it.pix[y*it.dots+x] = 0
	}
}

func (it *Interpreter) view() *image.Gray {
	h := len(it.pix) / it.dots
	return &image.Gray{Pix: it.pix, Stride: it.dots, Rect: image.Rect(0, 0, it.dots, h)}
}

// finish emits the current receipt if anything was printed on it.
func (it *Interpreter) finish() {
	if it.y == 0 && len(it.pix) == 0 {
		return
	}
	h := max(it.y, len(it.pix)/it.dots)
	pix := make([]byte, h*it.dots)
	copy(pix, it.pix)
	for i := len(it.pix); i < len(pix); i++ {
		pix[i] = 255
	}
	img := &image.Gray{Pix: pix, Stride: it.dots, Rect: image.Rect(0, 0, it.dots, h)}
	it.pix = it.pix[:0]
	it.y = 0
	if it.OnReceipt != nil && h > 0 {
		it.OnReceipt(img)
	}
}
