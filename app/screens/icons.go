package screens

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kiotheme "github.com/bianmin/kiosk/app/theme"
	"github.com/bianmin/kiosk/assets/icons"
)

// categoryIcon is the pictogram of a catalogue category (an unknown
// category gets the generic one).
func categoryIcon(id string) fyne.Resource { return icons.Category(id) }

var bundleIcon = icons.Bundle()

// pictoTile is a big tile with a large pictogram at its left: the way
// 长辈模式 (and everyone else) finds a category or a 一件事 without reading
// much. The picture is drawn over the button and takes no taps.
func (u *UI) pictoTile(icon fyne.Resource, text string, tap func()) fyne.CanvasObject {
	b := widget.NewButton(text, tap)
	target := u.th.Size(kiotheme.SizeNameTarget) * 1.6
	side := u.pictoSide()
	img := canvas.NewImageFromResource(icon)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(side, side))
	pic := container.NewHBox(container.NewCenter(img), layout.NewSpacer())
	// Room for the picture beside the centred label.
	pad := fyne.NewSize(side*2, 0)
	return container.New(minHeight{target}, b, container.NewPadded(pic), container.New(minSize{pad}))
}

func (u *UI) pictoSide() float32 { return u.th.Size(kiotheme.SizeNameTarget) * 1.6 * 0.7 }

// pictoExtra is the width a pictogram tile needs beyond its label.
func (u *UI) pictoExtra() float32 { return 2*u.pictoSide() + 2*u.th.Size(fynetheme.SizeNamePadding) }

// minSize asks for at least s and draws nothing.
type minSize struct{ s fyne.Size }

func (m minSize) MinSize([]fyne.CanvasObject) fyne.Size { return m.s }
func (m minSize) Layout([]fyne.CanvasObject, fyne.Size) {}
