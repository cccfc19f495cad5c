package widgets

import (
	"bytes"
	"errors"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/handwriting"
	"github.com/bianmin/kiosk/app/handwriting/ink"
)

var _ Recognizer = (*handwriting.Recognizer)(nil)

var update = flag.Bool("update", false, "rewrite the golden images in testdata/")

// assertGolden compares a capture of w with testdata/name, rewriting it with -update.
func assertGolden(t *testing.T, name string, w fyne.Window) {
	t.Helper()
	requireKioskTheme(t)
	img := w.Canvas().Capture()
	if *update {
		var b bytes.Buffer
		if err := png.Encode(&b, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", name), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	test.AssertImageMatches(t, name, img)
}

func TestNumericPad(t *testing.T) {
	tests := []struct {
		name   string
		maxLen int
		allowX bool
		keys   []string
		want   string
	}{
		{"digits", 0, false, []string{"1", "2", "3"}, "123"},
		{"max length", 4, false, []string{"1", "2", "3", "4", "5"}, "1234"},
		{"backspace", 0, false, []string{"1", "2", LabelBackspace, "3"}, "13"},
		{"clear", 0, false, []string{"1", "2", LabelClear, "9"}, "9"},
		{"X disabled", 18, false, []string{"1", "X"}, "1"},
		{"X only last", 3, true, []string{"1", "X", "2", "X"}, "12X"},
		{"nothing after X", 3, true, []string{"1", "2", "X", "3"}, "12X"},
		{"backspace empty", 0, false, []string{LabelBackspace}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			newKioskApp(t)
			target := &StringTarget{}
			var changes []string
			p := NewNumericPad(target, tt.maxLen, tt.allowX, fyne.Size{})
			p.OnChanged = func(s string) { changes = append(changes, s) }
			test.NewTempWindow(t, p)
			for _, k := range tt.keys {
				test.Tap(p.Key(k))
			}
			if p.Value() != tt.want || target.Value != tt.want {
				t.Errorf("value %q, target %q, want %q", p.Value(), target.Value, tt.want)
			}
			if tt.want != "" && changes[len(changes)-1] != tt.want {
				t.Errorf("OnChanged last %v", changes)
			}
		})
	}
}

func TestNumericPadConfirmAndEntry(t *testing.T) {
	newKioskApp(t)
	e := widget.NewEntry()
	e.SetText("13")
	p := NewNumericPad(EntryTarget(e), 11, false, fyne.Size{})
	var confirmed string
	p.OnConfirm = func(s string) { confirmed = s }
	test.NewTempWindow(t, p)
	for _, k := range "800138000" {
		test.Tap(p.Key(string(k)))
	}
	test.Tap(p.Key(LabelConfirm))
	if e.Text != "13800138000" || confirmed != "13800138000" {
		t.Errorf("entry %q, confirmed %q", e.Text, confirmed)
	}
}

func TestNumericPadKeySize(t *testing.T) {
	newKioskApp(t)
	p := NewNumericPad(nil, 18, true, fyne.Size{})
	w := test.NewTempWindow(t, p)
	w.Resize(p.MinSize())
	for _, l := range []string{"1", "X", LabelConfirm} {
		if s := p.Key(l).Size(); s.Width < 60 || s.Height < 60 {
			t.Errorf("key %s is %v, want at least 60×60", l, s)
		}
	}
}

func TestNumericPadGolden(t *testing.T) {
	newKioskApp(t)
	p := NewNumericPad(nil, 18, true, fyne.Size{})
	w := test.NewTempWindow(t, p)
	w.Resize(fyne.NewSize(300, 520))
	assertGolden(t, "numeric_pad.png", w)
}

func TestPinyinKeyboard(t *testing.T) {
	newKioskApp(t)
	target := &StringTarget{}
	k := NewPinyinKeyboard(target, 0, fyne.Size{})
	var confirmed string
	k.OnConfirm = func(s string) { confirmed = s }
	w := test.NewTempWindow(t, k)
	w.Resize(fyne.NewSize(900, 600))
	typeKeys := func(s string) {
		for _, r := range s {
			test.Tap(k.Key(string(r)))
		}
	}
	typeKeys("shenfenzheng")
	if got := k.Candidate(0).Text; got != "身份证" {
		t.Fatalf("first candidate %q, want 身份证", got)
	}
	test.Tap(k.Candidate(0))
	if target.Value != "身份证" || k.Engine().Composing() {
		t.Fatalf("after pick: %q, composing %q", target.Value, k.Engine().Buffer())
	}
	// Paging through the candidates of "shi".
	typeKeys("shi")
	first := k.Candidate(0).Text
	if !k.Key(LabelPrevPage).Disabled() || k.Key(LabelNextPage).Disabled() {
		t.Errorf("paging buttons on page 1: prev disabled %v, next disabled %v", k.Key(LabelPrevPage).Disabled(), k.Key(LabelNextPage).Disabled())
	}
	test.Tap(k.Key(LabelNextPage))
	if k.Candidate(0).Text == first || k.Key(LabelPrevPage).Disabled() {
		t.Errorf("next page shows %q", k.Candidate(0).Text)
	}
	test.Tap(k.Key(LabelPrevPage))
	if k.Candidate(0).Text != first {
		t.Errorf("back on page 1 shows %q, want %q", k.Candidate(0).Text, first)
	}
	// Backspace edits the buffer first, then the text.
	test.Tap(k.Key(LabelBackspace))
	if k.Engine().Buffer() != "sh" || target.Value != "身份证" {
		t.Errorf("backspace: buffer %q text %q", k.Engine().Buffer(), target.Value)
	}
	test.Tap(k.Key(LabelClear))
	if k.Engine().Composing() || target.Value != "" {
		t.Errorf("clear: buffer %q text %q", k.Engine().Buffer(), target.Value)
	}
	typeKeys("yanglao")
	test.Tap(k.Key(LabelConfirm)) // commits the first candidate
	if target.Value != "养老" || confirmed != "养老" {
		t.Errorf("confirm: text %q confirmed %q", target.Value, confirmed)
	}
	test.Tap(k.Key(LabelBackspace))
	if target.Value != "养" {
		t.Errorf("backspace on text: %q", target.Value)
	}
}

func TestPinyinKeyboardMaxLen(t *testing.T) {
	newKioskApp(t)
	target := &StringTarget{}
	k := NewPinyinKeyboard(target, 2, fyne.Size{})
	test.NewTempWindow(t, k)
	for _, r := range "shenfenzheng" {
		test.Tap(k.Key(string(r)))
	}
	test.Tap(k.Candidate(0))
	if target.Value != "身份" {
		t.Errorf("text %q, want 身份", target.Value)
	}
}

func TestPinyinKeyboardGolden(t *testing.T) {
	newKioskApp(t)
	k := NewPinyinKeyboard(nil, 0, fyne.Size{})
	w := test.NewTempWindow(t, k)
	w.Resize(fyne.NewSize(900, 560))
	for _, r := range "yanglao" {
		test.Tap(k.Key(string(r)))
	}
	assertGolden(t, "pinyin_keyboard.png", w)
}

// fakeRecognizer answers by stroke count and records what it was given.
type fakeRecognizer struct {
	got  [][]ink.Stroke
	w, h int
	err  error
}

func (f *fakeRecognizer) Classify(strokes []ink.Stroke, w, h, n int) ([]ink.Candidate, error) {
	f.got = append(f.got, strokes)
	f.w, f.h = w, h
	if f.err != nil {
		return nil, f.err
	}
	answers := map[int][]string{1: {"一", "乙", "丨"}, 2: {"十", "二", "人"}}
	var out []ink.Candidate
	for i, c := range answers[len(strokes)] {
		out = append(out, ink.Candidate{Char: c, Score: float64(-i)})
	}
	return out, nil
}

// drawStroke drags a finger along points (in the area's coordinates).
func drawStroke(a *InkArea, pts ...fyne.Position) {
	for i := 1; i < len(pts); i++ {
		a.Dragged(&fyne.DragEvent{
			PointEvent: fyne.PointEvent{Position: pts[i]},
			Dragged:    fyne.Delta{DX: pts[i].X - pts[i-1].X, DY: pts[i].Y - pts[i-1].Y},
		})
	}
	a.DragEnd()
}

func line(x0, y0, x1, y1 float32) []fyne.Position {
	var out []fyne.Position
	for i := 0; i <= 10; i++ {
		t := float32(i) / 10
		out = append(out, fyne.NewPos(x0+(x1-x0)*t, y0+(y1-y0)*t))
	}
	return out
}

func TestHandwritingPad(t *testing.T) {
	newKioskApp(t)
	rec := &fakeRecognizer{}
	target := &StringTarget{Value: "张"}
	p := NewHandwritingPad(target, rec, 300)
	w := test.NewTempWindow(t, p)
	w.Resize(p.MinSize())

	drawStroke(p.Area(), line(40, 150, 260, 150)...)
	if len(rec.got) != 1 || len(rec.got[0]) != 1 || len(rec.got[0][0]) != 11 {
		t.Fatalf("recogniser got %v", rec.got)
	}
	if s := rec.got[0][0]; s[0] != (ink.Point{X: 40, Y: 150}) || s[10] != (ink.Point{X: 260, Y: 150}) {
		t.Errorf("stroke %v", s)
	}
	if rec.w != 300 || rec.h != 300 {
		t.Errorf("area %dx%d, want 300x300", rec.w, rec.h)
	}
	if got := p.Candidates(); !slices.Equal(got, []string{"一", "乙", "丨"}) {
		t.Errorf("candidates %v", got)
	}
	drawStroke(p.Area(), line(150, 40, 150, 270)...)
	if p.Candidate(0).Text != "十" || !p.Candidate(5).Disabled() {
		t.Errorf("bar shows %q", p.Candidate(0).Text)
	}
	test.Tap(p.UndoButton())
	if len(p.Area().Strokes()) != 1 || p.Candidate(0).Text != "一" {
		t.Errorf("undo: %d strokes, first %q", len(p.Area().Strokes()), p.Candidate(0).Text)
	}
	drawStroke(p.Area(), line(150, 40, 150, 270)...)
	test.Tap(p.Candidate(0))
	if target.Value != "张十" || !p.Area().Empty() || len(p.Candidates()) != 0 {
		t.Errorf("pick: text %q, strokes %d", target.Value, len(p.Area().Strokes()))
	}
	// A tap is a dot; the rewrite button clears.
	test.Tap(p.Area())
	if len(p.Area().Strokes()) != 1 {
		t.Errorf("tap left %d strokes", len(p.Area().Strokes()))
	}
	test.Tap(p.RewriteButton())
	if !p.Area().Empty() {
		t.Errorf("rewrite left strokes")
	}
	// Recogniser errors are reported and leave the bar empty.
	rec.err = errors.New("boom")
	var reported error
	p.OnError = func(err error) { reported = err }
	drawStroke(p.Area(), line(40, 150, 260, 150)...)
	if reported == nil || len(p.Candidates()) != 0 {
		t.Errorf("error not reported: %v %v", reported, p.Candidates())
	}
}

func TestHandwritingPadDragOnCanvas(t *testing.T) {
	newKioskApp(t)
	rec := &fakeRecognizer{}
	p := NewHandwritingPad(nil, rec, 300)
	w := test.NewTempWindow(t, p)
	w.Resize(p.MinSize())
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(p.Area())
	test.Drag(w.Canvas(), pos.AddXY(50, 100), 120, 0)
	if len(rec.got) != 1 || len(rec.got[0][0]) != 2 {
		t.Fatalf("canvas drag gave %v", rec.got)
	}
	// test.Drag reports the start position with the whole delta, where the
	// real driver reports the current position: only the extent is certain.
	if s := rec.got[0][0]; s[1].X-s[0].X != 120 || s[1].Y != s[0].Y {
		t.Errorf("stroke %v, want 120 dp to the right", s)
	}
}

func TestHandwritingPadWithZinnia(t *testing.T) {
	rec, err := handwriting.Open("")
	if err != nil {
		t.Fatalf("zinnia: %v", err)
	}
	defer rec.Close()
	newKioskApp(t)
	target := &StringTarget{}
	p := NewHandwritingPad(target, rec, 300)
	w := test.NewTempWindow(t, p)
	w.Resize(p.MinSize())
	drawStroke(p.Area(), line(40, 150, 260, 150)...)
	drawStroke(p.Area(), line(150, 40, 150, 270)...)
	if got := p.Candidates(); len(got) == 0 || got[0] != "十" {
		t.Fatalf("zinnia candidates %v, want 十 first", got)
	}
	test.Tap(p.Candidate(0))
	if target.Value != "十" {
		t.Errorf("text %q", target.Value)
	}
}

func TestHandwritingPadGolden(t *testing.T) {
	newKioskApp(t)
	p := NewHandwritingPad(nil, &fakeRecognizer{}, 300)
	w := test.NewTempWindow(t, p)
	w.Resize(fyne.NewSize(700, 560))
	drawStroke(p.Area(), line(40, 150, 260, 150)...)
	drawStroke(p.Area(), line(150, 40, 150, 270)...)
	assertGolden(t, "handwriting_pad.png", w)
}

func TestSignaturePad(t *testing.T) {
	newKioskApp(t)
	s := NewSignaturePad(fyne.NewSize(300, 150))
	changes := 0
	s.OnChanged = func() { changes++ }
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(320, 260))
	if !s.Empty() {
		t.Fatal("new pad not empty")
	}
	if _, err := s.PNG(); !errors.Is(err, ErrEmptySignature) {
		t.Errorf("empty PNG: %v", err)
	}
	test.Tap(s.Area()) // a stray touch is not a signature
	if !s.Empty() {
		t.Errorf("a dot counts as a signature")
	}
	drawStroke(s.Area(), line(20, 100, 120, 40)...)
	drawStroke(s.Area(), line(120, 40, 200, 110)...)
	if s.Empty() || changes != 3 {
		t.Fatalf("empty %v after strokes, %d changes", s.Empty(), changes)
	}
	b, err := s.PNG()
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	size := s.Area().Size()
	if img.Bounds().Dx() != int(size.Width*2) || img.Bounds().Dy() != int(size.Height*2) {
		t.Errorf("PNG %v for area %v", img.Bounds(), size)
	}
	if n := darkPixels(img); n < 200 {
		t.Errorf("only %d ink pixels", n)
	}
	// Ink lies where it was drawn: at (20,100) dp → (40,200) px (the stray
	// tap left a dot at the origin), not at the far corner.
	far := img.Bounds().Max.Sub(image.Pt(3, 3))
	if !isDark(img, 41, 199) || isDark(img, far.X, far.Y) {
		t.Errorf("ink misplaced: (41,199) dark %v, %v dark %v", isDark(img, 41, 199), far, isDark(img, far.X, far.Y))
	}
	test.Tap(s.ClearButton())
	if !s.Empty() || changes != 4 {
		t.Errorf("clear: empty %v, changes %d", s.Empty(), changes)
	}
}

func darkPixels(img image.Image) int {
	n := 0
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
			if isDark(img, x, y) {
				n++
			}
		}
	}
	return n
}

func isDark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}

func TestSignaturePadGolden(t *testing.T) {
	newKioskApp(t)
	s := NewSignaturePad(fyne.NewSize(300, 150))
	w := test.NewTempWindow(t, s)
	w.Resize(fyne.NewSize(320, 260))
	drawStroke(s.Area(), line(20, 100, 120, 40)...)
	drawStroke(s.Area(), line(120, 40, 200, 110)...)
	assertGolden(t, "signature_pad.png", w)
}
