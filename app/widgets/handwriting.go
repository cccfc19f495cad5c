package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/handwriting/ink"
)

// Recognizer turns strokes drawn on a width × height area into candidate
// characters, best first, at most n. *handwriting.Recognizer (zinnia)
// implements it.
type Recognizer interface {
	Classify(strokes []ink.Stroke, width, height, n int) ([]ink.Candidate, error)
}

// preloader is a Recognizer that loads its model on demand
// (*handwriting.Lazy): the pad asks for it as soon as it is made, so that
// the model is in memory by the first stroke.
type preloader interface{ Preload() }

// HandwritingPad lets a resident write a character with a finger: the ink
// shows as it is drawn, after each stroke the candidates appear in a bar,
// and tapping one types it into the target and clears the area. 撤销 removes
// the last stroke, 重写 clears the area.
type HandwritingPad struct {
	widget.BaseWidget

	// OnChanged is called with the target's new text after each pick.
	OnChanged func(string)
	// OnError is called when the recogniser fails (the pad stays usable).
	OnError func(error)

	target  Target
	rec     Recognizer
	area    *InkArea
	cands   []*key
	shown   []ink.Candidate
	undo    *key
	rewrite *key
}

// CandidateCount is how many candidates the bar shows.
const CandidateCount = 8

// NewHandwritingPad returns a pad with a square writing area of side dp
// (0 means 400), typing into target.
func NewHandwritingPad(target Target, rec Recognizer, side float32) *HandwritingPad {
	if target == nil {
		target = &StringTarget{}
	}
	if side <= 0 {
		side = 400
	}
	if pl, ok := rec.(preloader); ok {
		pl.Preload() // the resident may switch to the pad and write soon
	}
	p := &HandwritingPad{target: target, rec: rec, area: NewInkArea(fyne.NewSize(side, side))}
	p.area.LineWidth = 8
	p.area.OnStroke = p.recognize
	p.cands = make([]*key, CandidateCount)
	for i := range p.cands {
		p.cands[i] = newKey("", DefaultKeySize, func() { p.pick(i) })
		p.cands[i].Disable()
	}
	p.undo = newKey(LabelUndo, DefaultKeySize, func() {
		if p.area.Undo() {
			p.recognize()
		}
	})
	p.rewrite = newKey(LabelRewrite, DefaultKeySize, p.Clear)
	p.ExtendBaseWidget(p)
	return p
}

// Area returns the writing area (for tests and layout).
func (p *HandwritingPad) Area() *InkArea { return p.area }

// Candidates returns the characters shown in the bar.
func (p *HandwritingPad) Candidates() []string {
	var out []string
	for _, c := range p.shown {
		out = append(out, c.Char)
	}
	return out
}

// Candidate returns the i-th button of the bar.
func (p *HandwritingPad) Candidate(i int) *widget.Button { return &p.cands[i].Button }

// UndoButton and RewriteButton return the two edit buttons.
func (p *HandwritingPad) UndoButton() *widget.Button { return &p.undo.Button }

// RewriteButton: see UndoButton.
func (p *HandwritingPad) RewriteButton() *widget.Button { return &p.rewrite.Button }

// Clear empties the writing area and the candidate bar.
func (p *HandwritingPad) Clear() {
	p.area.Clear()
	p.show(nil)
}

func (p *HandwritingPad) recognize() {
	if p.area.Empty() || p.rec == nil {
		p.show(nil)
		return
	}
	size := p.area.Size()
	if size.IsZero() {
		size = p.area.MinSize()
	}
	cs, err := p.rec.Classify(p.area.Strokes(), int(size.Width), int(size.Height), CandidateCount)
	if err != nil {
		if p.OnError != nil {
			p.OnError(err)
		}
		p.show(nil)
		return
	}
	p.show(cs)
}

func (p *HandwritingPad) show(cs []ink.Candidate) {
	p.shown = cs[:min(len(cs), len(p.cands))]
	for i, k := range p.cands {
		if i < len(p.shown) {
			k.SetText(p.shown[i].Char)
			k.Enable()
		} else {
			k.SetText("")
			k.Disable()
		}
	}
}

func (p *HandwritingPad) pick(i int) {
	if i >= len(p.shown) {
		return
	}
	t := p.target.Text() + p.shown[i].Char
	p.target.SetText(t)
	if p.OnChanged != nil {
		p.OnChanged(t)
	}
	p.Clear()
}

// CreateRenderer implements fyne.Widget.
func (p *HandwritingPad) CreateRenderer() fyne.WidgetRenderer {
	var cands []fyne.CanvasObject
	for _, c := range p.cands {
		cands = append(cands, c)
	}
	return widget.NewSimpleRenderer(container.NewVBox(
		container.NewGridWithColumns(len(cands)/2, cands...),
		container.NewCenter(p.area),
		container.NewGridWithColumns(2, p.undo, p.rewrite),
	))
}
