package assets

import (
	"testing"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
)

func TestFontParsesAndCovers(t *testing.T) {
	f, err := opentype.Parse(FontTTF())
	if err != nil {
		t.Fatalf("parse bundled font: %v", err)
	}
	if n := f.NumGlyphs(); n < 7000 {
		t.Errorf("font has %d glyphs, want at least the 6 763 GB2312 hanzi", n)
	}
	var buf sfnt.Buffer
	if family, err := f.Name(&buf, sfnt.NameIDFamily); err != nil || family == "" {
		t.Errorf("family name = %q, %v; want the WenQuanYi name", family, err)
	}
	tests := []struct {
		name string
		text string
	}{
		{"kiosk words", "便民自助终端请放置身份证养老认证"},
		{"digits", "0123456789"},
		{"ascii", "ABCXYZabcxyz@#%&*()-_=+"},
		{"cjk punctuation", "，。、：；？！“”‘’（）《》【】·…—"},
		{"full-width forms", "０１２ＡＢＣ％"},
		{"rare name characters", "玥堃喆昇珺"}, // outside GB2312, inside the bundled block
		{"symbols", "①②③℃№→●○■□"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range tt.text {
				gi, err := f.GlyphIndex(&buf, r)
				if err != nil {
					t.Fatalf("glyph index %q: %v", r, err)
				}
				if gi == 0 {
					t.Errorf("no glyph for %q (U+%04X)", r, r)
				}
			}
		})
	}
}

// TestFontCoversCatalog checks that make-font.sh was re-run after the
// catalogue changed: every character of the catalogue must have a glyph.
func TestFontCoversCatalog(t *testing.T) {
	f, err := opentype.Parse(FontTTF())
	if err != nil {
		t.Fatal(err)
	}
	var buf sfnt.Buffer
	missing := map[rune]bool{}
	for _, r := range string(CatalogJSON()) {
		if r < 0x20 {
			continue
		}
		if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
			missing[r] = true
		}
	}
	if len(missing) > 0 {
		var s []rune
		for r := range missing {
			s = append(s, r)
		}
		t.Errorf("font lacks glyphs for %q: re-run assets/fonts/make-font.sh", string(s))
	}
}
