package sim

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"sync"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/f64"
	"golang.org/x/image/math/fixed"

	"github.com/bianmin/kiosk/assets"
)

// The sample page is drawn with the kiosk's bundled font (assets), so a page
// is the same on every machine, with or without system fonts; the subset
// holds every character of this file's literals (assets' font test checks
// the Go literals under devices/).
var (
	fontOnce sync.Once
	cjkFont  *opentype.Font
)

func loadFont() *opentype.Font {
	fontOnce.Do(func() {
		f, err := opentype.Parse(assets.FontTTF())
		if err != nil {
			panic("scanner sim: the bundled font does not parse: " + err.Error())
		}
		cjkFont = f
	})
	return cjkFont
}

// PageSpec describes one generated sample page.
type PageSpec struct {
	DPI    int     // 200 when zero
	Color  bool    // colour page with a red seal; otherwise grey
	Number int     // page number printed in the title, from 1
	Skew   float64 // degrees, positive is clockwise; e.g. 1.5
	// Margin is the grey background around the paper as a fraction of the
	// paper width (0.05 when zero; negative for none).
	Margin float64
}

// A4 in millimetres.
const (
	a4W = 210.0
	a4H = 297.0
)

// PaperSize returns the A4 paper size in pixels at dpi.
func PaperSize(dpi int) (w, h int) {
	return int(math.Round(a4W / 25.4 * float64(dpi))), int(math.Round(a4H / 25.4 * float64(dpi)))
}

// Background and paper levels of the sample scan.
const (
	BackgroundLevel = 92  // the scanner lid / bed around the paper
	PaperLevel      = 246 // slightly off-white paper
	InkLevel        = 28
)

var tableHeads = []string{"序号", "材料名称", "份数", "备注"}

func pageTitle(n int) string {
	return fmt.Sprintf("便民服务事项申请表（第 %d 页）", max(n, 1))
}

var lines = []string{
	"申请人已阅读并知悉本事项的办理条件、所需材料及办理时限。",
	"本人承诺所提交的材料真实、有效，如有虚假愿承担相应责任。",
	"办理地点：某某县政务服务中心一楼综合窗口，咨询电话 0571-12345。",
	"材料清单：居民身份证复印件一份，户口簿复印件一份，申请表一份。",
	"受理后五个工作日内办结，结果可通过短信或现场领取方式获取。",
	"委托他人代办的，应当提交授权委托书及受托人身份证明材料。",
	"本表一式两份，申请人与受理机关各执一份，复印有效。",
	"备注：请使用黑色签字笔填写，字迹清楚，不得涂改。",
}

// SamplePage draws a realistic scanned A4 page: off-white paper with a title,
// paragraphs of text, a ruled table and (in colour) a red seal, rotated by
// Skew and laid on a grey scanner background. The result is deterministic
// for a given spec.
func SamplePage(spec PageSpec) image.Image {
	dpi := spec.DPI
	if dpi <= 0 {
		dpi = 200
	}
	pw, ph := PaperSize(dpi)
	paper := image.NewRGBA(image.Rect(0, 0, pw, ph))
	draw.Draw(paper, paper.Bounds(), image.NewUniform(color.RGBA{PaperLevel, PaperLevel, PaperLevel - 4, 255}), image.Point{}, draw.Src)

	px := func(mm float64) int { return int(math.Round(mm / 25.4 * float64(dpi))) }
	ink := image.NewUniform(color.RGBA{InkLevel, InkLevel, InkLevel + 6, 255})

	f := loadFont()
	face := func(pt float64) font.Face {
		fc, err := opentype.NewFace(f, &opentype.FaceOptions{Size: pt, DPI: float64(dpi), Hinting: font.HintingNone})
		if err != nil {
			panic("scanner sim: font face: " + err.Error()) // only for a size or DPI of zero or below
		}
		return fc
	}
	text := lines
	title := pageTitle(spec.Number)
	drawText := func(fc font.Face, x, y int, s string) {
		d := font.Drawer{Dst: paper, Src: ink, Face: fc, Dot: fixed.P(x, y)}
		d.DrawString(s)
	}
	// Title, centred.
	tf := face(20)
	tw := font.MeasureString(tf, title).Round()
	drawText(tf, (pw-tw)/2, px(30), title)
	// Paragraphs.
	bf := face(11)
	y := px(48)
	for i := 0; i < 12; i++ {
		drawText(bf, px(22), y, text[(i+spec.Number)%len(text)])
		y += px(7)
	}
	// Table.
	top := y + px(4)
	rows, cols := 8, 4
	rowH := px(10)
	left, right := px(22), pw-px(22)
	thick := max(1, dpi/100)
	for r := 0; r <= rows; r++ {
		yy := top + r*rowH
		fillRect(paper, image.Rect(left, yy, right, yy+thick), ink)
	}
	colW := (right - left) / cols
	for c := 0; c <= cols; c++ {
		xx := left + c*colW
		if c == cols {
			xx = right - thick
		}
		fillRect(paper, image.Rect(xx, top, xx+thick, top+rows*rowH+thick), ink)
	}
	heads := tableHeads
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			s := heads[c]
			if r > 0 {
				switch c {
				case 0:
					s = fmt.Sprint(r)
				case 1:
					rs := []rune(text[(r+c)%len(text)])
					s = string(rs[:min(len(rs), 8)])
				case 2:
					s = fmt.Sprint(1 + r%2)
				default:
					s = "—"
				}
			}
			drawText(bf, left+c*colW+px(2), top+r*rowH+rowH*7/10, s)
		}
	}
	// Signature line and more paragraphs below the table.
	y = top + rows*rowH + px(14)
	for i := 0; i < 6; i++ {
		drawText(bf, px(22), y, text[(i+3+spec.Number)%len(text)])
		y += px(7)
	}
	fillRect(paper, image.Rect(px(120), y+px(10), px(185), y+px(10)+thick), ink)
	if spec.Color {
		seal(paper, px(160), y-px(6), px(18), color.RGBA{200, 30, 30, 255}, thick*2)
	}

	// Lay the paper, rotated, on the grey background.
	margin := spec.Margin
	if margin == 0 {
		margin = 0.05
	}
	if margin < 0 {
		margin = 0
	}
	mx := int(math.Round(margin * float64(pw)))
	out := image.NewRGBA(image.Rect(0, 0, pw+2*mx, ph+2*mx))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{BackgroundLevel, BackgroundLevel, BackgroundLevel, 255}), image.Point{}, draw.Src)
	th := spec.Skew * math.Pi / 180
	cos, sin := math.Cos(th), math.Sin(th)
	// Map paper coordinates to output: rotate about the paper centre, then
	// move the centre to the output centre.
	cx, cy := float64(pw)/2, float64(ph)/2
	ox, oy := float64(out.Bounds().Dx())/2, float64(out.Bounds().Dy())/2
	m := f64.Aff3{
		cos, -sin, ox - cos*cx + sin*cy,
		sin, cos, oy - sin*cx - cos*cy,
	}
	draw.BiLinear.Transform(out, m, paper, paper.Bounds(), draw.Over, nil)
	if spec.Color {
		return out
	}
	g := image.NewGray(out.Bounds())
	draw.Draw(g, g.Bounds(), out, image.Point{}, draw.Src)
	return g
}

func fillRect(dst draw.Image, r image.Rectangle, src image.Image) {
	draw.Draw(dst, r, src, image.Point{}, draw.Over)
}

// seal draws a ring (an official seal) centred at (cx, cy).
func seal(dst *image.RGBA, cx, cy, r int, c color.RGBA, w int) {
	for y := cy - r; y <= cy+r; y++ {
		for x := cx - r; x <= cx+r; x++ {
			d := math.Hypot(float64(x-cx), float64(y-cy))
			inRing := d <= float64(r) && d >= float64(r-w)
			inStar := math.Abs(float64(x-cx))+math.Abs(float64(y-cy)) < float64(r)/3
			if (inRing || inStar) && image.Pt(x, y).In(dst.Rect) {
				dst.SetRGBA(x, y, c)
			}
		}
	}
}
