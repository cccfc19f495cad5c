package screens

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"sort"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	qrcode "github.com/skip2/go-qrcode"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	kiotheme "github.com/bianmin/kiosk/app/theme"
)

func (u *UI) attract(s session.Snapshot) fyne.CanvasObject {
	title := canvas.NewText(u.T("attract.title"), kiotheme.Primary)
	title.TextSize = u.th.Size(kiotheme.SizeNameHero)
	title.TextStyle.Bold = true
	title.Alignment = fyne.TextAlignCenter
	sub := u.heading(u.T("attract.subtitle"))
	sub.Alignment = fyne.TextAlignCenter
	// A drawn card on the reader: the one picture on the screen.
	card := canvas.NewRectangle(kiotheme.Primary)
	card.CornerRadius = 24
	cardText := canvas.NewText(u.T("attract.hint_card"), kiotheme.White)
	cardText.TextSize = u.th.Size(fynetheme.SizeNameHeadingText)
	cardText.Alignment = fyne.TextAlignCenter
	cardBox := container.NewCenter(container.NewGridWrap(fyne.NewSize(640, 300), container.NewStack(card, container.NewCenter(cardText))))
	arrow := canvas.NewText("↓  ↓  ↓", kiotheme.Primary)
	arrow.TextSize = u.th.Size(kiotheme.SizeNameHero)
	arrow.Alignment = fyne.TextAlignCenter

	actions := container.NewGridWithColumns(1,
		u.tile(u.T("attract.qr"), u.sess.OpenProgress),
		u.tile(u.T("attract.progress"), u.sess.OpenProgress),
		u.tile(u.T("attract.agent"), u.sess.StartManual),
		u.tile(u.T("attract.help"), u.sess.OpenHelp),
	)
	hours := u.caption(u.T("attract.hours"))
	hours.Alignment = fyne.TextAlignCenter
	if size := u.win.Canvas().Size(); size.Width > size.Height {
		// Landscape terminals: the card on the left, the choices on the right.
		left := vbox(layout.NewSpacer(), cardBox, arrow, layout.NewSpacer())
		right := vbox(layout.NewSpacer(), actions, hours, layout.NewSpacer())
		return container.NewVScroll(container.NewPadded(vbox(title, sub, u.notice(s),
			container.NewBorder(nil, nil, nil, right, left))))
	}
	return container.NewVScroll(container.NewPadded(vbox(
		layout.NewSpacer(), title, sub, u.notice(s), layout.NewSpacer(), cardBox, arrow, layout.NewSpacer(),
		actions, hours,
	)))
}

type manualDraft struct{ agent, name, id string }

func (u *UI) manualID(s session.Snapshot) fyne.CanvasObject {
	d := &u.manual
	errText := widget.NewLabel("")
	errText.Importance = widget.DangerImportance
	errText.Wrapping = u.wrap()
	fields := []struct {
		key  string
		kind kiosk.FieldKind
		val  *string
	}{{"manual.agent", kiosk.FieldNumber, &d.agent}, {"manual.name", kiosk.FieldText, &d.name}, {"manual.id_number", kiosk.FieldIDNumber, &d.id}}
	rows := []fyne.CanvasObject{u.heading(u.T("manual.title"))}
	for _, f := range fields {
		f := f
		key := "manual:" + f.key
		rows = append(rows, u.fieldRow(u.T(f.key), *f.val, nil, u.editing == key, func() { u.editing = key; u.sess.Touch() }))
		if u.editing == key {
			rows = append(rows, u.opt.Keyboard.Editor(f.kind, *f.val, 0, func(v string) { *f.val = v }, func() { u.editing = ""; u.sess.Touch() }))
		}
	}
	rows = append(rows, errText)
	submit := u.primary(u.T("manual.submit"), func() {
		if err := u.sess.SubmitManual(d.agent, d.name, strings.ToUpper(d.id)); err != nil {
			errText.SetText(u.errorText(err))
			return
		}
		u.manual = manualDraft{}
	})
	return u.page_(vbox(rows...), u.bottom(true, submit))
}

func (u *UI) confirmID(s session.Snapshot) fyne.CanvasObject {
	id := s.Identity
	name := u.heading(u.T("confirm_id.name", id.DisplayName()))
	var codes []string
	for _, r := range id.RareChars {
		codes = append(codes, fmt.Sprintf("U+%04X", r))
	}
	return u.page_(vbox(
		u.heading(u.T("confirm_id.title")), u.para(u.T("confirm_id.body")), name,
		u.para(u.T("confirm_id.id_number", kiosk.MaskID(id.IDNumber))),
		u.caption(strings.Join(codes, " ")),
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
		names = append(names, it.Name)
	}
	freq := container.NewGridWithColumns(u.columnsFor(names, 2))
	for _, it := range u.sess.Frequent() {
		code := it.Code
		freq.Add(u.tile(it.Name, func() { _ = u.sess.ChooseItem(code) }))
	}
	var catNames []string
	for _, c := range cat.Categories {
		catNames = append(catNames, c.Name)
	}
	cats := container.NewGridWithColumns(u.columnsFor(catNames, 3))
	for _, c := range cat.Categories {
		id := c.ID
		if len(kioskItems(cat, id)) == 0 {
			continue
		}
		cats.Add(u.tile(c.Name, func() { u.sess.ChooseCategory(id) }))
	}
	bundles := container.NewGridWithColumns(1)
	for _, b := range cat.Bundles {
		code := b.Code
		bundles.Add(u.tile(b.Name, func() { _ = u.sess.ChooseBundle(code) }))
	}
	more := container.NewGridWithColumns(2,
		widget.NewButton(u.T("home.progress"), u.sess.OpenProgress),
		widget.NewButton(u.T("app.help"), u.sess.OpenHelp))
	objs := []fyne.CanvasObject{u.heading(u.T("home.greeting", name)), search}
	if s.Agent != "" {
		objs = append(objs, u.caption(u.T("review.agent")+"："+s.Agent))
	}
	objs = append(objs, u.section(u.T("home.frequent")), freq)
	if !s.Elder { // 长辈模式: a simplified home with the frequent items only
		objs = append(objs, u.section(u.T("home.categories")), cats, u.section(u.T("home.bundles")), bundles)
	}
	objs = append(objs, more)
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

func (u *UI) itemList(items []*kiosk.ServiceItem) fyne.CanvasObject {
	shown, pager := pageOf(u, items, u.perPage(8))
	list := container.NewGridWithColumns(1)
	for _, it := range shown {
		code := it.Code
		list.Add(u.tile(it.Name, func() { _ = u.sess.ChooseItem(code) }))
	}
	return vbox(list, pager)
}

func (u *UI) category(s session.Snapshot) fyne.CanvasObject {
	title := ""
	if s.Category != nil {
		title = s.Category.Name
	}
	body := []fyne.CanvasObject{u.heading(u.T("category.title", title))}
	if len(s.Items) == 0 {
		body = append(body, u.para(u.T("category.empty")))
	}
	body = append(body, u.itemList(s.Items))
	return u.page_(vbox(body...), u.bottom(true, nil))
}

func (u *UI) search(s session.Snapshot) fyne.CanvasObject {
	query := s.Query
	results := s.Items
	box := u.fieldRow(u.T("search.title"), query, nil, true, func() {})
	run := func(q string) {
		var codes []string
		if u.opt.Search != nil && strings.TrimSpace(q) != "" {
			codes = u.opt.Search.Search(q, 50)
		}
		u.sess.SetSearchResults(q, codes)
	}
	kb := u.opt.Keyboard.Editor(kiosk.FieldText, query, 20, run, func() {})
	body := []fyne.CanvasObject{u.caption(u.T("search.hint")), box, kb}
	if strings.TrimSpace(query) != "" && len(results) == 0 {
		body = append(body, u.para(u.T("search.no_result")))
	}
	body = append(body, u.itemList(results))
	return u.page_(vbox(body...), u.bottom(true, nil))
}

func (u *UI) guide(s session.Snapshot) fyne.CanvasObject {
	var body []fyne.CanvasObject
	var spoken []string
	items := s.BundleItems
	if s.Bundle != nil {
		body = append(body, u.heading(s.Bundle.Name), u.para(s.Bundle.Description), u.para(u.T("guide.bundle_items")))
		spoken = append(spoken, s.Bundle.Name, s.Bundle.Description)
	} else if s.Item != nil {
		items = []*kiosk.ServiceItem{s.Item}
	}
	for _, it := range items {
		kv := func(k, v string) {
			if v == "" {
				return
			}
			l := u.para(u.T(k) + "：" + v)
			body = append(body, l)
			spoken = append(spoken, u.T(k)+"，"+v)
		}
		body = append(body, u.section(it.Name))
		spoken = append(spoken, it.Name)
		kv("guide.type", string(it.Type))
		kv("guide.agency", it.Agency)
		if it.PromisedLimitDays == 0 {
			kv("guide.promised_limit", u.T("guide.immediate"))
		} else {
			kv("guide.promised_limit", u.T("guide.days", it.PromisedLimitDays))
		}
		kv("guide.legal_limit", u.T("guide.days", it.LegalLimitDays))
		fee := u.T("guide.free")
		if it.Fee.Charged {
			fee = it.Fee.Standard
		}
		kv("guide.fee", fee)
		kv("guide.visits", u.T("guide.visits_n", it.Visits))
		if len(it.Conditions) > 0 {
			kv("guide.conditions", strings.Join(it.Conditions, "；"))
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
			mats = append(mats, "• "+m.Name+"（"+strings.Join(flags, "，")+"）")
		}
		body = append(body, u.para(u.T("guide.materials")+"：\n"+strings.Join(mats, "\n")))
		spoken = append(spoken, u.T("guide.materials")+"，"+strings.Join(mats, "，"))
		kv("guide.basis", it.LegalBasis)
	}
	read := widget.NewButton(u.T("guide.read_aloud"), func() { u.sess.Say(strings.Join(spoken, "。")); u.sess.Touch() })
	body = append([]fyne.CanvasObject{read}, body...)
	return u.page_(vbox(body...), u.bottom(true, u.primary(u.T("guide.start"), u.sess.StartForm)))
}

// fieldRow shows one field: label, value (or a hint), error text.
func (u *UI) fieldRow(label, value string, err error, active bool, tap func()) fyne.CanvasObject {
	shown := value
	if shown == "" {
		shown = u.T("form.tap_to_edit")
	}
	b := widget.NewButton(shown, tap)
	b.Alignment = widget.ButtonAlignLeading
	if active {
		b.Importance = widget.HighImportance
	}
	l := widget.NewLabel(label)
	l.TextStyle.Bold = true
	rows := []fyne.CanvasObject{l, b}
	if err != nil {
		e := u.para("× " + u.errorText(err))
		e.Importance = widget.DangerImportance
		rows = append(rows, e)
	}
	return container.NewVBox(rows...)
}

func (u *UI) form(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading(u.T("form.title"))}
	if s.Identity != nil {
		body = append(body, u.caption(u.T("form.prefilled")))
	}
	if len(s.FieldErrors) > 0 {
		e := u.para(u.T("form.fix_errors"))
		e.Importance = widget.DangerImportance
		body = append(body, e)
	}
	for _, f := range s.Fields {
		f := f
		label := f.Label
		if f.Required {
			label += " *"
		}
		if f.Kind == kiosk.FieldChoice {
			body = append(body, u.choiceRow(f, s.Form[f.Key], s.FieldErrors[f.Key]))
			continue
		}
		active := u.editing == f.Key
		body = append(body, u.fieldRow(label, s.Form[f.Key], s.FieldErrors[f.Key], active, func() { u.editing = f.Key; u.sess.Touch() }))
		if active {
			body = append(body, u.opt.Keyboard.Editor(f.Kind, s.Form[f.Key], f.MaxLen,
				func(v string) { u.sess.SetField(f.Key, v) }, func() { u.editing = ""; u.sess.Touch() }))
		}
	}
	next := u.primary(u.T("form.submit"), func() { u.editing = ""; u.sess.SubmitForm() })
	return u.page_(vbox(body...), u.bottom(true, next))
}

func (u *UI) choiceRow(f kiosk.FieldSpec, value string, err error) fyne.CanvasObject {
	l := widget.NewLabel(f.Label)
	l.TextStyle.Bold = true
	grid := container.NewGridWithColumns(u.columnsFor(append([]string{"√ "}, f.Choices...), min(3, max(1, len(f.Choices)))))
	for _, c := range f.Choices {
		c := c
		text := c
		if c == value {
			text = "√ " + c
		}
		b := widget.NewButton(text, func() { u.sess.SetField(f.Key, c) })
		if c == value {
			b.Importance = widget.HighImportance
		}
		grid.Add(b)
	}
	rows := []fyne.CanvasObject{l, grid}
	if err != nil {
		e := u.para("× " + u.errorText(err))
		e.Importance = widget.DangerImportance
		rows = append(rows, e)
	}
	return container.NewVBox(rows...)
}

func (u *UI) materials(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading(u.T("materials.title")), u.caption(u.T("materials.place_on_scanner")), u.notice(s)}
	for i, m := range s.Materials {
		i, m := i, m
		name := m.Spec.Name
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
		if m.Mode != kiosk.MaterialFromCard {
			btns := container.NewGridWithColumns(u.columnsFor([]string{u.T("materials.rescan"), u.T("materials.commit"), u.T("materials.defer"), u.T("materials.elicence")}, 3))
			scan := u.T("materials.scan")
			if m.Mode == kiosk.MaterialScanned {
				scan = u.T("materials.rescan")
			}
			btns.Add(widget.NewButton(scan, func() { u.sess.ScanMaterial(i) }))
			if m.Spec.Committable {
				btns.Add(widget.NewButton(u.T("materials.commit"), func() { _ = u.sess.SetMaterialMode(i, kiosk.MaterialCommitted) }))
			}
			if m.Spec.Deferrable {
				btns.Add(widget.NewButton(u.T("materials.defer"), func() { _ = u.sess.SetMaterialMode(i, kiosk.MaterialDeferred) }))
			}
			if m.Spec.ELicence != "" {
				btns.Add(widget.NewButton(u.T("materials.elicence"), func() { _ = u.sess.SetMaterialMode(i, kiosk.MaterialELicence) }))
			}
			row = append(row, btns)
		}
		body = append(body, row...)
	}
	if s.Busy {
		body = append(body, widget.NewProgressBarInfinite())
	}
	next := u.primary(u.T("materials.review"), func() { _ = u.sess.Review() })
	return u.page_(vbox(body...), u.bottom(true, next))
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
		names = append(names, s.Bundle.Name)
	}
	for _, it := range s.BundleItems {
		names = append(names, it.Name)
	}
	if s.Item != nil {
		names = append(names, s.Item.Name)
	}
	body = append(body, u.para(u.T("review.item")+"："+strings.Join(names, "、")))
	if s.Identity != nil {
		body = append(body, u.para(u.T("review.applicant")+"："+kiosk.MaskName(s.Identity.DisplayName())+"  "+kiosk.MaskID(s.Identity.IDNumber)))
	}
	if s.Agent != "" {
		body = append(body, u.para(u.T("review.agent")+"："+s.Agent))
	}
	for _, f := range s.Fields {
		v := s.Form[f.Key]
		switch f.Kind {
		case kiosk.FieldIDNumber, kiosk.FieldBankCard:
			v = kiosk.MaskID(v)
		case kiosk.FieldMobile:
			v = kiosk.MaskMobile(v)
		}
		if f.Prefill == "name" {
			v = kiosk.MaskName(v)
		}
		body = append(body, u.para(f.Label+"："+v))
	}
	body = append(body, u.section(u.T("review.materials")))
	for _, m := range s.Materials {
		if m.Mode == "" {
			continue
		}
		body = append(body, u.para("√ "+m.Spec.Name))
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

func (u *UI) done(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading("√ " + u.T("done.title"))}
	for _, r := range s.Receipts {
		body = append(body, u.section(r.ItemName), u.para(u.T("done.acceptance_no", r.AcceptanceNo)))
		if r.PromisedDays > 0 {
			body = append(body, u.para(u.T("done.promised", r.PromisedDays)))
		}
		for _, d := range r.Deferred {
			body = append(body, u.para(d.Name+"："+u.T("materials.deferred", d.Due.String())))
		}
	}
	if s.Receipt != nil && s.Receipt.QRPayload != "" {
		body = append(body, container.NewCenter(qrImage(s.Receipt.QRPayload, 320)))
	}
	if s.PrintErr != nil {
		e := u.para(u.T("done.print_failed", u.errorText(s.PrintErr)))
		e.Importance = widget.DangerImportance
		body = append(body, e, u.primary(u.T("done.reprint"), u.sess.Reprint))
	} else {
		body = append(body, u.para(u.T("done.take_receipt")))
	}
	if u.sess.CanPrintForms() {
		switch {
		case s.FormErr != nil:
			e := u.para(u.T("done.form_failed", u.errorText(s.FormErr)))
			e.Importance = widget.DangerImportance
			body = append(body, e, widget.NewButton(u.T("done.print_form"), u.sess.PrintForms))
		case s.FormsPrinted:
			ok := u.para("√ " + u.T("done.form_printed"))
			ok.Importance = widget.SuccessImportance
			body = append(body, ok)
		default:
			body = append(body, widget.NewButton(u.T("done.print_form"), u.sess.PrintForms))
		}
	}
	body = append(body, u.caption(u.T("done.sync_note")))
	if s.Busy {
		body = append(body, widget.NewProgressBarInfinite())
	}
	actions := container.NewGridWithColumns(2, widget.NewButton(u.T("done.finish"), u.sess.End), u.primary(u.T("done.rate"), u.sess.OpenRating))
	return u.page_(vbox(body...), container.NewPadded(actions))
}

type ratingDraft struct {
	level kiosk.RatingLevel
	tags  map[string]bool
}

func (u *UI) rate(s session.Snapshot) fyne.CanvasObject {
	if u.rating == nil {
		u.rating = &ratingDraft{tags: map[string]bool{}}
	}
	d := u.rating
	body := []fyne.CanvasObject{u.heading(u.T("rate.title")), u.caption(u.T("rate.subtitle"))}
	levels := container.NewGridWithColumns(1)
	for _, l := range kiosk.RatingLevels {
		l := l
		text := strings.Repeat("★", int(l)) + strings.Repeat("☆", 5-int(l)) + "  " + l.Label()
		if d.level == l {
			text = "√ " + text
		}
		b := widget.NewButton(text, func() { d.level = l; u.sess.Touch() })
		b.Alignment = widget.ButtonAlignLeading
		if d.level == l {
			b.Importance = widget.HighImportance
		}
		levels.Add(container.New(minHeight{u.th.Size(kiotheme.SizeNameTarget) * 1.3}, b))
	}
	body = append(body, levels)
	if d.level.NeedsFollowUp() {
		body = append(body, u.para(u.T("rate.reasons")))
		grid := container.NewGridWithColumns(u.columnsFor(kiosk.LowRatingReasons, 2))
		for _, r := range kiosk.LowRatingReasons {
			r := r
			text := r
			if d.tags[r] {
				text = "√ " + r
			}
			b := widget.NewButton(text, func() { d.tags[r] = !d.tags[r]; u.sess.Touch() })
			if d.tags[r] {
				b.Importance = widget.HighImportance
			}
			grid.Add(b)
		}
		body = append(body, grid)
	}
	submit := u.primary(u.T("rate.submit"), func() {
		var tags []string
		for t, on := range d.tags {
			if on {
				tags = append(tags, t)
			}
		}
		sort.Strings(tags)
		if d.level.Valid() && u.sess.Rate(d.level, tags) == nil {
			u.rating = nil
		}
	})
	if !d.level.Valid() {
		submit.Disable()
	}
	skip := widget.NewButton(u.T("rate.skip"), func() { u.rating = nil; u.sess.End() })
	return u.page_(vbox(body...), container.NewPadded(container.NewGridWithColumns(2, skip, submit)))
}

func (u *UI) end(s session.Snapshot) fyne.CanvasObject {
	t := u.heading(u.T("end.title"))
	t.Alignment = fyne.TextAlignCenter
	c := canvas.NewText(u.T("end.take_card"), kiotheme.Red)
	c.TextSize = u.th.Size(fynetheme.SizeNameHeadingText)
	c.TextStyle.Bold = true
	c.Alignment = fyne.TextAlignCenter
	w := u.caption(u.T("end.wiped"))
	w.Alignment = fyne.TextAlignCenter
	return container.NewCenter(vbox(t, c, w))
}

func (u *UI) progress(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading(u.T("progress.title")), u.para(u.T("progress.hint")), u.notice(s)}
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
	shown, pager := pageOf(u, s.Progress, u.perPage(5))
	for _, p := range shown {
		where := u.T("progress.local")
		if p.Synced {
			where = u.T("progress.synced")
		}
		st := u.para(p.State.Label() + " · " + where)
		st.Importance = widget.HighImportance
		body = append(body, widget.NewSeparator(), u.para(p.ItemName), st,
			u.caption(u.T("done.acceptance_no", p.AcceptanceNo)+"  "+u.T("progress.created", p.Created.In(ChinaTime).Format("2006-01-02 15:04"))))
	}
	body = append(body, pager)
	return u.page_(vbox(body...), u.bottom(true, nil))
}

func (u *UI) help(s session.Snapshot) fyne.CanvasObject {
	body := []fyne.CanvasObject{u.heading(u.T("help.title")), u.para(u.T("help.body"))}
	called := u.para("√ " + u.T("help.called"))
	called.Importance = widget.SuccessImportance
	body = append(body, called)
	if s.Receipt != nil && s.Receipt.Kind == kiosk.ReceiptQueue {
		body = append(body, u.heading(s.Receipt.TicketNo), u.para(u.T("help.ticket_printed")))
		if s.PrintErr != nil {
			e := u.para(u.errorText(s.PrintErr))
			e.Importance = widget.DangerImportance
			body = append(body, e)
		}
	} else {
		body = append(body, u.tile(u.T("help.ticket"), func() { u.sess.PrintQueueTicket("1", nextTicket(), 3) }))
	}
	return u.page_(vbox(body...), u.bottom(true, nil))
}

var ticket int

func nextTicket() int { ticket++; return ticket }

// Capture renders the window's canvas to an image (screenshots, tests).
func (u *UI) Capture() image.Image { return u.win.Canvas().Capture() }
