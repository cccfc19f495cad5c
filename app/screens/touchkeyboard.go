package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/widgets"
)

// TouchKeyboard makes the on-screen keyboards: the numeric pad (with X for
// ID numbers) for numbers, and for text a pinyin keyboard with a 手写
// (handwriting) tab for residents who cannot type pinyin. Handwriting needs a
// recognizer; without one only pinyin is offered.
type TouchKeyboard struct {
	Handwriting widgets.Recognizer
	KeySize     fyne.Size // zero: widgets.DefaultKeySize
	// Labels names the command keys (删除, 确定…) in the UI's language; nil
	// keeps the widgets' Chinese labels. New sets it from Options.Lang.
	Labels map[string]string
	// Wide: a landscape display; the numeric pad takes four columns.
	Wide bool
}

// englishKeys are the command keys' labels under --lang en.
var englishKeys = map[string]string{
	widgets.LabelBackspace: "Delete", widgets.LabelClear: "Clear", widgets.LabelConfirm: "OK",
	widgets.LabelSpace: "Space", widgets.LabelPrevPage: "Prev", widgets.LabelNextPage: "Next",
	"拼音": "Pinyin", "手写": "Handwriting",
}

// label is the shown label of a command key.
func (k TouchKeyboard) label(l string) string {
	if t, ok := k.Labels[l]; ok {
		return t
	}
	return l
}

// relabel shows the command keys in the UI's language (the widgets look
// keys up by their Chinese label; only the text shown changes).
func (k TouchKeyboard) relabel(key func(string) *widget.Button) {
	if k.Labels == nil {
		return
	}
	for _, l := range []string{widgets.LabelBackspace, widgets.LabelClear, widgets.LabelConfirm, widgets.LabelSpace, widgets.LabelPrevPage, widgets.LabelNextPage} {
		if b := key(l); b != nil {
			b.SetText(k.label(l))
		}
	}
}

// Editor implements KeyboardFactory. The pads' own 确定 key closes the
// editor (onDone); only the handwriting tabs, whose pad has no 确定, get a
// separate one.
func (k TouchKeyboard) Editor(kind kiosk.FieldKind, value string, maxLen int, onChange func(string), onDone func()) fyne.CanvasObject {
	size := k.KeySize
	if size.IsZero() {
		size = widgets.DefaultKeySize
	}
	target := &widgets.StringTarget{Value: value, OnChanged: onChange}
	confirm := func(string) { onDone() }
	pad := func(n int, x bool) fyne.CanvasObject {
		p := widgets.NewNumericPad(target, n, x, size)
		p.OnConfirm = confirm
		p.Wide = k.Wide
		k.relabel(p.Key)
		return p
	}
	switch kind {
	case kiosk.FieldIDNumber:
		return pad(orDefault(maxLen, 18), true)
	case kiosk.FieldMobile:
		return pad(orDefault(maxLen, 11), false)
	case kiosk.FieldNumber, kiosk.FieldBankCard, kiosk.FieldDate:
		return pad(orDefault(maxLen, 19), false)
	case kiosk.FieldCreditCode:
		// Credit codes carry capital letters: the letter keyboard types them.
		p := widgets.NewPinyinKeyboard(target, orDefault(maxLen, 18), size)
		p.OnConfirm = confirm
		k.relabel(p.Key)
		return p
	}
	pinyin := widgets.NewPinyinKeyboard(target, maxLen, size)
	pinyin.OnConfirm = confirm
	k.relabel(pinyin.Key)
	if k.Handwriting == nil {
		return pinyin
	}
	hand := widgets.NewHandwritingPad(target, k.Handwriting, 420)
	done := widget.NewButton("√ "+k.label(widgets.LabelConfirm), onDone)
	done.Importance = widget.HighImportance
	tabs := container.NewAppTabs(
		container.NewTabItem(k.label("拼音"), pinyin),
		container.NewTabItem(k.label("手写"), container.NewVBox(hand, done)),
	)
	return tabs
}

func orDefault(n, d int) int {
	if n > 0 {
		return n
	}
	return d
}
