package widgets

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// NumericPad is a big-key pad for digits: ID numbers (with X), phone
// numbers, amounts. Keys: 1–9, X (when allowed), 0, 删除, 清空, 确定.
type NumericPad struct {
	widget.BaseWidget

	// OnChanged is called with the new value after every key.
	OnChanged func(string)
	// OnConfirm is called with the value when 确定 is tapped.
	OnConfirm func(string)
	// Wide lays the digits out in four columns (three rows instead of
	// four), for landscape displays: in 长辈模式 a three-column pad and the
	// field it types into are taller than a 1080 px display's form area.
	// Set before the pad is shown.
	Wide bool

	target  Target
	maxLen  int
	allowX  bool
	keySize fyne.Size
	value   string
	keys    map[string]*key
}

// NewNumericPad returns a pad typing into target (may be nil), accepting at
// most maxLen characters (0: no limit). With allowX the X key is enabled, and
// X is accepted only as the last character of a full-length value, as in an
// ID number. keySize 0 means DefaultKeySize.
func NewNumericPad(target Target, maxLen int, allowX bool, keySize fyne.Size) *NumericPad {
	if keySize.IsZero() {
		keySize = DefaultKeySize
	}
	p := &NumericPad{target: target, maxLen: maxLen, allowX: allowX, keySize: keySize, keys: map[string]*key{}}
	if target != nil {
		p.value = target.Text()
	}
	p.ExtendBaseWidget(p)
	return p
}

// Value returns the text typed so far.
func (p *NumericPad) Value() string { return p.value }

// SetValue replaces the text (truncated to the maximum length).
func (p *NumericPad) SetValue(s string) {
	if p.maxLen > 0 && len(s) > p.maxLen {
		s = s[:p.maxLen]
	}
	p.set(s)
}

// Key returns the button for a label ("0"–"9", "X", LabelBackspace,
// LabelClear, LabelConfirm), for tests and for screens that highlight keys.
func (p *NumericPad) Key(label string) *widget.Button {
	p.ensureKeys()
	if k, ok := p.keys[label]; ok {
		return &k.Button
	}
	return nil
}

// Press acts as if the key with that label had been tapped.
func (p *NumericPad) Press(label string) {
	switch label {
	case LabelBackspace:
		if p.value != "" {
			p.set(p.value[:len(p.value)-1])
		}
	case LabelClear:
		p.set("")
	case LabelConfirm:
		if p.OnConfirm != nil {
			p.OnConfirm(p.value)
		}
	case "X", "x":
		if !p.allowX || strings.ContainsRune(p.value, 'X') {
			return
		}
		if p.maxLen > 0 && len(p.value) != p.maxLen-1 {
			return
		}
		p.set(p.value + "X")
	default:
		if len(label) != 1 || label[0] < '0' || label[0] > '9' {
			return
		}
		if p.maxLen > 0 && len(p.value) >= p.maxLen {
			return
		}
		if strings.HasSuffix(p.value, "X") {
			return // nothing follows the check character
		}
		p.set(p.value + label)
	}
}

func (p *NumericPad) set(s string) {
	if s == p.value {
		return
	}
	p.value = s
	if p.target != nil {
		p.target.SetText(s)
	}
	if p.OnChanged != nil {
		p.OnChanged(s)
	}
}

func (p *NumericPad) ensureKeys() {
	if len(p.keys) > 0 {
		return
	}
	for _, l := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", LabelBackspace, LabelClear, LabelConfirm} {
		p.keys[l] = newKey(l, p.keySize, func() { p.Press(l) })
	}
	p.keys[LabelConfirm].Importance = widget.HighImportance
	if !p.allowX {
		p.keys["X"].Disable()
	}
}

// CreateRenderer implements fyne.Widget.
func (p *NumericPad) CreateRenderer() fyne.WidgetRenderer {
	p.ensureKeys()
	var objs []fyne.CanvasObject
	order, cols := []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", LabelBackspace}, 3
	if p.Wide {
		order, cols = []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "X", LabelBackspace}, 4
	}
	for _, l := range order {
		objs = append(objs, p.keys[l])
	}
	grid := container.NewGridWithColumns(cols, objs...)
	bottom := container.NewGridWithColumns(2, p.keys[LabelClear], p.keys[LabelConfirm])
	return widget.NewSimpleRenderer(container.NewVBox(grid, bottom))
}
