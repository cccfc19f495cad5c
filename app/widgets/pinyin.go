package widgets

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/widgets/ime"
)

// PinyinKeyboard is an on-screen QWERTY keyboard with a pinyin input
// method: letters go to a composing buffer shown above a candidate bar;
// tapping a candidate types it into the target. Tone-less input; v stands
// for ü; whole words come first when the letters spell one (shenfenzheng →
// 身份证). The candidate bar pages with 上一页/下一页 buttons.
type PinyinKeyboard struct {
	widget.BaseWidget

	// OnChanged is called with the target's new text after each commit or deletion.
	OnChanged func(string)
	// OnConfirm is called with the text when 确定 is tapped.
	OnConfirm func(string)
	// Letters: the letter keys type letters, with no pinyin composing
	// (the English screen's search box: "pension" is a word, not 喷…).
	Letters bool

	target  Target
	maxLen  int // in runes; 0: no limit
	keySize fyne.Size
	eng     *ime.Engine

	keys      map[string]*key
	cands     []*key
	prev      *key
	next      *key
	buffer    *widget.Label
	pageLabel *widget.Label
	header    *fyne.Container
}

// NewPinyinKeyboard returns a keyboard typing into target, limiting the
// text to maxLen characters (0: no limit). keySize 0 means a 64×80 dp letter
// key (ten fit across a 1080-px-wide portrait screen).
func NewPinyinKeyboard(target Target, maxLen int, keySize fyne.Size) *PinyinKeyboard {
	if target == nil {
		target = &StringTarget{}
	}
	if keySize.IsZero() {
		keySize = fyne.NewSize(64, 80)
	}
	k := &PinyinKeyboard{target: target, maxLen: maxLen, keySize: keySize, eng: ime.New(), keys: map[string]*key{}}
	k.build()
	k.ExtendBaseWidget(k)
	k.refresh()
	return k
}

// Engine exposes the input-method state (buffer, candidates, pages).
func (k *PinyinKeyboard) Engine() *ime.Engine { return k.eng }

// Key returns the button with that label: a letter "a"–"z", LabelBackspace,
// LabelClear, LabelSpace, LabelConfirm, LabelPrevPage or LabelNextPage.
func (k *PinyinKeyboard) Key(label string) *widget.Button {
	switch label {
	case LabelPrevPage:
		return &k.prev.Button
	case LabelNextPage:
		return &k.next.Button
	}
	if b, ok := k.keys[label]; ok {
		return &b.Button
	}
	return nil
}

// Candidate returns the i-th button of the candidate bar.
func (k *PinyinKeyboard) Candidate(i int) *widget.Button {
	if i < 0 || i >= len(k.cands) {
		return nil
	}
	return &k.cands[i].Button
}

func (k *PinyinKeyboard) build() {
	for _, r := range "qwertyuiopasdfghjklzxcvbnm" {
		l := string(r)
		k.keys[l] = newKey(l, k.keySize, func() {
			if k.Letters {
				k.commit(l)
				return
			}
			k.eng.Type(r)
			k.refresh()
		})
	}
	wide := fyne.NewSize(k.keySize.Width*2, k.keySize.Height)
	k.keys[LabelBackspace] = newKey(LabelBackspace, wide, k.backspace)
	k.keys[LabelClear] = newKey(LabelClear, wide, func() { k.eng.Clear(); k.setText(""); k.refresh() })
	k.keys[LabelSpace] = newKey(LabelSpace, fyne.NewSize(k.keySize.Width*4, k.keySize.Height), k.space)
	k.keys[LabelConfirm] = newKey(LabelConfirm, wide, k.confirm)
	k.keys[LabelConfirm].Importance = widget.HighImportance
	k.cands = make([]*key, k.eng.PageSize)
	for i := range k.cands {
		k.cands[i] = newKey("", fyne.NewSize(k.keySize.Width*1.2, k.keySize.Height), func() { k.pick(i) })
	}
	k.prev = newKey(LabelPrevPage, wide, func() { k.eng.PrevPage(); k.refresh() })
	k.next = newKey(LabelNextPage, wide, func() { k.eng.NextPage(); k.refresh() })
	k.buffer = widget.NewLabel("")
	k.buffer.TextStyle.Bold = true
	k.pageLabel = widget.NewLabel("")
	k.header = container.NewBorder(nil, nil, nil, k.pageLabel, k.buffer)
}

func (k *PinyinKeyboard) text() string { return k.target.Text() }

func (k *PinyinKeyboard) setText(s string) {
	if s == k.target.Text() {
		return
	}
	k.target.SetText(s)
	if k.OnChanged != nil {
		k.OnChanged(s)
	}
}

func (k *PinyinKeyboard) commit(s string) {
	t := []rune(k.text() + s)
	if k.maxLen > 0 && len(t) > k.maxLen {
		t = t[:k.maxLen]
	}
	k.setText(string(t))
}

func (k *PinyinKeyboard) pick(i int) {
	if c, ok := k.eng.Pick(i); ok {
		k.commit(c)
	}
	k.refresh()
}

func (k *PinyinKeyboard) backspace() {
	if !k.eng.Backspace() {
		if t := []rune(k.text()); len(t) > 0 {
			k.setText(string(t[:len(t)-1]))
		}
	}
	k.refresh()
}

// space commits the first candidate while composing, else types a space.
func (k *PinyinKeyboard) space() {
	if k.eng.Composing() {
		k.pick(0)
		return
	}
	k.commit(" ")
}

func (k *PinyinKeyboard) confirm() {
	for k.eng.Composing() && len(k.eng.Page()) > 0 {
		k.pick(0)
	}
	k.eng.Clear()
	k.refresh()
	if k.OnConfirm != nil {
		k.OnConfirm(k.text())
	}
}

// refresh shows the buffer, the current page of candidates and the paging state.
func (k *PinyinKeyboard) refresh() {
	k.buffer.SetText(k.eng.Display())
	page := k.eng.Page()
	for i, c := range k.cands {
		if i < len(page) {
			c.SetText(page[i].Text)
			c.Enable()
		} else {
			c.SetText("")
			c.Disable()
		}
	}
	p, n := k.eng.PageInfo()
	if n > 0 {
		k.pageLabel.SetText(fmt.Sprintf("%d/%d", p, n))
	} else {
		k.pageLabel.SetText("")
	}
	setEnabled(&k.prev.Button, p > 1)
	setEnabled(&k.next.Button, p < n)
	k.header.Refresh() // re-lay out: the labels' widths changed
}

func setEnabled(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// CreateRenderer implements fyne.Widget.
func (k *PinyinKeyboard) CreateRenderer() fyne.WidgetRenderer {
	row := func(letters string, extra ...fyne.CanvasObject) fyne.CanvasObject {
		var objs []fyne.CanvasObject
		for _, r := range letters {
			objs = append(objs, k.keys[string(r)])
		}
		objs = append(objs, extra...)
		return container.NewCenter(container.NewHBox(objs...))
	}
	var cands []fyne.CanvasObject
	for _, c := range k.cands {
		cands = append(cands, c)
	}
	bar := container.NewBorder(nil, nil, k.prev, k.next, container.NewGridWithColumns(len(cands), cands...))
	return widget.NewSimpleRenderer(container.NewVBox(
		k.header,
		bar,
		row("qwertyuiop"),
		row("asdfghjkl"),
		row("zxcvbnm", k.keys[LabelBackspace]),
		container.NewCenter(container.NewHBox(k.keys[LabelClear], k.keys[LabelSpace], k.keys[LabelConfirm])),
	))
}
