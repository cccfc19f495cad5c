package imaging

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"

	xdraw "golang.org/x/image/draw"
)

// Options tune Process. The zero value crops, deskews, keeps colour and
// targets 300 KB per page.
type Options struct {
	Gray     bool    // convert to grey (text documents)
	NoCrop   bool    // keep the whole scan area
	NoDeskew bool    // keep the skew
	MaxSkew  float64 // degrees searched either side (5 when zero)
	MaxBytes int     // compressed size target per page (300 KB when zero)
	// MinQuality is the lowest JPEG quality tried before the page is
	// downscaled instead (40 when zero): below that, small Chinese
	// characters at 200 dpi smear.
	MinQuality int
	ThumbWidth int // thumbnail width in pixels (240 when zero)
}

// DefaultMaxBytes is the per-page size target.
const DefaultMaxBytes = 300 << 10

func (o Options) withDefaults() Options {
	if o.MaxSkew <= 0 {
		o.MaxSkew = 5
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MinQuality <= 0 {
		o.MinQuality = 40
	}
	if o.ThumbWidth <= 0 {
		o.ThumbWidth = 240
	}
	return o
}

// Result is one processed page.
type Result struct {
	JPEG    []byte          // the compressed page
	Width   int             // pixels of the compressed page
	Height  int             //
	Gray    bool            // JPEG is single-channel
	Quality int             // JPEG quality used
	Scale   float64         // 1 unless the page had to be downscaled to fit MaxBytes
	Skew    float64         // degrees of skew found and undone (0 when none)
	Crop    image.Rectangle // the paper, in the coordinates of the input
	Thumb   *image.RGBA     // for the UI
}

// ErrEmptyImage is returned for an image with no pixels.
var ErrEmptyImage = errors.New("empty image")

// Process runs the pipeline on one scanned page: find the paper, undo its
// skew, crop to it, convert to grey when asked, compress to the size target
// and make a thumbnail.
func Process(img image.Image, o Options) (*Result, error) {
	o = o.withDefaults()
	if img == nil || img.Bounds().Empty() {
		return nil, ErrEmptyImage
	}
	var work image.Image
	g := ToGray(img)
	if o.Gray {
		work = g
	} else {
		work = ToRGBA(img)
	}
	res := &Result{Gray: o.Gray, Scale: 1, Crop: img.Bounds()}
	crop := g.Bounds()
	bg := uint8(255)
	if !o.NoCrop {
		crop, bg = findPage(g, g.Bounds())
	}
	if !o.NoDeskew {
		if a := estimateSkew(g, crop, o.MaxSkew); a != 0 {
			res.Skew = a
			fill := color.Gray{Y: bg}
			work = Rotate(work, -a, fill)
			if !o.NoCrop {
				// Find the now-straight paper again.
				var rg *image.Gray
				if gw, ok := work.(*image.Gray); ok {
					rg = gw
				} else {
					rg = ToGray(work)
				}
				crop, _ = findPage(rg, rg.Bounds())
			} else {
				crop = work.Bounds()
			}
		}
	}
	if !o.NoCrop {
		// Trim a few pixels so that the edge of the paper (a soft dark line
		// after interpolation) is not kept.
		in := max(1, min(crop.Dx(), crop.Dy())/300)
		crop = crop.Inset(in)
		switch w := work.(type) {
		case *image.Gray:
			work = w.SubImage(crop)
		case *image.RGBA:
			work = w.SubImage(crop)
		}
		res.Crop = crop.Add(img.Bounds().Min)
	}
	data, q, scale, err := EncodeJPEG(work, o.MaxBytes, o.MinQuality)
	if err != nil {
		return nil, fmt.Errorf("process: %w", err)
	}
	res.JPEG, res.Quality, res.Scale = data, q, scale
	res.Width = int(math.Round(float64(work.Bounds().Dx()) * scale))
	res.Height = int(math.Round(float64(work.Bounds().Dy()) * scale))
	res.Thumb = Thumbnail(work, o.ThumbWidth, o.ThumbWidth*3/2)
	return res, nil
}

// EncodeJPEG compresses img to at most maxBytes: the highest quality in
// [minQ, 90] that fits; when even minQ does not fit the image is downscaled
// by 0.8 and tried again (at most six times). It returns the data, the
// quality and the scale applied.
//
// The quality is searched on a sample of the page (every third band of 16
// rows, about a third of the pixels: JPEG size is local, so the sample's size
// scales closely) and then confirmed, and stepped down if needed, on the
// whole page. That costs about two full encodes instead of five or six.
func EncodeJPEG(img image.Image, maxBytes, minQ int) ([]byte, int, float64, error) {
	if minQ <= 0 || minQ > 90 {
		minQ = 40
	}
	const maxQ = 90
	scale := 1.0
	src := img
	var buf bytes.Buffer
	enc := func(im image.Image, q int) (int, error) {
		buf.Reset()
		if err := jpeg.Encode(&buf, im, &jpeg.Options{Quality: q}); err != nil {
			return 0, fmt.Errorf("encode jpeg: %w", err)
		}
		return buf.Len(), nil
	}
	for attempt := 0; attempt < 7; attempt++ {
		sample, frac := bandSample(src)
		// Highest q in [minQ, maxQ] whose sample fits the scaled target.
		target := int(float64(maxBytes) * frac * 0.97)
		lo, hi, q := minQ, maxQ, minQ
		for lo <= hi {
			mid := (lo + hi + 1) / 2
			n, err := enc(sample, mid)
			if err != nil {
				return nil, 0, 0, err
			}
			if n <= target {
				q, lo = mid, mid+1
			} else {
				hi = mid - 1
			}
			if hi-lo < 2 {
				break // steps of 2 are invisible
			}
		}
		for ; q >= minQ; q -= 3 {
			n, err := enc(src, q)
			if err != nil {
				return nil, 0, 0, err
			}
			if n <= maxBytes {
				return bytes.Clone(buf.Bytes()), q, scale, nil
			}
		}
		scale *= 0.8
		b := img.Bounds()
		w, h := int(float64(b.Dx())*scale), int(float64(b.Dy())*scale)
		if w < 16 || h < 16 {
			break
		}
		src = resize(img, w, h)
	}
	return nil, 0, 0, fmt.Errorf("encode jpeg: cannot fit %d bytes", maxBytes)
}

// bandSample returns every third band of 16 rows of img stacked together,
// and the fraction of rows it holds. Small images are returned whole.
func bandSample(img image.Image) (image.Image, float64) {
	const band, every = 16, 3
	b := img.Bounds()
	if b.Dy() < band*every*4 {
		return img, 1
	}
	var rows []int
	for y := b.Min.Y; y+band <= b.Max.Y; y += band * every {
		rows = append(rows, y)
	}
	h := len(rows) * band
	r := image.Rect(0, 0, b.Dx(), h)
	switch src := img.(type) {
	case *image.Gray:
		dst := image.NewGray(r)
		for i, y0 := range rows {
			for dy := 0; dy < band; dy++ {
				copy(dst.Pix[(i*band+dy)*dst.Stride:], src.Pix[src.PixOffset(b.Min.X, y0+dy):src.PixOffset(b.Max.X, y0+dy)])
			}
		}
		return dst, float64(h) / float64(b.Dy())
	default:
		rgba := ToRGBA(img)
		dst := image.NewRGBA(r)
		for i, y0 := range rows {
			y0 -= b.Min.Y
			for dy := 0; dy < band; dy++ {
				copy(dst.Pix[(i*band+dy)*dst.Stride:], rgba.Pix[rgba.PixOffset(0, y0+dy):rgba.PixOffset(b.Dx(), y0+dy)])
			}
		}
		return dst, float64(h) / float64(b.Dy())
	}
}

// resize scales img to w×h with a bilinear kernel (area-aware when
// shrinking), keeping grey images grey.
func resize(img image.Image, w, h int) image.Image {
	r := image.Rect(0, 0, w, h)
	var dst xdraw.Image
	if _, ok := img.(*image.Gray); ok {
		dst = image.NewGray(r)
	} else {
		dst = image.NewRGBA(r)
	}
	xdraw.BiLinear.Scale(dst, r, img, img.Bounds(), xdraw.Src, nil)
	return dst
}

// Thumbnail scales img to fit within maxW×maxH, keeping its aspect ratio.
func Thumbnail(img image.Image, maxW, maxH int) *image.RGBA {
	b := img.Bounds()
	if b.Empty() || maxW <= 0 || maxH <= 0 {
		return image.NewRGBA(image.Rect(0, 0, 0, 0))
	}
	s := math.Min(float64(maxW)/float64(b.Dx()), float64(maxH)/float64(b.Dy()))
	w, h := max(1, int(math.Round(float64(b.Dx())*s))), max(1, int(math.Round(float64(b.Dy())*s)))
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	// A cheap box pre-shrink keeps the kernel scaler fast on big scans.
	src := img
	if f := b.Dx() / (2 * w); f >= 2 {
		if g, ok := img.(*image.Gray); ok {
			src = shrink(ToGray(g), f)
		}
	}
	xdraw.BiLinear.Scale(dst, dst.Bounds(), src, src.Bounds(), xdraw.Src, nil)
	return dst
}

// Colorful reports whether a scan has real colour in it (a red seal, a
// photo) rather than black print on white or tinted paper: more than 0.2 %
// of the pixels of a shrunken copy have a chroma (max−min of R, G, B) above
// 60. The kiosk may scan in colour and keep grey for pages where this is
// false.
func Colorful(img image.Image) bool {
	switch img.(type) {
	case *image.Gray, *image.Gray16:
		return false
	}
	b := img.Bounds()
	step := max(1, b.Dx()/400)
	n, colored := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			r, g, bb, _ := img.At(x, y).RGBA()
			hi, lo := max(r, g, bb)>>8, min(r, g, bb)>>8
			if hi-lo > 60 {
				colored++
			}
			n++
		}
	}
	return colored*500 > n
}
