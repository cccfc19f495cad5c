package sim

import (
	"image"
	"strings"
	"testing"

	"golang.org/x/image/font/sfnt"
)

// TestSamplePageTextHasGlyphs: the page's text is drawn with the bundled
// font, which has a glyph for every character the page shows, so the page
// is the same with or without system fonts (no skip: the font is embedded).
// Mutation killed: a page string with a character outside the font subset.
func TestSamplePageTextHasGlyphs(t *testing.T) {
	f := loadFont()
	var buf sfnt.Buffer
	all := strings.Join(append(append([]string{pageTitle(12), "—0123456789"}, lines...), tableHeads...), "")
	for _, r := range all {
		if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
			t.Errorf("bundled font has no glyph for %q (U+%04X)", r, r)
		}
	}
}

// TestSamplePageTitleIsInked: the title band of the paper carries ink (the
// CJK title is drawn, not left out for want of a font). Mutation killed:
// drawing no text.
func TestSamplePageTitleIsInked(t *testing.T) {
	spec := PageSpec{DPI: 100, Margin: -1}
	g := SamplePage(spec).(*image.Gray)
	px := func(mm float64) int { return int(mm / 25.4 * 100) }
	ink := 0
	for y := px(22); y < px(32); y++ {
		for x := 0; x < g.Bounds().Dx(); x++ {
			if g.GrayAt(x, y).Y < 100 {
				ink++
			}
		}
	}
	if ink < 300 {
		t.Fatalf("title band has %d ink pixels: the title was not drawn", ink)
	}
}
