// Package theme is the kiosk's look: the bundled CJK font (so rendering never
// depends on the machine's fonts), sizes for a 1080-pixel-wide touchscreen
// with touch targets of at least 60 px, and two palettes: the normal one and
// 长辈模式 (elder mode: text at least 1.5× larger, high contrast). app/ imports
// it.
package theme

import (
	"image/color"

	"fyne.io/fyne/v2"
	fynetheme "fyne.io/fyne/v2/theme"

	"github.com/bianmin/kiosk/assets"
)

// Extra size names used by the screens.
const (
	SizeNameHero   fyne.ThemeSizeName = "bmkHero"   // the attract title
	SizeNameTarget fyne.ThemeSizeName = "bmkTarget" // minimum touch target
)

// MinTarget is the minimum touch target in pixels at 1080p.
const MinTarget = 60

var font = fyne.NewStaticResource(assets.FontFile, assets.FontTTF())

// Kiosk is the theme; Elder selects 长辈模式.
type Kiosk struct {
	Elder bool
}

var _ fyne.Theme = (*Kiosk)(nil)

// Normal and elder palettes. Colour is never the only cue: errors also carry
// text, selected items a check mark.
var (
	govBlue     = color.NRGBA{R: 0x1a, G: 0x56, B: 0xb8, A: 0xff}
	govBlueDeep = color.NRGBA{R: 0x0b, G: 0x32, B: 0x7a, A: 0xff}
	govRed      = color.NRGBA{R: 0xc8, G: 0x1e, B: 0x1e, A: 0xff}
	paper       = color.NRGBA{R: 0xf3, G: 0xf6, B: 0xfb, A: 0xff}
	ink         = color.NRGBA{R: 0x1c, G: 0x23, B: 0x33, A: 0xff}
	white       = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	black       = color.NRGBA{A: 0xff}
	line        = color.NRGBA{R: 0xc9, G: 0xd3, B: 0xe3, A: 0xff}
	muted       = color.NRGBA{R: 0x4e, G: 0x5a, B: 0x70, A: 0xff}
	buttonFill  = color.NRGBA{R: 0xe2, G: 0xea, B: 0xf6, A: 0xff}
	okGreen     = color.NRGBA{R: 0x1b, G: 0x7f, B: 0x3b, A: 0xff}
	warnAmber   = color.NRGBA{R: 0xa8, G: 0x5a, B: 0x00, A: 0xff}
)

// Color implements fyne.Theme.
func (k *Kiosk) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case fynetheme.ColorNameBackground:
		if k.Elder {
			return white
		}
		return paper
	case fynetheme.ColorNameForeground:
		if k.Elder {
			return black
		}
		return ink
	case fynetheme.ColorNamePrimary, fynetheme.ColorNameFocus:
		if k.Elder {
			return govBlueDeep
		}
		return govBlue
	case fynetheme.ColorNameForegroundOnPrimary:
		return white
	case fynetheme.ColorNameButton, fynetheme.ColorNameInputBackground, fynetheme.ColorNameMenuBackground, fynetheme.ColorNameOverlayBackground:
		if k.Elder {
			return color.NRGBA{R: 0xee, G: 0xee, B: 0xee, A: 0xff}
		}
		return buttonFill
	case fynetheme.ColorNameInputBorder, fynetheme.ColorNameSeparator:
		if k.Elder {
			return black
		}
		return line
	case fynetheme.ColorNamePlaceHolder, fynetheme.ColorNameDisabled:
		if k.Elder {
			return color.NRGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff}
		}
		return muted
	case fynetheme.ColorNameError:
		return govRed
	case fynetheme.ColorNameSuccess:
		return okGreen
	case fynetheme.ColorNameWarning:
		return warnAmber
	case fynetheme.ColorNameHover:
		return color.NRGBA{R: 0x1a, G: 0x56, B: 0xb8, A: 0x22}
	case fynetheme.ColorNamePressed:
		return color.NRGBA{R: 0x1a, G: 0x56, B: 0xb8, A: 0x44}
	case fynetheme.ColorNameShadow:
		return color.NRGBA{A: 0x30}
	case fynetheme.ColorNameHeaderBackground:
		if k.Elder {
			return govBlueDeep
		}
		return govBlue
	}
	return fynetheme.DefaultTheme().Color(n, fynetheme.VariantLight)
}

// Font implements fyne.Theme: the bundled face for every style (it has one
// weight; Fyne emboldens it for bold text).
func (k *Kiosk) Font(fyne.TextStyle) fyne.Resource { return font }

// Icon implements fyne.Theme.
func (k *Kiosk) Icon(n fyne.ThemeIconName) fyne.Resource { return fynetheme.DefaultTheme().Icon(n) }

// Size implements fyne.Theme. Elder sizes are 1.5× or more.
func (k *Kiosk) Size(n fyne.ThemeSizeName) float32 {
	f := float32(1)
	if k.Elder {
		f = 1.5
	}
	switch n {
	case fynetheme.SizeNameText:
		return 28 * f
	case fynetheme.SizeNameHeadingText:
		return 44 * f
	case fynetheme.SizeNameSubHeadingText:
		return 34 * f
	case fynetheme.SizeNameCaptionText:
		return 24 * f
	case SizeNameHero:
		return 64 * f
	case SizeNameTarget:
		return MinTarget * f
	case fynetheme.SizeNamePadding:
		return 8 * f
	case fynetheme.SizeNameInnerPadding:
		return 14 * f
	case fynetheme.SizeNameLineSpacing:
		return 10 * f // ≥ 1.3 line height
	case fynetheme.SizeNameInlineIcon:
		return 32 * f
	case fynetheme.SizeNameScrollBar:
		return 20
	case fynetheme.SizeNameInputBorder:
		return 2 * f
	case fynetheme.SizeNameInputRadius, fynetheme.SizeNameSelectionRadius:
		return 10
	}
	return fynetheme.DefaultTheme().Size(n)
}

// Palette colours the screens use directly.
var (
	Primary = govBlue
	Red     = govRed
	Green   = okGreen
	Amber   = warnAmber
	Muted   = muted
	White   = white
)
