package widgets

import (
	"testing"

	"fyne.io/fyne/v2/test"
)

// preloadingRecognizer is a recognizer that loads its model on demand, as
// *handwriting.Lazy does.
type preloadingRecognizer struct {
	fakeRecognizer
	preloads int
}

func (p *preloadingRecognizer) Preload() { p.preloads++ }

// TestHandwritingPadPreloads: making the pad (a text keyboard opening)
// asks an on-demand recognizer to load its model, so that the model is in
// memory by the resident's first stroke.
func TestHandwritingPadPreloads(t *testing.T) {
	test.NewTempApp(t)
	rec := &preloadingRecognizer{}
	NewHandwritingPad(&StringTarget{}, rec, 300)
	if rec.preloads != 1 {
		t.Fatalf("%d preloads when the pad was made, want 1", rec.preloads)
	}
	NewHandwritingPad(&StringTarget{}, &fakeRecognizer{}, 300) // a recognizer without Preload is fine
}
