package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	kiosk "github.com/bianmin/kiosk"
)

// KeyboardFactory makes the input panel for one field: the numeric pad for ID
// and phone numbers, a pinyin keyboard or handwriting for text. onChange gets
// every change; onDone closes the panel.
type KeyboardFactory interface {
	Editor(kind kiosk.FieldKind, value string, maxLen int, onChange func(string), onDone func()) fyne.CanvasObject
}

// EntryKeyboard edits with a plain entry, for a technician's physical
// keyboard; the touchscreen uses the on-screen keyboards.
type EntryKeyboard struct{}

// Editor implements KeyboardFactory.
func (EntryKeyboard) Editor(kind kiosk.FieldKind, value string, maxLen int, onChange func(string), onDone func()) fyne.CanvasObject {
	e := widget.NewEntry()
	e.SetText(value)
	e.OnChanged = onChange
	e.OnSubmitted = func(string) { onDone() }
	ok := widget.NewButton("√", onDone)
	ok.Importance = widget.HighImportance
	return container.NewBorder(nil, nil, nil, ok, e)
}
