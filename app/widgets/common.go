package widgets

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

// Target is what a keyboard types into. *widget.Entry satisfies it; so does
// StringTarget.
type Target interface {
	Text() string
	SetText(string)
}

// StringTarget is a Target that keeps the text in memory and reports
// changes, for forms that render the value themselves.
type StringTarget struct {
	Value     string
	OnChanged func(string)
}

// Text implements Target.
func (s *StringTarget) Text() string { return s.Value }

// SetText implements Target.
func (s *StringTarget) SetText(v string) {
	s.Value = v
	if s.OnChanged != nil {
		s.OnChanged(v)
	}
}

// entryTarget adapts *widget.Entry, whose text is a field, not a method.
type entryTarget struct{ e *widget.Entry }

func (t entryTarget) Text() string     { return t.e.Text }
func (t entryTarget) SetText(s string) { t.e.SetText(s) }

// EntryTarget makes an Entry a keyboard target.
func EntryTarget(e *widget.Entry) Target { return entryTarget{e} }

// DefaultKeySize is the minimum size of a key: 80×80 dp, which is 80×80 px
// at scale 1 on a 1080p panel — above the 60 px minimum for elderly users.
var DefaultKeySize = fyne.NewSize(80, 80)

// Key labels shared by the keyboards.
const (
	LabelBackspace = "删除"
	LabelClear     = "清空"
	LabelConfirm   = "确定"
	LabelPrevPage  = "上一页"
	LabelNextPage  = "下一页"
	LabelSpace     = "空格"
	LabelUndo      = "撤销"
	LabelRewrite   = "重写"
)

// key is a button that is never smaller than its minimum size. It is not
// Draggable: a finger that slides on the keys scrolls the page (the
// TouchScroll under them gets the drag), and a press that wanders less than
// TapSlop is handed back to the key as a tap by that TouchScroll. A key
// that took drags itself, to keep a wobbly press a tap, left a page whose
// keyboard fills the display (长辈模式, landscape) with nowhere for a finger
// to scroll it: everything below the keys was out of reach.
type key struct {
	widget.Button
	min fyne.Size
}

func newKey(label string, min fyne.Size, tapped func()) *key {
	k := &key{min: min}
	k.Text = label
	k.OnTapped = tapped
	k.ExtendBaseWidget(k)
	return k
}

// MinSize implements fyne.Widget.
func (k *key) MinSize() fyne.Size { return k.Button.MinSize().Max(k.min) }
