package imaging

import (
	"bufio"
	"errors"
	"fmt"
	_ "image/jpeg" // DecodeConfig of pages
	"io"
)

// This is a minimal PDF writer for JPEG pages, written by hand rather than
// with github.com/signintech/gopdf: a material's PDF only ever holds one
// full-page JPEG per page, which PDF embeds verbatim (DCTDecode) — about a
// hundred lines. Hand-writing keeps the JPEG bytes untouched (no
// re-encoding), makes the output byte-for-byte deterministic (no creation
// date, no random IDs), so that the same pages always give the same sha256
// for the platform's deduplication, and needs no font.

// PDFPage is one page of a material: a JPEG and the resolution it was
// scanned at (for the physical page size).
type PDFPage struct {
	JPEG   []byte
	Width  int // pixels
	Height int
	Gray   bool
	DPI    int
}

// PageFromResult turns a processed page into a PDF page.
func PageFromResult(r *Result, dpi int) PDFPage {
	if r.Scale > 0 && r.Scale != 1 {
		dpi = int(float64(dpi)*r.Scale + 0.5)
	}
	if dpi <= 0 {
		dpi = 200
	}
	return PDFPage{JPEG: r.JPEG, Width: r.Width, Height: r.Height, Gray: r.Gray, DPI: dpi}
}

// Material is the ordered pages of one material (one PDF). The zero value is
// an empty material. Not safe for concurrent use.
type Material struct {
	pages []PDFPage
}

// ErrNoPage is returned for a page index out of range.
var ErrNoPage = errors.New("no such page")

// Len is the number of pages.
func (m *Material) Len() int { return len(m.pages) }

// Add appends pages.
func (m *Material) Add(p ...PDFPage) { m.pages = append(m.pages, p...) }

// Replace replaces page i (from 0): a retake.
func (m *Material) Replace(i int, p PDFPage) error {
	if i < 0 || i >= len(m.pages) {
		return fmt.Errorf("replace page %d: %w", i+1, ErrNoPage)
	}
	m.pages[i] = p
	return nil
}

// WritePDF writes the material as a PDF 1.4 document, one page per JPEG,
// each page sized to the paper at its scan resolution.
func (m *Material) WritePDF(w io.Writer) (int64, error) {
	if len(m.pages) == 0 {
		return 0, errors.New("write pdf: no pages")
	}
	cw := &countWriter{w: bufio.NewWriter(w)}
	var offsets []int64
	obj := func(body func()) {
		offsets = append(offsets, cw.n)
		fmt.Fprintf(cw, "%d 0 obj\n", len(offsets))
		body()
		fmt.Fprint(cw, "\nendobj\n")
	}
	fmt.Fprint(cw, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	n := len(m.pages)
	// Object numbers: 1 catalog, 2 pages, then per page i: page 3+3i,
	// content 4+3i, image 5+3i.
	obj(func() { fmt.Fprint(cw, "<< /Type /Catalog /Pages 2 0 R >>") })
	obj(func() {
		fmt.Fprint(cw, "<< /Type /Pages /Kids [")
		for i := 0; i < n; i++ {
			fmt.Fprintf(cw, " %d 0 R", 3+3*i)
		}
		fmt.Fprintf(cw, " ] /Count %d >>", n)
	})
	for i, p := range m.pages {
		wpt := float64(p.Width) * 72 / float64(p.DPI)
		hpt := float64(p.Height) * 72 / float64(p.DPI)
		obj(func() {
			fmt.Fprintf(cw, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>",
				wpt, hpt, 5+3*i, 4+3*i)
		})
		content := fmt.Sprintf("q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q", wpt, hpt)
		obj(func() {
			fmt.Fprintf(cw, "<< /Length %d >>\nstream\n%s\nendstream", len(content), content)
		})
		cs := "/DeviceRGB"
		if p.Gray {
			cs = "/DeviceGray"
		}
		obj(func() {
			fmt.Fprintf(cw, "<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n",
				p.Width, p.Height, cs, len(p.JPEG))
			cw.Write(p.JPEG)
			fmt.Fprint(cw, "\nendstream")
		})
	}
	xref := cw.n
	fmt.Fprintf(cw, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(cw, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(cw, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	if cw.err == nil {
		cw.err = cw.w.Flush()
	}
	if cw.err != nil {
		return cw.n, fmt.Errorf("write pdf: %w", cw.err)
	}
	return cw.n, nil
}

type countWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}
