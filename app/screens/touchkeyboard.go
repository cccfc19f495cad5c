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
		return p
	}
	pinyin := widgets.NewPinyinKeyboard(target, maxLen, size)
	pinyin.OnConfirm = confirm
	if k.Handwriting == nil {
		return pinyin
	}
	hand := widgets.NewHandwritingPad(target, k.Handwriting, 420)
	done := widget.NewButton("√ "+widgets.LabelConfirm, onDone)
	done.Importance = widget.HighImportance
	tabs := container.NewAppTabs(
		container.NewTabItem("拼音", pinyin),
		container.NewTabItem("手写", container.NewVBox(hand, done)),
	)
	return tabs
}

func orDefault(n, d int) int {
	if n > 0 {
		return n
	}
	return d
}
