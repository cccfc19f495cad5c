package widgets

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	kiotheme "github.com/bianmin/kiosk/app/theme"
)

// newKioskApp is test.NewTempApp with the kiosk's own theme, whose bundled
// font covers every character the widgets draw: golden images then never
// depend on the machine's fonts (Fyne's test theme takes CJK glyphs from
// whatever system font exists).
func newKioskApp(t testing.TB) fyne.App {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(&kiotheme.Kiosk{})
	return a
}

// requireKioskTheme fails a golden comparison made under any other theme.
func requireKioskTheme(t testing.TB) {
	t.Helper()
	if _, ok := fyne.CurrentApp().Settings().Theme().(*kiotheme.Kiosk); !ok {
		t.Fatalf("golden image under theme %T: use newKioskApp so the bundled font draws it", fyne.CurrentApp().Settings().Theme())
	}
}
