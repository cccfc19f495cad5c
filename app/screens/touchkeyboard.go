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

// Editor implements KeyboardFactory.
func (k TouchKeyboard) Editor(kind kiosk.FieldKind, value string, maxLen int, onChange func(string), onDone func()) fyne.CanvasObject {
	size := k.KeySize
	if size.IsZero() {
		size = widgets.DefaultKeySize
	}
	target := &widgets.StringTarget{Value: value, OnChanged: onChange}
	done := widget.NewButton("√ "+widgets.LabelConfirm, onDone)
	done.Importance = widget.HighImportance
	switch kind {
	case kiosk.FieldIDNumber:
		return container.NewVBox(widgets.NewNumericPad(target, orDefault(maxLen, 18), true, size), done)
	case kiosk.FieldMobile:
		return container.NewVBox(widgets.NewNumericPad(target, orDefault(maxLen, 11), false, size), done)
	case kiosk.FieldNumber, kiosk.FieldBankCard, kiosk.FieldDate:
		return container.NewVBox(widgets.NewNumericPad(target, orDefault(maxLen, 19), false, size), done)
	case kiosk.FieldCreditCode:
		// Credit codes carry capital letters: the letter keyboard types them.
		return container.NewVBox(widgets.NewPinyinKeyboard(target, orDefault(maxLen, 18), size), done)
	}
	pinyin := widgets.NewPinyinKeyboard(target, maxLen, size)
	if k.Handwriting == nil {
		return container.NewVBox(pinyin, done)
	}
	hand := widgets.NewHandwritingPad(target, k.Handwriting, 420)
	tabs := container.NewAppTabs(
		container.NewTabItem("拼音", pinyin),
		container.NewTabItem("手写", hand),
	)
	return container.NewVBox(tabs, done)
}

func orDefault(n, d int) int {
	if n > 0 {
		return n
	}
	return d
}
