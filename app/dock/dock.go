// Package dock is the simulator dock, a second window for developers in
// simulation mode: place or remove a test card, put the printer out of paper
// or open its cover, cut the network, let the platform accept everything,
// scan the last receipt's QR, and see the last receipt rendered as an image.
// It drives the simulators only through the functions in Controls, which
// cmd/kiosk fills in. Never shown on a production terminal.
package dock

import (
	"image"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/i18n"
)

// Card is one test card the dock can place.
type Card struct {
	Label string
	Place func()
}

// Controls are the simulator knobs; a nil function hides its button.
type Controls struct {
	Cards       []Card
	RemoveCard  func()
	PaperOut    func(bool)
	CoverOpen   func(bool)
	Network     func(up bool)
	AcceptAll   func()
	ScanLastQR  func()
	LastReceipt func() image.Image
	Summary     func() string // queue and device states, one or two lines
}

// Dock is the dock window's content.
type Dock struct {
	c       Controls
	tr      *i18n.Bundle
	receipt *canvas.Image
	summary *widget.Label
}

// New builds the dock's content.
func New(c Controls, lang string) *Dock {
	return &Dock{c: c, tr: i18n.MustLoad(lang)}
}

// Content returns the dock's widgets.
func (d *Dock) Content() fyne.CanvasObject {
	t := d.tr.T
	var rows []fyne.CanvasObject
	title := widget.NewLabel(t("dock.title"))
	title.TextStyle.Bold = true
	rows = append(rows, title, widget.NewLabel(t("dock.cards")))
	cards := container.NewGridWithColumns(2)
	for _, c := range d.c.Cards {
		cards.Add(widget.NewButton(c.Label, c.Place))
	}
	rows = append(rows, cards)
	if d.c.RemoveCard != nil {
		rows = append(rows, widget.NewButton(t("dock.remove"), d.c.RemoveCard))
	}
	if d.c.PaperOut != nil {
		rows = append(rows, widget.NewCheck(t("dock.paper_out"), d.c.PaperOut))
	}
	if d.c.CoverOpen != nil {
		rows = append(rows, widget.NewCheck(t("dock.cover_open"), d.c.CoverOpen))
	}
	if d.c.Network != nil {
		rows = append(rows, widget.NewCheck(t("dock.network_down"), func(down bool) { d.c.Network(!down) }))
	}
	if d.c.AcceptAll != nil {
		rows = append(rows, widget.NewButton(t("dock.accept_all"), d.c.AcceptAll))
	}
	if d.c.ScanLastQR != nil {
		rows = append(rows, widget.NewButton(t("dock.scan_qr"), d.c.ScanLastQR))
	}
	d.summary = widget.NewLabel("")
	d.summary.Wrapping = fyne.TextWrapBreak
	rows = append(rows, d.summary)
	d.receipt = canvas.NewImageFromImage(nil)
	d.receipt.FillMode = canvas.ImageFillContain
	d.receipt.SetMinSize(fyne.NewSize(300, 600))
	rows = append(rows, widget.NewLabel(t("dock.last_receipt")), d.receipt)
	d.Refresh()
	return container.NewVScroll(container.NewVBox(rows...))
}

// Refresh updates the summary and the receipt image. Call on the UI goroutine.
func (d *Dock) Refresh() {
	if d.summary != nil && d.c.Summary != nil {
		d.summary.SetText(d.c.Summary())
	}
	if d.receipt != nil && d.c.LastReceipt != nil {
		if img := d.c.LastReceipt(); img != nil && img != d.receipt.Image {
			d.receipt.Image = img
			d.receipt.Refresh()
		}
	}
}

// Show opens the dock in its own window and refreshes it every second.
func (d *Dock) Show(a fyne.App) fyne.Window {
	w := a.NewWindow(d.tr.T("dock.title"))
	w.SetContent(d.Content())
	w.Resize(fyne.NewSize(420, 1000))
	w.Show()
	go func() {
		for range time.Tick(time.Second) {
			fyne.Do(d.Refresh)
		}
	}()
	return w
}
