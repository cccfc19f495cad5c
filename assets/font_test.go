package assets

import (
	"testing"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"

	"github.com/bianmin/kiosk/assets/internal/fontchars"
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

// notDrawn lists the source files whose literals are tables or test inputs,
// not text anyone sees, with why. A character the bundled font lacks may
// appear only in these (or be drawn by Fyne's emoji face, below); the font
// still carries what WenQuanYi draws of them.
var notDrawn = map[string]string{
	"app/search/hanzi/hanzi.go":             "tone-folding table of the search index",
	"app/search/hanzi/hanzi_test.go":        "frequency-level tests of the search index",
	"linebreak.go":                          "line-breaking classes (characters that may not start or end a line)",
	"devices/printer/escpos/escpos_test.go": "GB18030 encoding tests: bytes, not pictures",
	"devices/idcard/ucs2_test.go":           "a character outside UCS-2 that the card parser must reject",
	"app/theme/theme_test.go":               "the check that Fyne's emoji face draws the printer symbol",
	// The technician's test page prints a character neither the printer nor
	// WenQuanYi has (Extension B), to show what happens to one.
	"devices/printer/testpage.go": "the test page's deliberately unprintable rare character",
}

// fromEmojiFace are characters the screens draw from the emoji face compiled
// into Fyne (app/theme's TestEmojiFromBundledFace checks it has them).
var fromEmojiFace = map[rune]string{'🖨': "app/screens/ui.go"}

// TestFontCoversSources is the guarantee behind hermetic golden images and
// readable receipts: every character of the locale files, the catalogue, the
// test cards and the Go literals of the UI and devices has a glyph in the
// bundled font, so Fyne never falls back to a system font. It fails when
// assets/fonts/make-font.sh needs re-running.
func TestFontCoversSources(t *testing.T) {
	f, err := opentype.Parse(FontTTF())
	if err != nil {
		t.Fatal(err)
	}
	chars, err := fontchars.Collect("..")
	if err != nil {
		t.Fatal(err)
	}
	if len(chars) < 2000 {
		t.Fatalf("only %d characters collected from the sources: the scan is broken", len(chars))
	}
	for _, r := range "√★☆·，。（）" {
		if _, ok := chars[r]; !ok {
			t.Errorf("%q not collected from the sources: the scan misses the locale files or Go literals", r)
		}
	}
	var buf sfnt.Buffer
	for _, r := range fontchars.Sorted(chars) {
		gi, err := f.GlyphIndex(&buf, r)
		if err == nil && gi != 0 {
			continue
		}
		var shown []string
		for _, file := range chars[r] {
			if _, ok := notDrawn[file]; !ok && fromEmojiFace[r] != file {
				shown = append(shown, file)
			}
		}
		if len(shown) == 0 {
			continue
		}
		chars[r] = shown
		t.Errorf("font lacks %q (U+%04X), shown by %v: re-run assets/fonts/make-font.sh", r, r, chars[r])
	}
}
