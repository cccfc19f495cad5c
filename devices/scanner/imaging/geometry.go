// Package imaging is the scanned-page pipeline: find the paper against the
// scanner background and crop to it, estimate and undo skew, convert text
// documents to grey, compress each page to a size target, make thumbnails for
// the UI, and bind the pages of one material into a PDF. It holds no device
// code and may be imported by anyone.
package imaging

import (
	"image"
	"image/color"
	"image/draw"
	"math"
)

// ToGray returns img as *image.Gray, sharing nothing with img. YCbCr images
// (JPEG scans) take their luma plane directly.
func ToGray(img image.Image) *image.Gray {
	b := img.Bounds()
	g := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch src := img.(type) {
	case *image.Gray:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		for y := 0; y < b.Dy(); y++ {
			copy(g.Pix[y*g.Stride:y*g.Stride+b.Dx()], src.Y[src.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.RGBA:
		for y := 0; y < b.Dy(); y++ {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			out := g.Pix[y*g.Stride:]
			for x := 0; x < b.Dx(); x++ {
				r, gg, bb := int(row[4*x]), int(row[4*x+1]), int(row[4*x+2])
				out[x] = uint8((19595*r + 38470*gg + 7471*bb + 1<<15) >> 16)
			}
		}
	default:
		draw.Draw(g, g.Bounds(), img, b.Min, draw.Src)
	}
	return g
}

// ToRGBA returns img as *image.RGBA with its origin at (0, 0).
func ToRGBA(img image.Image) *image.RGBA {
	b := img.Bounds()
	if r, ok := img.(*image.RGBA); ok && b.Min == (image.Point{}) {
		return r
	}
	r := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(r, r.Bounds(), img, b.Min, draw.Src)
	return r
}

// shrink averages f×f blocks of g.
func shrink(g *image.Gray, f int) *image.Gray {
	if f <= 1 {
		return g
	}
	b := g.Bounds()
	w, h := b.Dx()/f, b.Dy()/f
	out := image.NewGray(image.Rect(0, 0, max(w, 1), max(h, 1)))
	if w == 0 || h == 0 {
		return out
	}
	sums := make([]int, w)
	for y := 0; y < h; y++ {
		clear(sums)
		for dy := 0; dy < f; dy++ {
			row := g.Pix[g.PixOffset(b.Min.X, b.Min.Y+y*f+dy):]
			for x := 0; x < w; x++ {
				s := 0
				for _, v := range row[x*f : x*f+f] {
					s += int(v)
				}
				sums[x] += s
			}
		}
		o := out.Pix[y*out.Stride:]
		for x := 0; x < w; x++ {
			o[x] = uint8(sums[x] / (f * f))
		}
	}
	return out
}

// otsu returns the threshold that best separates the histogram in two.
func otsu(hist *[256]int) int {
	total, sum := 0, 0.0
	for i, n := range hist {
		total += n
		sum += float64(i * n)
	}
	if total == 0 {
		return 128
	}
	var sumB float64
	wB, best, bestVar := 0, 128, -1.0
	for t := 0; t < 256; t++ {
		wB += hist[t]
		if wB == 0 {
			continue
		}
		wF := total - wB
		if wF == 0 {
			break
		}
		sumB += float64(t * hist[t])
		mB := sumB / float64(wB)
		mF := (sum - sumB) / float64(wF)
		v := float64(wB) * float64(wF) * (mB - mF) * (mB - mF)
		if v > bestVar {
			bestVar, best = v, t
		}
	}
	return best
}

func histogram(g *image.Gray, r image.Rectangle) *[256]int {
	var h [256]int
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for _, v := range g.Pix[g.PixOffset(r.Min.X, y):g.PixOffset(r.Max.X, y)] {
			h[v]++
		}
	}
	return &h
}

// analysisWidth is the width images are shrunk to for page finding and
// skew estimation.
const analysisWidth = 500

// FindPage returns the rectangle of img (in img's coordinates) covered by the
// paper, found as the rows and columns mostly brighter than the scanner
// background. When no darker background surrounds the page (the scan is all
// paper) it returns img.Bounds(). The second result is the background grey
// level (255 when there is none).
func FindPage(img image.Image) (image.Rectangle, uint8) {
	return findPage(ToGray(img), img.Bounds())
}

func findPage(g *image.Gray, orig image.Rectangle) (image.Rectangle, uint8) {
	full := orig
	f := max(1, g.Bounds().Dx()/analysisWidth)
	s := shrink(g, f)
	sb := s.Bounds()
	if sb.Dx() < 8 || sb.Dy() < 8 {
		return full, 255
	}
	hist := histogram(s, sb)
	t := otsu(hist)
	// Mean of each class: a real background is a large, clearly darker class.
	var nD, nB, sD, sB int
	for i, n := range hist {
		if i <= t {
			nD += n
			sD += i * n
		} else {
			nB += n
			sB += i * n
		}
	}
	if nD == 0 || nB == 0 {
		return full, 255
	}
	mD, mB := sD/nD, sB/nB
	if mB-mD < 40 {
		return full, 255
	}
	bright := func(v uint8) bool { return int(v) > t }
	rows := make([]int, sb.Dy())
	cols := make([]int, sb.Dx())
	for y := 0; y < sb.Dy(); y++ {
		for x, v := range s.Pix[y*s.Stride : y*s.Stride+sb.Dx()] {
			if bright(v) {
				rows[y]++
				cols[x]++
			}
		}
	}
	y0, y1 := span(rows, sb.Dx()/2)
	x0, x1 := span(cols, sb.Dy()/2)
	if y1 <= y0 || x1 <= x0 {
		return full, 255
	}
	// A background that only shows as a thin border is not worth cropping
	// on its own, but cropping it is harmless, so always crop.
	r := image.Rect(x0*f, y0*f, min(x1*f, g.Bounds().Dx()), min(y1*f, g.Bounds().Dy()))
	// Dark rows/columns at the edges could also be a dark page; require the
	// cropped area to be mostly bright.
	if r.Dx()*r.Dy() < full.Dx()*full.Dy()/6 {
		return full, 255
	}
	return r.Add(orig.Min), uint8(mD)
}

// span returns the first and one-past-last index of the longest run of
// counts above limit, where gaps of a few entries (a table rule or a heavy
// line of print crossing the page) do not break the run.
func span(c []int, limit int) (int, int) {
	gap := max(2, len(c)/40)
	bestA, bestB := 0, 0
	a, last := -1, -1
	for i := 0; i <= len(c); i++ {
		in := i < len(c) && c[i] > limit
		if in {
			if a < 0 || i-last > gap+1 {
				if a >= 0 && last+1-a > bestB-bestA {
					bestA, bestB = a, last+1
				}
				a = i
			}
			last = i
		}
	}
	if a >= 0 && last+1-a > bestB-bestA {
		bestA, bestB = a, last+1
	}
	return bestA, bestB
}

// EstimateSkew returns the angle in degrees by which the text in r of img is
// rotated clockwise (positive) on screen, searched within ±maxDeg by
// maximising the sharpness of the horizontal projection profile of dark
// pixels on a shrunken copy. Rotate(img, -angle) straightens the page.
func EstimateSkew(img image.Image, r image.Rectangle, maxDeg float64) float64 {
	g := ToGray(img)
	return estimateSkew(g, r.Sub(img.Bounds().Min), maxDeg)
}

func estimateSkew(g *image.Gray, r image.Rectangle, maxDeg float64) float64 {
	r = r.Intersect(g.Bounds())
	// Stay inside the paper: a skewed page's bounding box has background
	// corners.
	ix, iy := r.Dx()*6/100, r.Dy()*4/100
	r = r.Inset(min(ix, iy))
	if r.Empty() {
		return 0
	}
	f := max(1, (r.Dx()+analysisWidth*2-1)/(analysisWidth*2))
	s := shrink(g.SubImage(r).(*image.Gray), f)
	sb := s.Bounds()
	t := otsu(histogram(s, sb))
	// Only clearly dark pixels are ink.
	t = t * 3 / 4
	var xs, ys []float64
	for y := 0; y < sb.Dy(); y++ {
		for x, v := range s.Pix[y*s.Stride : y*s.Stride+sb.Dx()] {
			if int(v) < t {
				xs = append(xs, float64(x))
				ys = append(ys, float64(y))
			}
		}
	}
	if len(xs) < 50 || len(xs) > sb.Dx()*sb.Dy()/2 {
		return 0
	}
	n := sb.Dx() + sb.Dy()
	bins := make([]int, 3*n)
	score := func(deg float64) float64 {
		th := deg * math.Pi / 180
		sin, cos := math.Sin(th), math.Cos(th)
		clear(bins)
		for i := range xs {
			b := int(-xs[i]*sin+ys[i]*cos) + n
			if b >= 0 && b < len(bins) {
				bins[b]++
			}
		}
		var sum float64
		for _, c := range bins {
			sum += float64(c) * float64(c)
		}
		return sum
	}
	search := func(lo, hi, step float64) float64 {
		best, bestS := 0.0, -1.0
		for a := lo; a <= hi+step/2; a += step {
			if s := score(a); s > bestS {
				best, bestS = a, s
			}
		}
		return best
	}
	a := search(-maxDeg, maxDeg, 0.25)
	a = search(a-0.25, a+0.25, 0.05)
	if math.Abs(a) < 0.05 {
		return 0
	}
	return math.Round(a*100) / 100
}

// Rotate rotates img clockwise by deg degrees about its centre, keeping its
// size, with bilinear sampling; uncovered corners are filled with fill.
// *image.Gray stays grey; anything else becomes *image.RGBA.
func Rotate(img image.Image, deg float64, fill color.Color) image.Image {
	th := deg * math.Pi / 180
	sin, cos := math.Sin(th), math.Cos(th)
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	cx, cy := float64(w)/2, float64(h)/2
	// For each destination pixel, the source position is the inverse
	// rotation about the centre.
	src := func(x, y int) (float64, float64) {
		dx, dy := float64(x)+0.5-cx, float64(y)+0.5-cy
		return cos*dx + sin*dy + cx - 0.5, -sin*dx + cos*dy + cy - 0.5
	}
	if g, ok := img.(*image.Gray); ok {
		g = ToGray(g) // origin at (0,0)
		fv := color.GrayModel.Convert(fill).(color.Gray).Y
		out := image.NewGray(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			row := out.Pix[y*out.Stride:]
			for x := 0; x < w; x++ {
				sx, sy := src(x, y)
				x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
				if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
					row[x] = fv
					continue
				}
				ax, ay := sx-float64(x0), sy-float64(y0)
				i := y0*g.Stride + x0
				p00, p01 := float64(g.Pix[i]), float64(g.Pix[i+1])
				p10, p11 := float64(g.Pix[i+g.Stride]), float64(g.Pix[i+g.Stride+1])
				v := (p00*(1-ax)+p01*ax)*(1-ay) + (p10*(1-ax)+p11*ax)*ay
				row[x] = uint8(v + 0.5)
			}
		}
		return out
	}
	rgba := ToRGBA(img)
	fr, fg, fb, _ := fill.RGBA()
	fc := [4]uint8{uint8(fr >> 8), uint8(fg >> 8), uint8(fb >> 8), 255}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		row := out.Pix[y*out.Stride:]
		for x := 0; x < w; x++ {
			sx, sy := src(x, y)
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			o := row[4*x : 4*x+4]
			if x0 < 0 || y0 < 0 || x0+1 >= w || y0+1 >= h {
				copy(o, fc[:])
				continue
			}
			ax, ay := sx-float64(x0), sy-float64(y0)
			i := y0*rgba.Stride + 4*x0
			for c := 0; c < 4; c++ {
				p00, p01 := float64(rgba.Pix[i+c]), float64(rgba.Pix[i+4+c])
				p10, p11 := float64(rgba.Pix[i+rgba.Stride+c]), float64(rgba.Pix[i+rgba.Stride+4+c])
				o[c] = uint8((p00*(1-ax)+p01*ax)*(1-ay) + (p10*(1-ax)+p11*ax)*ay + 0.5)
			}
		}
	}
	return out
}
