package imaging

import (
	"bytes"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/bianmin/kiosk/devices/scanner/sim"
)

// realistic makes a scan as a flatbed or document camera delivers it: the
// sample page (text, a red seal) with a photograph pasted in (an ID-card
// copy or a house photo: smooth shading with fine texture) and sensor
// noise on every pixel.
func realistic(spec sim.PageSpec) *image.RGBA {
	src := sim.SamplePage(spec)
	b := src.Bounds()
	img := image.NewRGBA(b)
	draw.Draw(img, b, src, b.Min, draw.Src)
	r := rand.New(rand.NewPCG(5, 5))
	// the photo: 40 % of the width, a quarter of the height, lower half
	pw, ph := b.Dx()*2/5, b.Dy()/4
	x0, y0 := b.Min.X+b.Dx()/2, b.Min.Y+b.Dy()*5/8
	for y := 0; y < ph; y++ {
		for x := 0; x < pw; x++ {
			v := 128 + 60*math.Sin(float64(x)/37)*math.Cos(float64(y)/23) + float64(r.IntN(40)) - 20
			img.Set(x0+x, y0+y, color.RGBA{clamp(v + 30), clamp(v), clamp(v - 20), 255})
		}
	}
	// sensor noise, σ ≈ 4 levels
	p := img.Pix
	for i := 0; i < len(p); i += 4 {
		for c := 0; c < 3; c++ {
			p[i+c] = clamp(float64(p[i+c]) + r.NormFloat64()*4)
		}
	}
	return img
}

func clamp(v float64) uint8 { return uint8(max(0, min(255, v))) }

// BenchmarkPipelineA4 runs the whole pipeline (find page, deskew, crop,
// grey, JPEG to 300 KB, thumbnail) on a realistic skewed colour A4 scan at
// 200 dpi (photo, seal, sensor noise) and reports milliseconds per page,
// output size and output over raw RGB bytes. Legibility (OCR-free): the
// same page without skew or margin, so that the output has the scan's
// geometry, is compared with the raw scan in grey by SSIM over 8×8 windows
// (1: identical; text stays legible well above 0.8).
func BenchmarkPipelineA4(b *testing.B) {
	img := realistic(sim.PageSpec{DPI: 200, Skew: 1.5, Color: true})
	pw, ph := sim.PaperSize(200)
	raw := float64(pw * ph * 3)
	var out int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Process(img, Options{Gray: true})
		if err != nil {
			b.Fatal(err)
		}
		out = len(res.JPEG)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
	b.ReportMetric(float64(out)/raw, "ratio")
	b.ReportMetric(float64(out)/1024, "KB/page")

	flat := realistic(sim.PageSpec{DPI: 200, Color: true, Margin: -1})
	res, err := Process(flat, Options{Gray: true})
	if err != nil {
		b.Fatal(err)
	}
	got, err := jpeg.Decode(bytes.NewReader(res.JPEG))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(ssim(grey(flat), grey(got)), "ssim")
}

// grey returns luma samples scaled to w×h of the first image's size.
func grey(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			g.Set(x, y, color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)))
		}
	}
	return g
}

// ssim is the mean structural similarity of a and b over 8×8 windows; b
// is sampled at a's geometry when the sizes differ slightly (a crop).
func ssim(a, b *image.Gray) float64 {
	aw, ah := a.Rect.Dx(), a.Rect.Dy()
	bw, bh := b.Rect.Dx(), b.Rect.Dy()
	at := func(x, y int) float64 { return float64(a.Pix[y*a.Stride+x]) }
	bt := func(x, y int) float64 {
		return float64(b.Pix[min(bh-1, y*bh/ah)*b.Stride+min(bw-1, x*bw/aw)])
	}
	const c1, c2 = (0.01 * 255) * (0.01 * 255), (0.03 * 255) * (0.03 * 255)
	var sum float64
	n := 0
	for y := 0; y+8 <= ah; y += 8 {
		for x := 0; x+8 <= aw; x += 8 {
			var ma, mb, va, vb, cov float64
			for j := range 8 {
				for i := range 8 {
					ma += at(x+i, y+j)
					mb += bt(x+i, y+j)
				}
			}
			ma, mb = ma/64, mb/64
			for j := range 8 {
				for i := range 8 {
					da, db := at(x+i, y+j)-ma, bt(x+i, y+j)-mb
					va += da * da
					vb += db * db
					cov += da * db
				}
			}
			va, vb, cov = va/63, vb/63, cov/63
			sum += ((2*ma*mb + c1) * (2*cov + c2)) / ((ma*ma + mb*mb + c1) * (va + vb + c2))
			n++
		}
	}
	return sum / float64(n)
}

// TestSSIM: identical images score 1, a blurred copy lower, noise lower
// still (the figure falls when legibility does).
func TestSSIM(t *testing.T) {
	a := grey(realistic(sim.PageSpec{DPI: 50, Margin: -1}))
	if s := ssim(a, a); s < 0.999 {
		t.Errorf("ssim(a, a) = %v", s)
	}
	blur := image.NewGray(a.Rect)
	for y := 1; y < a.Rect.Dy()-1; y++ {
		for x := 1; x < a.Rect.Dx()-1; x++ {
			s := 0
			for j := -1; j <= 1; j++ {
				for i := -1; i <= 1; i++ {
					s += int(a.GrayAt(x+i, y+j).Y)
				}
			}
			blur.SetGray(x, y, color.Gray{uint8(s / 9)})
		}
	}
	sb := ssim(a, blur)
	noisy := image.NewGray(a.Rect)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range a.Pix {
		noisy.Pix[i] = clamp(float64(a.Pix[i]) + r.NormFloat64()*60)
	}
	sn := ssim(a, noisy)
	if !(sb < 0.999 && sn < sb) {
		t.Errorf("ssim blurred %v, noisy %v: want 1 > blurred > noisy", sb, sn)
	}
}
