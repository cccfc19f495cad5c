package screens

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

// noLineStart are the marks Chinese typesetting never puts at the start of
// a line.
const noLineStart = "、，。；：？！）」"

// badLines returns the shown lines of root that start with a mark of
// noLineStart: every line of every label and every text drawn.
func badLines(root fyne.CanvasObject) []string {
	var bad []string
	check := func(text string) {
		for _, line := range strings.Split(text, "\n") {
			if line != "" && strings.ContainsRune(noLineStart, []rune(line)[0]) {
				bad = append(bad, line)
			}
		}
	}
	walk(root, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			check(v.Text)
		case *canvas.Text:
			check(v.Text)
		}
	})
	return bad
}

// TestNoLineStartsWithPunctuation shows the guide of every item and bundle
// of the bundled catalogue the kiosk offers, in normal and 长辈模式
// (larger text: other breaks), and checks that no line on screen starts
// with 、，。；：？！）」: the screens break with the kiosk's one line
// breaker. A per-character breaker (the screens' old wrapText) puts "，"
// and "）" at the start of lines of these very guides.
func TestNoLineStartsWithPunctuation(t *testing.T) {
	for _, elder := range []bool{false, true} {
		s, _, w, _ := setup(t, elder)
		s.CardRead(resident())
		shown := 0
		look := func(what string) {
			t.Helper()
			fyne.DoAndWait(func() {})
			if bad := badLines(w.Content()); len(bad) > 0 {
				t.Errorf("elder=%v %s: lines start with punctuation: %q", elder, what, bad)
			}
			shown++
		}
		for _, it := range s.Catalog().Items {
			if !it.Kiosk {
				continue
			}
			if err := s.ChooseItem(it.Code); err != nil {
				t.Fatalf("item %s: %v", it.Code, err)
			}
			look("guide of " + it.Code)
			s.Home()
		}
		for _, b := range s.Catalog().Bundles {
			if err := s.ChooseBundle(b.Code); err != nil {
				t.Fatalf("bundle %s: %v", b.Code, err)
			}
			look("guide of bundle " + b.Code)
			s.Home()
		}
		if shown < 2 {
			t.Fatalf("only %d guides shown", shown)
		}
	}
}
