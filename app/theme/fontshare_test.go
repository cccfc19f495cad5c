//go:build kioskoverlay

package theme

import (
	"bytes"
	"runtime"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	gotext "github.com/go-text/typesetting/font"

	"github.com/bianmin/kiosk/assets"
)

// liveHeap is the live Go heap after a collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestOneParseForEveryStyle runs only against the patched Fyne the kiosk
// ships with (packaging/fyne/_overlay/internal/painter/font.go; the tag
// kioskoverlay is set by cmd/kiosk's TestShippedFyneParsesFontOnce, which
// builds this test with packaging/scripts/fyne-overlay.sh's -modfile):
// measuring text in a first style parses the bundled CJK font (go-text
// decodes every glyph: megabytes of heap); the four other styles must
// reuse that face. Stock Fyne parses the font again per style, so each
// style cost as much as the first.
func TestOneParseForEveryStyle(t *testing.T) {
	// What one parse of the bundled font costs, as Fyne parses it.
	base := liveHeap()
	face, err := gotext.ParseTTF(bytes.NewReader(assets.FontTTF()))
	if err != nil {
		t.Fatal(err)
	}
	parse := int64(liveHeap()) - int64(base)
	runtime.KeepAlive(face)
	face = nil
	if parse < 2<<20 {
		t.Fatalf("one parse of the bundled font costs %d KB: too little to tell", parse>>10)
	}

	a := test.NewTempApp(t)
	a.Settings().SetTheme(&Kiosk{})
	fyne.MeasureText("便民自助服务 Bianmin", 20, fyne.TextStyle{}) // parses it
	before := liveHeap()
	for _, st := range []fyne.TextStyle{{Bold: true}, {Italic: true}, {Bold: true, Italic: true}, {Monospace: true}} {
		fyne.MeasureText("便民自助服务 Bianmin", 20, st)
	}
	others := int64(liveHeap()) - int64(before)
	t.Logf("one parse of the bundled font %d KB; four more styles %d KB", parse>>10, others>>10)
	// Each style still loads Fyne's own Latin fallback face and the
	// system's font for the language (a few MB together); parsing the CJK
	// font again per style would add at least four parses.
	if others >= 2*parse {
		t.Errorf("four more styles cost %d KB, one parse of the CJK font %d KB: the font is parsed per style", others>>10, parse>>10)
	}
}
