package theme

import (
	"bytes"
	"testing"

	"fyne.io/fyne/v2"
	fynetheme "fyne.io/fyne/v2/theme"
	"golang.org/x/image/font/sfnt"

	"github.com/bianmin/kiosk/assets"
)

// TestBundledFontForEveryStyle: every text style draws with the bundled
// face, so no style falls through to Fyne's Latin font or a system font.
func TestBundledFontForEveryStyle(t *testing.T) {
	for _, elder := range []bool{false, true} {
		k := &Kiosk{Elder: elder}
		for _, st := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}, {Bold: true, Italic: true}, {Monospace: true}} {
			r := k.Font(st)
			if r == nil || !bytes.Equal(r.Content(), assets.FontTTF()) {
				t.Errorf("elder=%v style %+v: font is not the bundled subset", elder, st)
			}
		}
	}
}

// TestEmojiFromBundledFace: the printer-state symbol in the status line is
// drawn by the emoji face compiled into Fyne (the bundled CJK font lacks it;
// assets' TestFontCoversSources exempts it on this ground).
func TestEmojiFromBundledFace(t *testing.T) {
	f, err := sfnt.Parse(fynetheme.DefaultEmojiFont().Content())
	if err != nil {
		t.Fatalf("parse Fyne's emoji face: %v", err)
	}
	var buf sfnt.Buffer
	for _, r := range "🖨" {
		if gi, err := f.GlyphIndex(&buf, r); err != nil || gi == 0 {
			t.Errorf("Fyne's bundled emoji face lacks %q (U+%04X): %v", r, r, err)
		}
	}
}
