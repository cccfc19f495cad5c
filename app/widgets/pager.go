package widgets

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Pager shows a list one page at a time with big 上一页/下一页 buttons and a
// "第 N/M 页" label, because the desktop driver has no swipe scrolling and
// elderly residents do not expect to drag lists.
type Pager[T any] struct {
	widget.BaseWidget

	// OnPageChanged is called with the new page (0-based).
	OnPageChanged func(page int)

	items   []T
	perPage int
	render  func(T) fyne.CanvasObject
	page    int

	list  *fyne.Container
	label *widget.Label
	prev  *key
	next  *key
}

// NewPager returns a pager showing perPage items per page, each drawn by
// render.
func NewPager[T any](items []T, perPage int, render func(T) fyne.CanvasObject) *Pager[T] {
	if perPage <= 0 {
		perPage = 5
	}
	p := &Pager[T]{items: items, perPage: perPage, render: render, list: container.NewVBox(), label: widget.NewLabel("")}
	p.label.Alignment = fyne.TextAlignCenter
	p.prev = newKey(LabelPrevPage, fyne.NewSize(160, 80), func() { p.SetPage(p.page - 1) })
	p.next = newKey(LabelNextPage, fyne.NewSize(160, 80), func() { p.SetPage(p.page + 1) })
	p.ExtendBaseWidget(p)
	p.show()
	return p
}

// SetItems replaces the items and goes back to the first page.
func (p *Pager[T]) SetItems(items []T) {
	p.items = items
	p.page = 0
	p.show()
}

// Page returns the current page, 0-based.
func (p *Pager[T]) Page() int { return p.page }

// Pages returns the number of pages (at least 1).
func (p *Pager[T]) Pages() int { return max(1, (len(p.items)+p.perPage-1)/p.perPage) }

// VisibleItems returns the items on the current page.
func (p *Pager[T]) VisibleItems() []T {
	lo := min(p.page*p.perPage, len(p.items))
	return p.items[lo:min(lo+p.perPage, len(p.items))]
}

// Label returns the page label text, e.g. "第 2/5 页".
func (p *Pager[T]) Label() string { return p.label.Text }

// PrevButton and NextButton return the paging buttons.
func (p *Pager[T]) PrevButton() *widget.Button { return &p.prev.Button }

// NextButton: see PrevButton.
func (p *Pager[T]) NextButton() *widget.Button { return &p.next.Button }

// SetPage moves to page n (clamped).
func (p *Pager[T]) SetPage(n int) {
	n = min(max(n, 0), p.Pages()-1)
	if n == p.page {
		return
	}
	p.page = n
	p.show()
	if p.OnPageChanged != nil {
		p.OnPageChanged(n)
	}
}

func (p *Pager[T]) show() {
	p.page = min(p.page, p.Pages()-1)
	var objs []fyne.CanvasObject
	for _, it := range p.VisibleItems() {
		objs = append(objs, p.render(it))
	}
	p.list.Objects = objs
	p.list.Refresh()
	p.label.SetText(fmt.Sprintf("第 %d/%d 页", p.page+1, p.Pages()))
	setEnabled(&p.prev.Button, p.page > 0)
	setEnabled(&p.next.Button, p.page < p.Pages()-1)
}

// CreateRenderer implements fyne.Widget.
func (p *Pager[T]) CreateRenderer() fyne.WidgetRenderer {
	nav := container.NewBorder(nil, nil, p.prev, p.next, p.label)
	return widget.NewSimpleRenderer(container.NewBorder(nil, nav, nil, nil, p.list))
}
