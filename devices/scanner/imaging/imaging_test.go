package imaging

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/devices/scanner/sim"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func TestEstimateSkew(t *testing.T) {
	for _, skew := range []float64{-3.5, -1.2, 0, 0.8, 2.5, 4.5} {
		t.Run(fmt.Sprint(skew), func(t *testing.T) {
			img := sim.SamplePage(sim.PageSpec{DPI: 80, Skew: skew})
			r, _ := FindPage(img)
			got := EstimateSkew(img, r, 5)
			if math.Abs(got-skew) > 0.2 {
				t.Fatalf("skew %.2f, want %.2f", got, skew)
			}
		})
	}
}

func TestFindPage(t *testing.T) {
	for _, dpi := range []int{60, 100} {
		img := sim.SamplePage(sim.PageSpec{DPI: dpi, Margin: 0.08})
		r, bg := FindPage(img)
		pw, ph := sim.PaperSize(dpi)
		if d := math.Abs(float64(r.Dx()-pw)) + math.Abs(float64(r.Dy()-ph)); d > float64(dpi)/10 {
			t.Errorf("dpi %d: page %v, want about %dx%d", dpi, r, pw, ph)
		}
		if int(bg) > sim.BackgroundLevel+10 || int(bg) < sim.BackgroundLevel-30 {
			t.Errorf("background %d, want about %d", bg, sim.BackgroundLevel)
		}
	}
	// All paper: nothing to crop.
	white := image.NewGray(image.Rect(0, 0, 300, 400))
	for i := range white.Pix {
		white.Pix[i] = 240
	}
	if r, _ := FindPage(white); r != white.Bounds() {
		t.Errorf("white page cropped to %v", r)
	}
}

// TestProcessStraightens checks the pipeline's output: paper size, no
// background left at the edges, no skew left.
func TestProcessStraightens(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec sim.PageSpec
		opt  Options
	}{
		{"gray-skewed", sim.PageSpec{DPI: 100, Skew: 2.2}, Options{Gray: true}},
		{"color-skewed-neg", sim.PageSpec{DPI: 100, Skew: -1.7, Color: true}, Options{}},
		{"gray-straight", sim.PageSpec{DPI: 100, Skew: 0}, Options{Gray: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			img := sim.SamplePage(tc.spec)
			res, err := Process(img, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(res.Skew-tc.spec.Skew) > 0.2 {
				t.Errorf("skew %.2f, want %.2f", res.Skew, tc.spec.Skew)
			}
			pw, ph := sim.PaperSize(tc.spec.DPI)
			if math.Abs(float64(res.Width-pw)) > 8 || math.Abs(float64(res.Height-ph)) > 8 {
				t.Errorf("size %dx%d, want about %dx%d", res.Width, res.Height, pw, ph)
			}
			out, err := jpeg.Decode(bytes.NewReader(res.JPEG))
			if err != nil {
				t.Fatal(err)
			}
			if _, isGray := out.(*image.Gray); isGray != tc.opt.Gray {
				t.Errorf("gray output %v, want %v", isGray, tc.opt.Gray)
			}
			// The border strips must be paper, not scanner background.
			g := ToGray(out)
			b := g.Bounds()
			for _, strip := range []image.Rectangle{
				image.Rect(0, 0, b.Dx(), 3), image.Rect(0, b.Dy()-3, b.Dx(), b.Dy()),
				image.Rect(0, 0, 3, b.Dy()), image.Rect(b.Dx()-3, 0, b.Dx(), b.Dy()),
			} {
				if m := mean(g, strip); m < 200 {
					t.Errorf("edge %v mean %.0f: background left after crop", strip, m)
				}
			}
			if res.Thumb.Bounds().Dx() != 240 {
				t.Errorf("thumb width %d", res.Thumb.Bounds().Dx())
			}
		})
	}
}

func mean(g *image.Gray, r image.Rectangle) float64 {
	s, n := 0, 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			s += int(g.GrayAt(x, y).Y)
			n++
		}
	}
	return float64(s) / float64(max(n, 1))
}

func TestEncodeJPEGFitsTarget(t *testing.T) {
	img := sim.SamplePage(sim.PageSpec{DPI: 100, Skew: 0, Color: true})
	for _, max := range []int{120 << 10, 12 << 10} {
		data, q, scale, err := EncodeJPEG(img, max, 40)
		if err != nil {
			t.Fatal(err)
		}
		if len(data) > max {
			t.Errorf("target %d: got %d bytes (q %d)", max, len(data), q)
		}
		if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		t.Logf("target %d KB: %d KB, quality %d, scale %.2f", max>>10, len(data)>>10, q, scale)
	}
}

// TestGolden compares the pipeline's output on a fixed sample page with a
// committed golden image, with a tolerance: dimensions within 2 px and the
// mean absolute difference of 32×32 downscaled copies within 6 levels.
func TestGolden(t *testing.T) {
	img := sim.SamplePage(sim.PageSpec{DPI: 100, Skew: 1.8, Number: 2})
	res, err := Process(img, Options{Gray: true})
	if err != nil {
		t.Fatal(err)
	}
	out, err := jpeg.Decode(bytes.NewReader(res.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "page-gray-100dpi.golden.png")
	if *update {
		var buf bytes.Buffer
		if err := png.Encode(&buf, out); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		meta, _ := json.MarshalIndent(map[string]any{"skew": res.Skew, "width": res.Width, "height": res.Height}, "", "  ")
		os.WriteFile(filepath.Join("testdata", "page-gray-100dpi.golden.json"), append(meta, '\n'), 0o644)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	wb, gb := want.Bounds(), out.Bounds()
	if abs(wb.Dx()-gb.Dx()) > 2 || abs(wb.Dy()-gb.Dy()) > 2 {
		t.Fatalf("size %v, golden %v", gb, wb)
	}
	var meta struct{ Skew float64 }
	if b, err := os.ReadFile(filepath.Join("testdata", "page-gray-100dpi.golden.json")); err == nil {
		json.Unmarshal(b, &meta)
		if math.Abs(meta.Skew-res.Skew) > 0.1 {
			t.Errorf("skew %.2f, golden %.2f", res.Skew, meta.Skew)
		}
	}
	a, b := Thumbnail(out, 32, 32), Thumbnail(want, 32, 32)
	if d := meanAbsDiff(ToGray(a), ToGray(b)); d > 6 {
		t.Fatalf("mean difference %.1f from golden", d)
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func meanAbsDiff(a, b *image.Gray) float64 {
	w, h := min(a.Bounds().Dx(), b.Bounds().Dx()), min(a.Bounds().Dy(), b.Bounds().Dy())
	s := 0
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			s += abs(int(a.GrayAt(x, y).Y) - int(b.GrayAt(x, y).Y))
		}
	}
	return float64(s) / float64(max(w*h, 1))
}

func TestMaterialPDF(t *testing.T) {
	var m Material
	for i := 1; i <= 3; i++ {
		img := sim.SamplePage(sim.PageSpec{DPI: 75, Number: i, Color: i == 2})
		res, err := Process(img, Options{Gray: i != 2, MaxBytes: 100 << 10})
		if err != nil {
			t.Fatal(err)
		}
		m.Add(PageFromResult(res, 75))
	}
	// Retake page 2 in grey.
	res, err := Process(sim.SamplePage(sim.PageSpec{DPI: 75, Number: 9}), Options{Gray: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Replace(1, PageFromResult(res, 75)); err != nil {
		t.Fatal(err)
	}
	if err := m.Replace(5, PageFromResult(res, 75)); err == nil {
		t.Fatal("replace out of range succeeded")
	}
	var a, b bytes.Buffer
	if _, err := m.WritePDF(&a); err != nil {
		t.Fatal(err)
	}
	m.WritePDF(&b)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("PDF output is not deterministic")
	}
	if !bytes.HasPrefix(a.Bytes(), []byte("%PDF-1.4")) || !bytes.HasSuffix(a.Bytes(), []byte("%%EOF\n")) {
		t.Error("not a PDF")
	}
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		t.Skip("pdfinfo (poppler-utils) not installed")
	}
	path := filepath.Join(t.TempDir(), "m.pdf")
	os.WriteFile(path, a.Bytes(), 0o644)
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Pages:           3") || strings.Contains(string(out), "Syntax Error") {
		t.Fatalf("pdfinfo:\n%s", out)
	}
	// A4 at 75 dpi, cropped a little: about 595x842 pt.
	if !strings.Contains(string(out), "Page size:       59") {
		t.Errorf("page size:\n%s", out)
	}
}

func TestColorful(t *testing.T) {
	if Colorful(sim.SamplePage(sim.PageSpec{DPI: 60})) {
		t.Error("grey page is colourful")
	}
	if !Colorful(sim.SamplePage(sim.PageSpec{DPI: 60, Color: true})) {
		t.Error("page with a red seal is not colourful")
	}
	// Black print on colour-tinted paper is not colour.
	tinted := image.NewRGBA(image.Rect(0, 0, 100, 100))
	for i := 0; i < len(tinted.Pix); i += 4 {
		tinted.Pix[i], tinted.Pix[i+1], tinted.Pix[i+2], tinted.Pix[i+3] = 250, 240, 215, 255
	}
	if Colorful(tinted) {
		t.Error("tinted paper is colourful")
	}
}
