package screens

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	kiotheme "github.com/bianmin/kiosk/app/theme"
	"github.com/bianmin/kiosk/app/widgets"
)

func (u *UI) attract(s session.Snapshot) fyne.CanvasObject {
	title := canvas.NewText(u.T("attract.title"), kiotheme.Primary)
	title.TextSize = u.th.Size(kiotheme.SizeNameHero)
	title.TextStyle.Bold = true
	title.Alignment = fyne.TextAlignCenter
	sub := u.heading(u.T("attract.subtitle"))
	sub.Alignment = fyne.TextAlignCenter
	// A drawn card outline pointing at the reader below the screen: a
	// picture, not a control, so it is drawn as an outline (a filled box
	// looks like a button and does nothing).
	card := canvas.NewRectangle(color.Transparent)
	card.StrokeColor = kiotheme.Primary
	card.StrokeWidth = 6
	card.CornerRadius = 24
	cardText := canvas.NewText(u.T("attract.hint_card"), kiotheme.Primary)
	cardText.TextSize = u.th.Size(fynetheme.SizeNameHeadingText)
	cardText.Alignment = fyne.TextAlignCenter
	cardText2 := canvas.NewText(" ", kiotheme.Primary) // the second line without a reader
	cardText2.TextSize = u.th.Size(fynetheme.SizeNameSubHeadingText)
	cardText2.Alignment = fyne.TextAlignCenter
	u.bindCardHint(s, cardText, cardText2)
	hint := container.NewCenter(container.NewVBox(cardText, cardText2))
	cardBox := container.NewCenter(container.NewGridWrap(fyne.NewSize(560, 260), container.NewStack(card, hint)))
	arrow := canvas.NewText("↓  ↓  ↓", kiotheme.Primary)
	arrow.TextSize = u.th.Size(kiotheme.SizeNameHero)
	arrow.Alignment = fyne.TextAlignCenter

	size := u.win.Canvas().Size()
	tall := float32(1.6)
	if size.Width > size.Height {
		tall = 1.3 // landscape: four tiles beside the card within 1080 px
	}
	tile := func(text string, tap func()) fyne.CanvasObject {
		return container.New(minHeight{u.th.Size(kiotheme.SizeNameTarget) * tall}, widget.NewButton(text, tap))
	}
	actions := container.NewGridWithColumns(1,
		tile(u.T("attract.qr"), u.sess.OpenProgress),
		tile(u.T("attract.progress"), u.sess.OpenProgress),
		tile(u.T("attract.agent"), u.sess.StartManual),
		tile(u.T("attract.help"), u.sess.OpenHelp),
	)
	hours := u.caption(u.T("attract.hours"))
	hours.Alignment = fyne.TextAlignCenter
	var notice fyne.CanvasObject
	if size.Width > size.Height {
		// Landscape terminals: the card on the left, the choices on the right.
		// The subtitle and the notice sit over the card, so that the
		// whole screen fits 1080 px high in 长辈模式 too.
		half := u.textWidth()/2 - 2*u.th.Size(fynetheme.SizeNamePadding)
		u.cur.width = half // the subtitle and the notice break to the column
		u.bindAttractSubtitle(s, sub)
		notice = u.attractNotice(s)
		cardBox = container.NewCenter(container.NewGridWrap(fyne.NewSize(480, 200), container.NewStack(card, hint)))
		left := vbox(sub, notice, cardBox) // no arrow: where the reader sits differs on landscape cabinets
		right := vbox(actions, hours)
		return u.page_(vbox(title, container.NewGridWithColumns(2, left, right)), nil)
	}
	u.bindAttractSubtitle(s, sub) // the card, or without a reader the QR code and staff
	// Without a reader the arrows would point at a slot that reads nothing:
	// hidden then, their room kept so that the buttons below stay put.
	arrowBox := container.New(minHeight{arrow.MinSize().Height}, arrow)
	u.onUpdate(s, func(s session.Snapshot) {
		if s.Degraded.ReaderMissing == arrow.Visible() {
			if s.Degraded.ReaderMissing {
				arrow.Hide()
			} else {
				arrow.Show()
			}
			arrowBox.Refresh()
		}
	})
	return u.page_(vbox(title, sub, u.attractNotice(s), cardBox, arrowBox, actions, hours), nil)
}

// manualID: an assisting agent types the applicant's identity. What is
// typed lives in this screen only and is wiped when it goes away.
func (u *UI) manualID(s session.Snapshot) fyne.CanvasObject {
	d := &manualDraft{}
	u.onWipe(d.wipe)
	u.cur.dirty = func() bool { return d.agent != "" || d.pin != "" || d.name != "" || d.id != "" }
	errText := u.para("")
	errText.Importance = widget.DangerImportance
	setLines(errText, "", 1)
	fields := []struct {
		key  string
		kind kiosk.FieldKind
		val  *string
	}{{"manual.agent", kiosk.FieldNumber, &d.agent}, {"manual.name", kiosk.FieldText, &d.name}, {"manual.id_number", kiosk.FieldIDNumber, &d.id}}
	editing := ""
	var rows []fyne.CanvasObject
	var boxes []*region
	for _, f := range fields {
		f := f
		key := "manual:" + f.key
		var value *widget.Button
		value = u.valueButton(*f.val, u.T("form.hint_"+string(f.kind)), func() {
			editing = key
			for _, b := range boxes {
				b.refresh()
			}
			u.sess.Touch()
		})
		kb := u.region(s, func(session.Snapshot) string { return "" }, func(session.Snapshot) []fyne.CanvasObject {
			if editing != key {
				return nil
			}
			return []fyne.CanvasObject{u.opt.Keyboard.Editor(f.kind, *f.val, 0, func(v string) {
				*f.val = v
				u.setValue(value, v, u.T("form.hint_"+string(f.kind)))
				setLines(errText, "", 1)
				u.sess.Touch()
			}, func() {
				editing = ""
				for _, b := range boxes {
					b.refresh()
				}
				u.sess.Touch()
			})}
		})
		boxes = append(boxes, kb)
		l := widget.NewLabel(u.T(f.key))
		l.TextStyle.Bold = true
		rows = append(rows, l, value, kb.box)
	}
	// The agent's PIN under the staff number (admin_staff.go).
	pinRows, pinBox := u.staffPINRows(s, &d.pin, &editing, func() {
		for _, b := range boxes {
			b.refresh()
		}
	}, errText)
	boxes = append(boxes, pinBox)
	rows = append(append(append([]fyne.CanvasObject{}, rows[:3]...), pinRows...), rows[3:]...)
	rows = append([]fyne.CanvasObject{u.heading(u.T("manual.title"))}, rows...)
	rows = append(rows, errText)
	submit := u.primary(u.T("manual.submit"), func() {
		if err := u.sess.SubmitManual(d.agent, d.pin, d.name, strings.ToUpper(d.id)); err != nil {
			setLines(errText, u.fit(u.errorText(err), fynetheme.SizeNameText, false), 1)
			u.sess.Touch()
		}
	})
	return u.page_(vbox(rows...), u.bottom(true, submit))
}

type manualDraft struct{ agent, pin, name, id string }

func (d *manualDraft) wipe() { *d = manualDraft{} }

// valueButton shows a field's value, or when empty a hint saying what to
// enter; tapping it opens the field's keyboard.
func (u *UI) valueButton(value, hint string, tap func()) *widget.Button {
	b := widget.NewButton("", tap)
	b.Alignment = widget.ButtonAlignLeading
	u.setValue(b, value, hint)
	return b
}

func (u *UI) setValue(b *widget.Button, value, hint string) {
	text := value
	if text == "" {
		text = hint
	}
	if b.Text != text {
		b.SetText(text)
	}
}

func (u *UI) confirmID(s session.Snapshot) fyne.CanvasObject {
	id := s.Identity
	name := u.heading(u.T("confirm_id.name", id.DisplayName()))
	// The rare characters themselves are shown as the card gives them;
	// their code points mean nothing to a resident and are not shown.
	return u.page_(vbox(
		u.heading(u.T("confirm_id.title")), u.para(u.T("confirm_id.body")), name,
		u.para(u.T("confirm_id.id_number", kiosk.MaskID(id.IDNumber))),
		u.para(u.T("confirm_id.rare_count", len(id.RareChars))),
		widget.NewButton(u.T("app.help"), u.sess.OpenHelp),
	), u.bottom(false, u.primary(u.T("confirm_id.ok"), u.sess.ConfirmIdentity)))
}

func (u *UI) home(s session.Snapshot) fyne.CanvasObject {
	name := ""
	if s.Identity != nil {
		name = kiosk.MaskName(s.Identity.DisplayName())
	}
	cat := u.sess.Catalog()
	search := u.primary(u.T("home.search"), u.sess.OpenSearch)

	var names []string
	for _, it := range u.sess.Frequent() {
		names = append(names, u.C(it.Name))
	}
	freq := container.NewGridWithColumns(u.columnsFor(names, 2))
	for _, it := range u.sess.Frequent() {
		code := it.Code
		freq.Add(u.tile(u.C(it.Name), func() { _ = u.sess.ChooseItem(code) }))
	}
	var catNames []string
	for _, c := range cat.Categories {
		catNames = append(catNames, u.C(c.Name))
	}
	cats := container.NewGridWithColumns(u.columnsForExtra(catNames, 3, u.pictoExtra()))
	for _, c := range cat.Categories {
		id := c.ID
		if len(kioskItems(cat, id)) == 0 {
			continue
		}
		cats.Add(u.pictoTile(categoryIcon(id), u.C(c.Name), func() { u.sess.ChooseCategory(id) }))
	}
	bundles := container.NewGridWithColumns(1)
	for _, b := range cat.Bundles {
		code := b.Code
		bundles.Add(u.pictoTile(bundleIcon, u.C(b.Name), func() { _ = u.sess.ChooseBundle(code) }))
	}
	more := container.NewGridWithColumns(2,
		widget.NewButton(u.T("home.progress"), u.sess.OpenProgress),
		widget.NewButton(u.T("app.help"), u.sess.OpenHelp))
	objs := []fyne.CanvasObject{u.heading(u.T("home.greeting", name)), search}
	if s.Agent != "" {
		objs = append(objs, u.caption(u.T("review.agent")+"："+s.Agent))
	}
	// 长辈模式 reaches every service too: the same sections, bigger.
	objs = append(objs, u.section(u.T("home.frequent")), freq,
		u.section(u.T("home.categories")), cats, u.section(u.T("home.bundles")), bundles, more)
	return u.page_(vbox(objs...), nil)
}

func kioskItems(c *kiosk.Catalog, cat string) []*kiosk.ServiceItem {
	var out []*kiosk.ServiceItem
	for _, it := range c.InCategory(cat) {
		if it.Kiosk {
			out = append(out, it)
		}
	}
	return out
}

func (u *UI) section(text string) fyne.CanvasObject {
	l := widget.NewLabel(text)
	l.SizeName = fynetheme.SizeNameSubHeadingText
	l.TextStyle.Bold = true
	l.Importance = widget.HighImportance
	return container.NewVBox(widget.NewSeparator(), l)
}

// itemList is a paged list of item tiles; its page is the screen's own.
func (u *UI) itemList(s session.Snapshot, keyOf func(session.Snapshot) string, items func(session.Snapshot) []*kiosk.ServiceItem) *region {
	page := 0
	var r *region
	last := "\x00"
	r = u.region(s, func(s session.Snapshot) string {
		if k := keyOf(s); k != last {
			last, page = k, 0
		}
		return last
	}, func(s session.Snapshot) []fyne.CanvasObject {
		shown, pager := pageOf(u, items(s), u.perPage(8), &page, func() { r.refresh() })
		list := container.NewGridWithColumns(1)
		for _, it := range shown {
			code := it.Code
			list.Add(u.tile(u.C(it.Name), func() { _ = u.sess.ChooseItem(code) }))
		}
		return []fyne.CanvasObject{list, pager}
	})
	return r
}

func itemCodes(items []*kiosk.ServiceItem) string {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(it.Code)
		b.WriteByte(',')
	}
	return b.String()
}

func (u *UI) category(s session.Snapshot) fyne.CanvasObject {
	title := ""
	if s.Category != nil {
		title = u.C(s.Category.Name)
	}
	body := []fyne.CanvasObject{u.heading(u.T("category.title", title))}
	if len(s.Items) == 0 {
		body = append(body, u.para(u.T("category.empty")))
	}
	list := u.itemList(s, func(s session.Snapshot) string { return itemCodes(s.Items) }, func(s session.Snapshot) []*kiosk.ServiceItem { return s.Items })
	body = append(body, list.box)
	return u.page_(vbox(body...), u.bottom(true, nil))
}

// pinyinKeyboardIn returns an editor's pinyin keyboard: the editor itself,
// or its tab beside handwriting; nil for another keyboard.
func pinyinKeyboardIn(o fyne.CanvasObject) *widgets.PinyinKeyboard {
	switch v := o.(type) {
	case *widgets.PinyinKeyboard:
		return v
	case *container.AppTabs:
		for _, it := range v.Items {
			if p, ok := it.Content.(*widgets.PinyinKeyboard); ok {
				return p
			}
		}
	}
	return nil
}

// search: the keyboard is built once; typing updates the query box and the
// results in place. 确定 closes the keyboard to show the whole list; tapping
// the box opens it again. In landscape the results sit beside the keyboard.
func (u *UI) search(s session.Snapshot) fyne.CanvasObject {
	hint := u.T("search.placeholder")
	var box *widget.Button
	kbOpen := true
	var kbRegion *region
	box = u.valueButton(s.Query, hint, func() { kbOpen = true; kbRegion.refresh(); u.sess.Touch() })
	box.Importance = widget.HighImportance
	run := func(q string) {
		var codes []string
		if u.opt.Search != nil && strings.TrimSpace(q) != "" {
			codes = u.opt.Search.Search(u.tr.Lang(), q, 50)
		}
		u.sess.SetSearchResults(q, codes)
	}
	kb := u.opt.Keyboard.Editor(kiosk.FieldText, s.Query, 20, run, func() { kbOpen = false; kbRegion.refresh(); u.sess.Touch() })
	if p := pinyinKeyboardIn(kb); p != nil && !strings.HasPrefix(u.tr.Lang(), "zh") {
		p.Letters = true // the English screen searches English words: letters, not pinyin
	}
	kbRegion = u.region(s, func(session.Snapshot) string { return "" }, func(session.Snapshot) []fyne.CanvasObject {
		if !kbOpen {
			return nil
		}
		return []fyne.CanvasObject{kb}
	})
	u.onUpdate(s, func(s session.Snapshot) { u.setValue(box, s.Query, hint) })
	landscape := false
	if size := u.win.Canvas().Size(); size.Width > size.Height {
		landscape = true
		// The results pane beside the keyboard: paragraphs break to its width.
		u.cur.width = u.textWidth() - kb.MinSize().Width - 2*u.th.Size(fynetheme.SizeNamePadding)
	}
	none := u.para("")
	u.onUpdate(s, func(s session.Snapshot) {
		text := ""
		if strings.TrimSpace(s.Query) != "" && len(s.Items) == 0 {
			text = u.fit(u.T("search.no_result"), fynetheme.SizeNameText, false)
		}
		setLines(none, text, 2)
	})
	list := u.itemList(s, func(s session.Snapshot) string { return s.Query + "|" + itemCodes(s.Items) }, func(s session.Snapshot) []*kiosk.ServiceItem { return s.Items })
	head := []fyne.CanvasObject{u.caption(u.T("search.hint")), box}
	if landscape {
		// Landscape: the keyboard at its own width on the left, the hint
		// and the results beside it.
		left := vbox(box, kbRegion.box)
		right := u.page_(vbox(u.caption(u.T("search.hint")), none, list.box), nil)
		return container.NewBorder(nil, u.bottom(true, nil), left, nil, right)
	}
	return u.page_(vbox(append(head, kbRegion.box, none, list.box)...), u.bottom(true, nil))
}

func (u *UI) guide(s session.Snapshot) fyne.CanvasObject {
	var body []fyne.CanvasObject
	var spoken []string
	items := s.BundleItems
	if s.Bundle != nil {
		body = append(body, u.heading(u.C(s.Bundle.Name)), u.para(u.C(s.Bundle.Description)), u.para(u.T("guide.bundle_items")))
		spoken = append(spoken, u.C(s.Bundle.Name), u.C(s.Bundle.Description))
	} else if s.Item != nil {
		items = []*kiosk.ServiceItem{s.Item}
	}
	for _, it := range items {
		kv := func(k, v string) {
			if v == "" {
				return
			}
			v = u.C(v)
			l := u.para(u.T(k) + u.punct("：") + v)
			body = append(body, l)
			spoken = append(spoken, u.T(k)+u.punct("，")+v)
		}
		body = append(body, u.section(u.C(it.Name)))
		spoken = append(spoken, u.C(it.Name))
		kv("guide.type", string(it.Type))
		kv("guide.agency", it.Agency)
		if it.PromisedLimitDays == 0 {
			kv("guide.promised_limit", u.T("guide.immediate"))
		} else {
			kv("guide.promised_limit", u.days(it.PromisedLimitDays))
		}
		kv("guide.legal_limit", u.days(it.LegalLimitDays))
		fee := u.T("guide.free")
		if it.Fee.Charged {
			fee = it.Fee.Standard
		}
		kv("guide.fee", fee)
		kv("guide.visits", u.T("guide.visits_n", it.Visits))
		if len(it.Conditions) > 0 {
			kv("guide.conditions", u.joinC(it.Conditions, "；"))
		}
		var mats []string
		for _, m := range it.Materials {
			flags := []string{u.T("guide.optional")}
			if m.Required {
				flags[0] = u.T("guide.required")
			}
			if m.FromCard {
				flags = append(flags, u.T("guide.from_card"))
			}
			if m.Deferrable {
				flags = append(flags, u.T("guide.deferrable"))
			}
			if m.Committable {
				flags = append(flags, u.T("guide.committable"))
			}
			if m.ELicence != "" {
				flags = append(flags, u.T("guide.elicence"))
			}
			mats = append(mats, "• "+u.C(m.Name)+u.punct("（")+strings.Join(flags, u.punct("，"))+u.punct("）"))
		}
		body = append(body, u.para(u.T("guide.materials")+strings.TrimSpace(u.punct("："))+"\n"+strings.Join(mats, "\n")))
		spoken = append(spoken, u.T("guide.materials")+u.punct("，")+strings.Join(mats, u.punct("，")))
		kv("guide.basis", it.LegalBasis)
	}
	if u.opt.Voice != nil { // no audio player: no button that would stay silent
		read := widget.NewButton(u.T("guide.read_aloud"), func() { u.sess.Say(strings.Join(spoken, "。")); u.sess.Touch() })
		body = append([]fyne.CanvasObject{read}, body...)
	}
	// 开始办理 may raise a question first (printer out, disk low:
	// Snapshot.Ask), shown over the guide.
	u.onUpdate(s, u.updateAsk)
	return u.page_(vbox(body...), u.bottom(true, u.primary(u.T("guide.start"), u.sess.StartForm)))
}

// days says "N working days" with the right plural.
func (u *UI) days(n int) string {
	if n == 1 && u.tr.Has("guide.day") {
		return u.T("guide.day", n)
	}
	return u.T("guide.days", n)
}

// errLine is a field's inline error line: always there, as high as the
// longest error message, so an error appearing moves nothing.
func (u *UI) errLine() *widget.Label {
	l := u.para("")
	l.Importance = widget.DangerImportance
	setLines(l, "", u.errLines())
	return l
}

// errLines is how many lines the longest field error takes on this screen
// (worked out once per language, text size and width: errlines.go).
func (u *UI) errLines() int {
	key := errLinesKey{lang: u.tr.Lang(), size: u.th.Size(fynetheme.SizeNameText), width: u.textWidth()}
	return memoErrLines(key, func() int {
		n := 1
		for _, k := range u.tr.Keys() {
			if strings.HasPrefix(k, "field_error.") {
				n = max(n, strings.Count(u.fit("× "+u.T(k), fynetheme.SizeNameText, false), "\n")+1)
			}
		}
		return n
	})
}

func (u *UI) setErr(l *widget.Label, err error) {
	text := ""
	if err != nil {
		text = u.fit("× "+u.errorText(err), fynetheme.SizeNameText, false)
	}
	setLines(l, text, u.errLines())
}

// hint says what to enter in an empty field.
func (u *UI) hint(f kiosk.FieldSpec) string {
	if f.Hint != "" {
		return u.C(f.Hint)
	}
	return u.T("form.hint_" + string(f.Kind))
}

// form: every row is built once; typing updates the value and its error
// line in place and leaves the keyboard (and its pinyin composition,
// candidates, handwriting tab) alone.
func (u *UI) form(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading(u.T("form.title"))}
	if s.Identity != nil {
		body = append(body, u.caption(u.T("form.prefilled")))
	}
	banner := u.para("")
	banner.Importance = widget.DangerImportance
	u.onUpdate(s, func(s session.Snapshot) {
		text := ""
		if len(s.FieldErrors) > 0 {
			text = u.fit(u.T("form.fix_errors"), fynetheme.SizeNameText, false)
		}
		setLines(banner, text, 1)
	})
	body = append(body, banner)
	editing := ""
	var kbs []*region
	var rows *fyne.Container // the form's column, for bringing a field into view
	reopen := func() {
		for _, r := range kbs {
			r.refresh()
		}
	}
	for _, f := range s.Fields {
		f := f
		label := u.C(f.Label)
		if f.Required {
			label += " *"
		}
		l := widget.NewLabel(label)
		l.TextStyle.Bold = true
		errL := u.errLine()
		if f.Kind == kiosk.FieldChoice {
			choices := u.region(s, func(s session.Snapshot) string { return s.Form[f.Key] }, func(s session.Snapshot) []fyne.CanvasObject {
				return []fyne.CanvasObject{u.choiceGrid(f, s.Form[f.Key])}
			})
			u.onUpdate(s, func(s session.Snapshot) { u.setErr(errL, s.FieldErrors[f.Key]) })
			body = append(body, container.NewVBox(l, choices.box, errL))
			continue
		}
		var value *widget.Button
		var row *fyne.Container
		var kb *region
		value = u.valueButton(s.Form[f.Key], u.hint(f), func() {
			editing = f.Key
			reopen()
			u.showEditor(rows, row, kb.box)
			u.sess.Touch()
		})
		u.onUpdate(s, func(s session.Snapshot) {
			u.setValue(value, s.Form[f.Key], u.hint(f))
			imp := widget.MediumImportance
			if editing == f.Key {
				imp = widget.HighImportance
			}
			if value.Importance != imp {
				value.Importance = imp
				value.Refresh()
			}
			u.setErr(errL, s.FieldErrors[f.Key])
		})
		kb = u.region(s, func(session.Snapshot) string { return "" }, func(s session.Snapshot) []fyne.CanvasObject {
			if editing != f.Key {
				return nil
			}
			return []fyne.CanvasObject{u.keyboard().Editor(f.Kind, s.Form[f.Key], f.MaxLen,
				func(v string) { u.sess.SetField(f.Key, v) }, func() { editing = ""; reopen(); u.sess.Touch() })}
		})
		kbs = append(kbs, kb)
		row = container.NewVBox(l, value, errL)
		body = append(body, row, kb.box)
	}
	next := u.primary(u.T("form.submit"), func() {
		editing = ""
		reopen()
		if !u.sess.SubmitForm() {
			u.scrollToFirstError()
		}
	})
	rows = vbox(body...)
	return u.page_(rows, u.bottom(true, next))
}

// showEditor scrolls the form as little as needed to show the field being
// edited together with its keyboard, the field's own line at the top when
// both do not fit (a keyboard fills most of a landscape 长辈模式 display):
// the resident sees what the keys type.
func (u *UI) showEditor(rows, row, kb fyne.CanvasObject) {
	c, ok := rows.(*fyne.Container)
	if u.cur == nil || u.cur.scroll == nil || !ok || row == nil || kb == nil {
		return
	}
	c.Refresh() // lay the rows out now at their new heights (the keyboard opened, another closed)
	pad := u.th.Size(fynetheme.SizeNamePadding)
	u.cur.scroll.ScrollToShow(pad+row.Position().Y, pad+kb.Position().Y+kb.MinSize().Height)
}

// scrollToFirstError brings the top of the form (the error banner) into
// view after a refused 下一步, so the errors are above the fold.
func (u *UI) scrollToFirstError() {
	if u.cur != nil && u.cur.scroll != nil {
		u.cur.scroll.Scroll().ScrollToTop()
	}
}

func (u *UI) choiceGrid(f kiosk.FieldSpec, value string) fyne.CanvasObject {
	shown := []string{"√ "}
	for _, c := range f.Choices {
		shown = append(shown, u.C(c))
	}
	grid := container.NewGridWithColumns(u.columnsFor(shown, min(3, max(1, len(f.Choices)))))
	for _, c := range f.Choices {
		c := c
		text := u.C(c)
		if c == value {
			text = "√ " + text
		}
		b := widget.NewButton(text, func() { u.sess.SetField(f.Key, c) })
		if c == value {
			b.Importance = widget.HighImportance
		}
		grid.Add(b)
	}
	return grid
}

// needsPerson reports a material no scan can give: a face check needs a
// camera this terminal does not have, so staff or a window must do it.
func needsPerson(m kiosk.MaterialSpec) bool { return session.NeedsPerson(m) }

func materialsKey(s session.Snapshot) string {
	var b strings.Builder
	for _, m := range s.Materials {
		fmt.Fprintf(&b, "%s:%d:%s|", m.Mode, len(m.Thumbs), m.Due.String())
	}
	fmt.Fprintf(&b, "%v", s.Busy)
	return b.String()
}

func (u *UI) materials(s session.Snapshot) fyne.CanvasObject {
	head := []fyne.CanvasObject{u.heading(u.T("materials.title")), u.caption(u.T("materials.place_on_scanner")), u.notice(s)}
	list := u.region(s, materialsKey, func(s session.Snapshot) []fyne.CanvasObject {
		var body []fyne.CanvasObject
		for i, m := range s.Materials {
			body = append(body, u.materialRow(i, m)...)
		}
		if s.Busy {
			body = append(body, widget.NewProgressBarInfinite())
		}
		return body
	})
	next := u.primary(u.T("materials.review"), func() { _ = u.sess.Review() })
	return u.page_(vbox(append(head, list.box)...), u.bottom(true, next))
}

func (u *UI) materialRow(i int, m session.MaterialChoice) []fyne.CanvasObject {
	name := u.C(m.Spec.Name)
	if !m.Spec.Required {
		name += u.T("materials.optional")
	}
	var state string
	switch m.Mode {
	case kiosk.MaterialFromCard:
		state = "√ " + u.T("materials.from_card")
	case kiosk.MaterialScanned:
		state = "√ " + u.T("materials.scanned", len(m.Thumbs))
	case kiosk.MaterialCommitted:
		state = "√ " + u.T("materials.committed")
	case kiosk.MaterialDeferred:
		state = "√ " + u.T("materials.deferred", m.Due.String())
	case kiosk.MaterialELicence:
		state = "√ " + u.T("materials.exempt")
	default:
		state = u.T("materials.undecided")
		if needsPerson(m.Spec) {
			state = u.T("materials.needs_staff")
		}
	}
	st := u.para(state)
	if m.Mode != "" {
		st.Importance = widget.SuccessImportance
	} else if m.Spec.Required {
		st.Importance = widget.WarningImportance
	}
	title := u.label(name, fynetheme.SizeNameText, true)
	row := []fyne.CanvasObject{widget.NewSeparator(), title, st}
	if len(m.Thumbs) > 0 {
		thumbs := container.NewHBox()
		for _, t := range m.Thumbs {
			if img, err := png.Decode(bytes.NewReader(t)); err == nil {
				ci := canvas.NewImageFromImage(img)
				ci.FillMode = canvas.ImageFillContain
				ci.SetMinSize(fyne.NewSize(120, 170))
				thumbs.Add(ci)
			}
		}
		row = append(row, thumbs)
	}
	if m.Mode == kiosk.MaterialFromCard {
		return row
	}
	if needsPerson(m.Spec) {
		// Never a flatbed scan for a face check.
		return append(row, widget.NewButton(u.T("app.help"), u.sess.OpenHelp))
	}
	btns := container.NewGridWithColumns(u.columnsFor([]string{u.T("materials.rescan"), u.T("materials.commit"), u.T("materials.defer"), u.T("materials.elicence")}, 3))
	scan := u.T("materials.scan")
	if m.Mode == kiosk.MaterialScanned {
		scan = u.T("materials.rescan")
	}
	btns.Add(widget.NewButton(scan, func() { _ = u.sess.ScanMaterial(i) }))
	if m.Spec.Committable {
		btns.Add(widget.NewButton(u.T("materials.commit"), func() { _ = u.sess.SetMaterialMode(i, kiosk.MaterialCommitted) }))
	}
	if m.Spec.Deferrable {
		btns.Add(widget.NewButton(u.T("materials.defer"), func() { _ = u.sess.SetMaterialMode(i, kiosk.MaterialDeferred) }))
	}
	if m.Spec.ELicence != "" {
		btns.Add(widget.NewButton(u.T("materials.elicence"), func() { _ = u.sess.SetMaterialMode(i, kiosk.MaterialELicence) }))
	}
	return append(row, btns)
}

func (u *UI) review(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading(u.T("review.title"))}
	if s.SubmitErr != nil {
		e := u.para(u.T("review.failed") + "（" + u.errorText(s.SubmitErr) + "）")
		e.Importance = widget.DangerImportance
		body = append(body, e)
	}
	names := []string{}
	if s.Bundle != nil {
		names = append(names, u.C(s.Bundle.Name))
	}
	for _, it := range s.BundleItems {
		names = append(names, u.C(it.Name))
	}
	if s.Item != nil {
		names = append(names, u.C(s.Item.Name))
	}
	body = append(body, u.para(u.T("review.item")+u.punct("：")+strings.Join(names, u.punct("、"))))
	if s.Identity != nil {
		body = append(body, u.para(u.T("review.applicant")+"："+kiosk.MaskName(s.Identity.DisplayName())+"  "+kiosk.MaskID(s.Identity.IDNumber)))
	}
	if s.Agent != "" {
		body = append(body, u.para(u.T("review.agent")+"："+s.Agent))
	}
	// What the resident typed is shown as typed, so they can check it
	// (masking is for the printed receipt and the logs); what came from the
	// card is masked, as on every other screen.
	for _, f := range s.Fields {
		v := s.Form[f.Key]
		if f.Prefill != "" && s.Identity != nil {
			switch {
			case f.Kind == kiosk.FieldIDNumber:
				v = kiosk.MaskID(v)
			case f.Prefill == "name":
				v = kiosk.MaskName(v)
			}
		}
		if f.Kind == kiosk.FieldChoice {
			v = u.C(v)
		}
		body = append(body, u.para(u.C(f.Label)+u.punct("：")+v))
	}
	body = append(body, u.section(u.T("review.materials")))
	for _, m := range s.Materials {
		if m.Mode == "" {
			continue
		}
		body = append(body, u.para("√ "+u.C(m.Spec.Name)))
	}
	return u.page_(vbox(body...), u.bottom(true, u.primary(u.T("review.submit"), u.sess.Submit)))
}

func (u *UI) submitting(s session.Snapshot) fyne.CanvasObject {
	return container.NewCenter(vbox(u.heading(u.T("submitting.title")), widget.NewProgressBarInfinite()))
}

func qrImage(payload string, size int) fyne.CanvasObject {
	q, err := qrcode.New(payload, qrcode.Medium)
	if err != nil {
		return widget.NewLabel(payload)
	}
	img := canvas.NewImageFromImage(q.Image(size))
	img.FillMode = canvas.ImageFillContain
	img.ScaleMode = canvas.ImageScalePixels
	img.SetMinSize(fyne.NewSize(float32(size), float32(size)))
	return img
}

// printerReady reports whether the status says the receipt printer can
// print (true when the UI has no status).
func (u *UI) printerReady() bool {
	if u.opt.Status == nil {
		return true
	}
	st := u.opt.Status().Printer
	return st == "" || st == "ready" || st == "paper_low"
}

func (u *UI) doneKey(s session.Snapshot) string {
	return fmt.Sprintf("%d|%v|%v|%v|%v|%v|%v", len(s.Receipts), s.PrintErr, s.FormErr, s.FormsPrinted, s.Busy, u.printerCanPrint(s), s.ReprintErr)
}

func (u *UI) done(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading("√ " + u.T("done.title"))}
	for _, r := range s.Receipts {
		body = append(body, u.section(u.C(r.ItemName)), u.para(u.T("done.acceptance_no", r.AcceptanceNo)))
		if r.PromisedDays > 0 {
			key := "done.promised"
			if r.PromisedDays == 1 {
				key = "done.promised_one"
			}
			body = append(body, u.para(u.T(key, r.PromisedDays)))
		}
		for _, d := range r.Deferred {
			body = append(body, u.para(u.C(d.Name)+u.punct("：")+u.T("materials.deferred", d.Due.String())))
		}
	}
	if s.Receipt != nil && s.Receipt.QRPayload != "" {
		side := 320
		if size := u.win.Canvas().Size(); size.Height > 0 && size.Height < size.Width {
			side = 240 // landscape: the QR and the actions fit above the fold
		}
		body = append(body, container.NewCenter(qrImage(s.Receipt.QRPayload, side)))
	}
	reprints := 0
	state := u.region(s, u.doneKey, func(s session.Snapshot) []fyne.CanvasObject {
		var out []fyne.CanvasObject
		if s.PrintErr != nil {
			e := u.para(u.T("done.print_failed", u.errorText(s.PrintErr)))
			e.Importance = widget.DangerImportance
			onScreen := u.para(u.T("done.receipt_on_screen")) // the QR above is the receipt
			onScreen.Importance = widget.HighImportance
			out = append(out, e, onScreen)
			if reprints > 0 && !s.Busy {
				again := u.para(u.T("done.reprint_failed_again"))
				again.Importance = widget.DangerImportance
				out = append(out, again)
			}
			var reprint *widget.Button
			reprint = u.primary(u.T("done.reprint"), func() {
				reprint.Disable() // at once: a second tap before the session says busy prints nothing
				reprints++
				u.sess.Reprint()
			})
			// The session refuses a reprint while one prints or while the
			// printer cannot print (Snapshot.ReprintErr); the button says
			// so before the tap.
			switch {
			case s.Busy:
				reprint.Disable() // one copy at a time
			case !u.printerCanPrint(s):
				// Out of paper, cover open…: a reprint now would fail or
				// queue a copy that comes out later; wait for staff.
				reprint.Disable()
				out = append(out, u.para(u.T("done.reprint_wait")))
			case s.ReprintErr != nil:
				out = append(out, u.para(u.reprintRefusal(s)))
			}
			out = append(out, reprint)
		} else {
			out = append(out, u.para(u.T("done.take_receipt")))
		}
		if u.sess.CanPrintForms() {
			switch {
			case s.FormErr != nil:
				e := u.para(u.T("done.form_failed", u.errorText(s.FormErr)))
				e.Importance = widget.DangerImportance
				out = append(out, e, widget.NewButton(u.T("done.print_form"), u.sess.PrintForms))
			case s.FormsPrinted:
				ok := u.para("√ " + u.T("done.form_printed"))
				ok.Importance = widget.SuccessImportance
				out = append(out, ok)
			default:
				out = append(out, widget.NewButton(u.T("done.print_form"), u.sess.PrintForms))
			}
		}
		out = append(out, u.caption(u.T("done.sync_note")))
		if s.Busy {
			out = append(out, u.para(u.T("app.busy")), widget.NewProgressBarInfinite())
		}
		return out
	})
	body = append(body, state.box)
	actions := container.NewGridWithColumns(2, widget.NewButton(u.T("done.finish"), u.sess.End), u.primary(u.T("done.rate"), u.sess.OpenRating))
	return u.page_(vbox(body...), container.NewPadded(actions))
}

type ratingDraft struct {
	level kiosk.RatingLevel
	tags  map[string]bool
}

// rate: the resident's choice lives in this screen only and is wiped when
// it goes away.
func (u *UI) rate(s session.Snapshot) fyne.CanvasObject {
	d := &ratingDraft{tags: map[string]bool{}}
	u.onWipe(func() { d.level = 0; clear(d.tags) })
	var submit *widget.Button
	var r *region
	changed := func() { r.refresh(); setEnabled(submit, d.level.Valid()); u.sess.Touch() }
	r = u.region(s, func(session.Snapshot) string { return "" }, func(session.Snapshot) []fyne.CanvasObject {
		levels := container.NewGridWithColumns(1)
		for _, l := range kiosk.RatingLevels {
			l := l
			text := strings.Repeat("★", int(l)) + strings.Repeat("☆", 5-int(l)) + "  " + l.Label()
			if d.level == l {
				text = "√ " + text
			}
			b := widget.NewButton(text, func() { d.level = l; changed() })
			b.Alignment = widget.ButtonAlignLeading
			if d.level == l {
				b.Importance = widget.HighImportance
			}
			levels.Add(container.New(minHeight{u.th.Size(kiotheme.SizeNameTarget) * 1.3}, b))
		}
		out := []fyne.CanvasObject{levels}
		if d.level.NeedsFollowUp() {
			out = append(out, u.para(u.T("rate.reasons")))
			grid := container.NewGridWithColumns(u.columnsFor(kiosk.LowRatingReasons, 2))
			for _, reason := range kiosk.LowRatingReasons {
				reason := reason
				text := reason
				if d.tags[reason] {
					text = "√ " + reason
				}
				b := widget.NewButton(text, func() { d.tags[reason] = !d.tags[reason]; changed() })
				if d.tags[reason] {
					b.Importance = widget.HighImportance
				}
				grid.Add(b)
			}
			out = append(out, grid)
		}
		return out
	})
	body := []fyne.CanvasObject{u.heading(u.T("rate.title")), u.caption(u.T("rate.subtitle")), r.box}
	submit = u.primary(u.T("rate.submit"), func() {
		var tags []string
		for t, on := range d.tags {
			if on {
				tags = append(tags, t)
			}
		}
		sort.Strings(tags)
		if d.level.Valid() {
			_ = u.sess.Rate(d.level, tags)
		}
	})
	setEnabled(submit, d.level.Valid())
	skip := widget.NewButton(u.T("rate.skip"), u.sess.End)
	return u.page_(vbox(body...), container.NewPadded(container.NewGridWithColumns(2, skip, submit)))
}

func setEnabled(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

func (u *UI) end(s session.Snapshot) fyne.CanvasObject {
	t := u.heading(u.T("end.title"))
	t.Alignment = fyne.TextAlignCenter
	take := "end.take_card"
	if s.Degraded.PrinterOut {
		take = "end.take_card_only" // no receipt came out: it was on screen
	}
	c := canvas.NewText(u.T(take), kiotheme.Red)
	c.TextSize = u.th.Size(fynetheme.SizeNameHeadingText)
	c.TextStyle.Bold = true
	c.Alignment = fyne.TextAlignCenter
	w := u.caption(u.T("end.wiped"))
	w.Alignment = fyne.TextAlignCenter
	return container.NewCenter(vbox(t, c, w, u.notice(s)))
}

func progressKey(s session.Snapshot) string {
	return fmt.Sprintf("%v|%v|%v|%d", s.Busy, s.ProgressErr, s.Progress == nil, len(s.Progress))
}

func (u *UI) progress(s session.Snapshot) fyne.CanvasObject {
	head := []fyne.CanvasObject{u.heading(u.T("progress.title")), u.para(progressHint(u.tr, s.Degraded)), u.notice(s)}
	page := 0
	var r *region
	r = u.region(s, func(s session.Snapshot) string { return progressKey(s) }, func(s session.Snapshot) []fyne.CanvasObject {
		var body []fyne.CanvasObject
		if s.Busy {
			body = append(body, widget.NewProgressBarInfinite())
		}
		if s.ProgressErr != nil {
			e := u.para(u.errorText(s.ProgressErr))
			e.Importance = widget.DangerImportance
			body = append(body, e)
		}
		if !s.Busy && s.Progress != nil && len(s.Progress) == 0 {
			body = append(body, u.para(u.T("progress.none")))
		}
		online := u.opt.Status == nil || u.opt.Status().Online
		shown, pager := pageOf(u, s.Progress, u.perPage(5), &page, func() { r.refresh() })
		for _, p := range shown {
			where := u.T("progress.local")
			if p.Synced {
				where = u.T("progress.synced")
			}
			label := p.State.Label()
			if !p.Synced && !online && (p.State == kiosk.StateUploading || p.State == kiosk.StateQueued) {
				label = u.T("progress.waiting_network") // offline: nothing is uploading
			}
			st := u.para(label + " · " + where)
			st.Importance = widget.HighImportance
			body = append(body, widget.NewSeparator(), u.para(u.C(p.ItemName)), st,
				u.caption(u.T("done.acceptance_no", p.AcceptanceNo)+"  "+u.T("progress.created", p.Created.In(ChinaTime).Format("2006-01-02 15:04"))))
		}
		return append(body, pager)
	})
	return u.page_(vbox(append(head, r.box)...), u.bottom(true, nil))
}

func helpKey(s session.Snapshot) string {
	t := ""
	if s.Help.Ticket != nil {
		t = s.Help.Ticket.TicketNo
	}
	return fmt.Sprintf("%s|%s|%v|%s|%v|%v", s.Help.Status, s.Help.By, s.Help.TicketErr, t, s.PrintErr, s.Busy)
}

// help says only what is true: staff are coming once someone acknowledged
// the request, and a ticket is shown once it was taken.
func (u *UI) help(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading(u.T("help.title"))}
	r := u.region(s, helpKey, func(s session.Snapshot) []fyne.CanvasObject {
		var out []fyne.CanvasObject
		say := func(key string, imp widget.Importance, args ...any) {
			l := u.para(u.T(key, args...))
			l.Importance = imp
			out = append(out, l)
		}
		switch s.Help.Status {
		case session.HelpCalling:
			say("help.calling", widget.MediumImportance)
		case session.HelpAcked:
			say("help.called", widget.SuccessImportance)
		case session.HelpFailed:
			say("help.failed", widget.DangerImportance)
		default:
			say("help.unavailable", widget.WarningImportance)
		}
		switch {
		case s.Help.Ticket != nil:
			tk := s.Help.Ticket
			out = append(out, u.heading(tk.TicketNo))
			if tk.Window != "" {
				say("help.window", widget.HighImportance, tk.Window)
			}
			if tk.WaitingKnown {
				say("help.waiting", widget.MediumImportance, tk.Waiting)
			} else {
				say("help.waiting_unknown", widget.MediumImportance)
			}
			if s.PrintErr != nil {
				say("done.print_failed", widget.DangerImportance, u.errorText(s.PrintErr))
			} else if !s.Busy {
				say("help.ticket_printed", widget.MediumImportance)
			}
		case errors.Is(s.Help.TicketErr, session.ErrNoQueue):
			say("help.no_queue", widget.MediumImportance)
		case s.Help.TicketErr != nil:
			say("help.ticket_failed", widget.DangerImportance)
			out = append(out, u.tile(u.T("help.ticket"), u.sess.PrintQueueTicket))
		default:
			t := u.tile(u.T("help.ticket"), u.sess.PrintQueueTicket)
			out = append(out, t)
		}
		if s.Busy {
			out = append(out, widget.NewProgressBarInfinite())
		}
		return out
	})
	body = append(body, r.box)
	return u.page_(vbox(body...), u.bottom(true, nil))
}

// Capture renders the window's canvas to an image (screenshots, tests).
func (u *UI) Capture() image.Image { return u.win.Canvas().Capture() }
