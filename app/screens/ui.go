// Package screens renders the resident's session on the touchscreen with
// Fyne: one function per session screen, a top bar (elder mode, voice, home),
// the idle-timeout warning with its countdown and "more time" button, and the
// translation of errors into plain Chinese in one place (errors.go). It talks
// to the session only; devices and the store stay behind the session's ports.
// cmd/kiosk imports it.
package screens

import (
	"context"
	"image/color"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/i18n"
	"github.com/bianmin/kiosk/app/session"
	kiotheme "github.com/bianmin/kiosk/app/theme"
	"github.com/bianmin/kiosk/app/widgets"
)

// Searcher finds item codes for a query typed in characters or pinyin, or
// in words of the screen's language lang (the catalogue's translations:
// "pension" on the English screen).
type Searcher interface {
	Search(lang, query string, limit int) []string
}

// Status is what the status line shows: technician-readable device states
// and whether the platform is reachable.
type Status struct {
	Online  bool
	Printer string // state key: ready, paper_out, …
	Queue   int    // applications waiting for upload
}

// Options configures the UI.
type Options struct {
	Lang   string
	Search Searcher
	Status func() Status // may be nil
	// StatusChanged receives a value whenever what Status returns may have
	// changed (a device's state, the link); Run then refreshes the status
	// line. nil: never (the line follows the session's renders only).
	StatusChanged <-chan struct{}
	Keyboard      KeyboardFactory
	// Voice switches voice prompts. nil means the terminal has no audio
	// player: every control that would speak (语音播报, 朗读指南) is hidden.
	Voice func(on bool)
	// NewSignaturePad makes the pad of the 告知承诺 screen.
	NewSignaturePad func() SignaturePad
}

// UI renders a session into a window. It is retained: each screen is built
// once when the session enters it (and again only when 长辈模式 or the
// language changes), then updated in place from each new snapshot. What the
// resident is typing, drawing or scrolling lives in the screen's widgets
// until the session changes screen or wipes.
type UI struct {
	app  fyne.App // the app of win: a late event of an old UI never themes another
	win  fyne.Window
	sess *session.Session
	tr   *i18n.Bundle
	th   *kiotheme.Kiosk
	opt  Options

	last    session.Snapshot
	voiceOn bool
	// renderMu and renderAgain keep renders one at a time and the last one
	// of the session as it is (renderLatest).
	renderMu    sync.Mutex
	renderAgain atomic.Bool
	cur         *view
	builds      int // screens built (tests: a tick must not build)

	// chrome kept across updates
	status  *widget.Label
	warn    *modal
	warnMsg *widget.Label
	ask     *modal
	// banner shows the session's notice (a card taken off the reader…) over
	// the bottom of screens that have no notice line of their own: drawn
	// over the screen, it moves nothing.
	banner      *fyne.Container
	bannerText  *widget.Label
	bannerLayer *fyne.Container // the banner's parent: lays it out at the bottom

	// OnRendered is called after each render (tests and screenshots).
	OnRendered func(session.Screen)
}

// view is one built screen: its root object and what updates it in place.
type view struct {
	screen  session.Screen
	obj     fyne.CanvasObject
	updates []func(session.Snapshot)
	wipes   []func()    // clear drafts held by the screen's widgets
	notices bool        // the screen shows the session's notice itself
	dirty   func() bool // the resident has typed something that leaving discards
	width   float32     // width paragraphs are broken to, when not the window's
	scroll  *widgets.TouchScroll
}

// New makes the UI and subscribes it to the session.
func New(win fyne.Window, sess *session.Session, opt Options) *UI {
	if opt.Lang == "" {
		opt.Lang = i18n.ZhCN
	}
	if opt.Keyboard == nil {
		opt.Keyboard = EntryKeyboard{}
	}
	if tk, ok := opt.Keyboard.(TouchKeyboard); ok && opt.Lang == i18n.En && tk.Labels == nil {
		tk.Labels = englishKeys
		opt.Keyboard = tk
	}
	u := &UI{app: fyne.CurrentApp(), win: win, sess: sess, tr: i18n.MustLoad(opt.Lang), th: &kiotheme.Kiosk{}, opt: opt, voiceOn: opt.Voice != nil}
	u.app.Settings().SetTheme(u.th)
	sess.OnChange(u.changed)
	u.Render(sess.Snapshot())
	return u
}

// ChinaTime is the zone times are shown in, whatever the machine's zone:
// receipts and screens must agree (China has one zone, UTC+8, no DST).
var ChinaTime = time.FixedZone("CST", 8*3600)

// T translates a key.
func (u *UI) T(key string, args ...any) string { return u.tr.T(key, args...) }

// Builds returns how many screens have been built so far.
func (u *UI) Builds() int { return u.builds }

// Render shows a snapshot. Called on the UI goroutine. A new screen, a
// wipe (the identity comes or goes) or a change of 长辈模式 builds the
// screen; anything else (a tick, a typed character, a device state) updates
// the built one in place.
func (u *UI) Render(s session.Snapshot) {
	prev := u.last
	u.last = s
	rebuild := u.cur == nil || s.Screen != u.cur.screen || (s.Identity == nil) != (prev.Identity == nil)
	if s.Elder != u.th.Elder {
		u.th.Elder = s.Elder
		// Fyne applies a new theme to the content on screen at once and
		// then fits the window to its minimum size: the old screen, its
		// lines broken for the old text sizes, would be measured at the
		// new ones (2364 px wide for a 1920 px landscape display) and the
		// window would grow past the display for good. Nothing is
		// measured at the new sizes but the screen built for them.
		u.win.SetContent(canvas.NewRectangle(u.th.Color(fynetheme.ColorNameBackground, 0)))
		u.app.Settings().SetTheme(&kiotheme.Kiosk{Elder: s.Elder})
		if s.Elder && u.opt.Voice != nil && !u.voiceOn { // 长辈模式 speaks by default
			u.voiceOn = true
			u.opt.Voice(true)
		}
		rebuild = true
		// Widgets measured before the new sizes reach them would keep a
		// stale layout (wrapped labels overlapping): build the screen
		// again once the theme change has gone round.
		defer fyne.Do(func() { u.build(u.last) })
	}
	if rebuild {
		u.build(s)
	} else {
		for _, f := range u.cur.updates {
			f(s)
		}
	}
	u.updateChrome(s)
	if u.OnRendered != nil {
		u.OnRendered(s.Screen)
	}
}

// build makes the screen for s and shows it; the previous screen's drafts
// are wiped first.
func (u *UI) build(s session.Snapshot) {
	if u.cur != nil {
		for _, w := range u.cur.wipes {
			w()
		}
	}
	u.builds++
	v := &view{screen: s.Screen}
	u.cur = v
	body := u.screen(s)
	if v.obj == nil {
		v.obj = body
	}
	u.status = widget.NewLabel(" ")
	u.status.Truncation = fyne.TextTruncateEllipsis // one line, always there: nothing moves when it fills
	u.status.Importance = widget.WarningImportance
	u.status.SizeName = fynetheme.SizeNameCaptionText
	// The status line's room is kept under the screen in portrait; on a
	// landscape display, where the height is short (1080 px, 长辈模式's
	// bigger text), it sits in the top bar between the title and the
	// buttons instead: under the screen it left an empty band of ~90 px
	// below the bottom bar in 长辈模式.
	var statusLine fyne.CanvasObject = u.status
	if u.statusInTopBar() {
		statusLine = nil
		u.status.Alignment = fyne.TextAlignTrailing
	}
	u.warn, u.warnMsg = u.warning()
	u.ask = newModal(u, nil)
	u.banner, u.bannerText = u.newBanner()
	u.bannerLayer = container.NewBorder(nil, u.banner, nil, nil)
	content := container.NewStack(container.NewBorder(u.topBar(s), statusLine, nil, nil, v.obj),
		u.bannerLayer, u.cornerOverlay(s), u.warn, u.ask)
	u.win.SetContent(content)
	if min, size := content.MinSize(), u.win.Canvas().Size(); min.Width > size.Width+1 || os.Getenv("KIOSK_DEBUG_LAYOUT") != "" {
		slog.Warn("screen wider than the window", "screen", string(s.Screen), "min_width", min.Width, "width", size.Width, "scale", u.win.Canvas().Scale())
	}
}

// onUpdate registers f to run on every snapshot while the current screen
// is shown, and runs it once now.
func (u *UI) onUpdate(s session.Snapshot, f func(session.Snapshot)) {
	u.cur.updates = append(u.cur.updates, f)
	f(s)
}

// onWipe registers f to clear a draft when the screen goes away.
func (u *UI) onWipe(f func()) { u.cur.wipes = append(u.cur.wipes, f) }

// region is a part of a screen rebuilt (in place, inside the built screen)
// only when its key, computed from the snapshot, changes; refresh rebuilds
// it after a change of the screen's own state (a page, a selection).
type region struct {
	box   *fyne.Container
	key   string
	build func(session.Snapshot) []fyne.CanvasObject
	u     *UI
}

func (u *UI) region(s session.Snapshot, keyOf func(session.Snapshot) string, build func(session.Snapshot) []fyne.CanvasObject) *region {
	r := &region{box: container.NewVBox(), build: build, u: u, key: "\x00"}
	u.onUpdate(s, func(s session.Snapshot) {
		if k := keyOf(s); k != r.key {
			r.key = k
			r.fill(s)
		}
	})
	return r
}

func (r *region) fill(s session.Snapshot) {
	var keep []fyne.CanvasObject
	for _, o := range r.build(s) {
		if o != nil {
			keep = append(keep, o)
		}
	}
	r.box.Objects = keep
	r.box.Refresh()
}

func (r *region) refresh() { r.fill(r.u.last) }

func (u *UI) screen(s session.Snapshot) fyne.CanvasObject {
	if o := u.adminScreen(s); o != nil {
		return o
	}
	switch s.Screen {
	case session.ScreenAttract:
		return u.attract(s)
	case session.ScreenManualID:
		return u.manualID(s)
	case session.ScreenConfirmID:
		return u.confirmID(s)
	case session.ScreenHome:
		return u.home(s)
	case session.ScreenCategory:
		return u.category(s)
	case session.ScreenSearch:
		return u.search(s)
	case session.ScreenGuide:
		return u.guide(s)
	case session.ScreenForm:
		return u.form(s)
	case session.ScreenMaterials:
		return u.materials(s)
	case session.ScreenSign:
		return u.sign(s)
	case session.ScreenReview:
		return u.review(s)
	case session.ScreenSubmitting:
		return u.submitting(s)
	case session.ScreenDone:
		return u.done(s)
	case session.ScreenRate:
		return u.rate(s)
	case session.ScreenEnd:
		return u.end(s)
	case session.ScreenProgress:
		return u.progress(s)
	case session.ScreenHelp:
		return u.help(s)
	}
	return widget.NewLabel(string(s.Screen))
}

// topBar: title on the left; elder mode, voice and home on the right.
func (u *UI) topBar(s session.Snapshot) fyne.CanvasObject {
	title := canvas.NewText(u.T("app.title"), kiotheme.White)
	title.TextSize = u.th.Size(fynetheme.SizeNameSubHeadingText)
	title.TextStyle.Bold = true
	elderKey := "app.elder_on"
	if s.Elder {
		elderKey = "app.elder_off"
	}
	elder := widget.NewButton(u.T(elderKey), u.sess.ToggleElder)
	elder.Importance = widget.HighImportance
	right := []fyne.CanvasObject{elder}
	if s.Screen == session.ScreenAttract || s.Screen == session.ScreenHome {
		right = append(right, widget.NewButton(u.T("app.language"), u.switchLanguage))
	}
	if u.opt.Voice != nil {
		var v *widget.Button
		v = widget.NewButton(u.T("app.voice"), func() {
			u.voiceOn = !u.voiceOn
			u.opt.Voice(u.voiceOn)
			v.Importance = widget.MediumImportance
			if u.voiceOn {
				v.Importance = widget.HighImportance
			}
			v.Refresh()
			u.sess.Touch()
		})
		if u.voiceOn {
			v.Importance = widget.HighImportance
		}
		right = append(right, v)
	}
	if s.Screen != session.ScreenAttract && s.Screen != session.ScreenSubmitting && s.Identity != nil {
		right = append(right, widget.NewButton(u.T("app.home"), func() { u.leave(u.sess.Home) }))
		right = append(right, widget.NewButton(u.T("app.exit"), func() { u.leave(u.sess.End) }))
	}
	bg := canvas.NewRectangle(u.th.Color(fynetheme.ColorNameHeaderBackground, 0))
	var left fyne.CanvasObject = container.NewPadded(title)
	if w := u.win.Canvas().Size().Width; w > 0 && container.NewHBox(right...).MinSize().Width+left.MinSize().Width+4*u.th.Size(fynetheme.SizeNamePadding) > w {
		left = nil // 长辈模式 on a narrow display: the buttons matter more than the title
	}
	var status fyne.CanvasObject
	if u.statusInTopBar() {
		status = u.status
	}
	bar := container.NewBorder(nil, nil, left, container.NewHBox(right...), status)
	return container.NewStack(bg, container.NewPadded(bar))
}

// statusInTopBar: the status line goes in the top bar (landscape displays)
// rather than under the screen.
func (u *UI) statusInTopBar() bool {
	size := u.win.Canvas().Size()
	return size.Width > size.Height
}

// switchLanguage toggles the screens between 中文 and English (the
// catalogue's own texts stay as the catalogue gives them).
func (u *UI) switchLanguage() {
	next := i18n.En
	if u.tr.Lang() == i18n.En {
		next = i18n.ZhCN
	}
	u.tr = i18n.MustLoad(next)
	if tk, ok := u.opt.Keyboard.(TouchKeyboard); ok {
		tk.Labels = nil
		if next == i18n.En {
			tk.Labels = englishKeys
		}
		u.opt.Keyboard = tk
	}
	u.build(u.last)
	u.updateChrome(u.last)
	u.sess.Touch()
}

// formScreens hold a half-filled application: leaving them discards it.
var formScreens = map[session.Screen]bool{
	session.ScreenForm: true, session.ScreenMaterials: true, session.ScreenSign: true, session.ScreenReview: true,
}

// leave runs go (首页 or 退出) at once, or after the resident confirms
// when it would discard a half-filled form.
func (u *UI) leave(do func()) {
	dirty := formScreens[u.last.Screen] || (u.cur != nil && u.cur.dirty != nil && u.cur.dirty())
	if !dirty {
		do()
		return
	}
	u.sess.Touch()
	u.ask.show(u.T("app.discard_question"), u.T("app.discard_yes"), func() { u.ask.Hide(); do() },
		u.T("app.discard_no"), func() { u.ask.Hide(); u.sess.Touch() })
}

// Run refreshes the status line (network, printer) whenever
// Options.StatusChanged says the status changed, until ctx ends: the
// session is silent on the attract screen, where the status matters to the
// next resident and to staff. It polls nothing: without StatusChanged the
// status line changes only with the session's own renders.
func (u *UI) Run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-u.opt.StatusChanged:
			fyne.Do(u.RefreshStatus)
		}
	}
}

// RefreshStatus shows the current device and network status. Called on the
// UI goroutine.
func (u *UI) RefreshStatus() {
	if u.status != nil {
		// Rendered before it returns (after a render running beside it, in
		// Fyne's test driver); nothing is built: what depends on the status
		// updates in place.
		u.renderMu.Lock()
		defer u.renderMu.Unlock()
		u.renderAgain.Store(false)
		u.Render(u.sess.Snapshot())
	}
}

// updateChrome refreshes what every screen shares: the status line and the
// idle warning.
func (u *UI) updateChrome(s session.Snapshot) {
	text := " "
	if u.opt.Status != nil {
		st := u.opt.Status()
		var parts []string
		if !st.Online {
			parts = append(parts, u.T("app.offline"))
		}
		if st.Printer != "" && st.Printer != "ready" {
			parts = append(parts, "🖨 "+u.stateLabel(kiosk.DeviceState(st.Printer)))
		}
		if len(parts) > 0 {
			text = strings.Join(parts, "  ·  ")
		}
	}
	if u.status.Text != text {
		u.status.SetText(text)
	}
	if s.Notice != "" && !u.cur.notices {
		msg := u.fit("！"+u.T(s.Notice), fynetheme.SizeNameSubHeadingText, true)
		if u.bannerText.Text != msg {
			u.bannerText.SetText(msg)
		}
		if !u.banner.Visible() {
			u.reveal(u.banner, u.bannerLayer)
		}
	} else if u.banner.Visible() {
		u.conceal(u.banner)
	}
	if s.Warning {
		msg := u.T("app.idle_warning", int(s.Remaining.Seconds()+0.5))
		msg = breakLines(msg, u.th.Size(fynetheme.SizeNameSubHeadingText), false, 860-4*u.th.Size(fynetheme.SizeNamePadding))
		if u.warnMsg.Text != msg {
			u.warnMsg.SetText(msg)
		}
		if !u.warn.Visible() {
			u.ask.Hide()
			u.warn.Show()
		}
	} else if u.warn.Visible() {
		u.warn.Hide()
	}
}

// reveal shows o, an overlay hidden since its screen was built, and has the
// window lay it out and paint it now. Neither happens by itself: Fyne's
// Container.Show only clears the hidden flag (a Border lays out only the
// visible, so the banner stayed 0×0 at the origin), and a widget's Refresh
// reaches the window only for objects the window has already walked, which
// it never does while they are hidden (the idle warning was in the tree,
// tappable, but not on the glass). Both showed only when something else
// happened to repaint the window soon after (a button's tap animation), so
// a card taken off a still screen, or the idle warning, showed nothing.
// layer, o's parent, is laid out again when it sizes its children by what
// is visible (nil when it lays out hidden objects too: a Stack).
func (u *UI) reveal(o fyne.CanvasObject, layer *fyne.Container) {
	o.Show()
	if layer != nil {
		layer.Refresh()
	}
	u.win.Canvas().Refresh(o)
}

// conceal hides o and has the window repaint without it.
func (u *UI) conceal(o fyne.CanvasObject) {
	o.Hide()
	u.win.Canvas().Refresh(o)
}

func (u *UI) newBanner() (*fyne.Container, *widget.Label) {
	l := widget.NewLabel("")
	l.SizeName = fynetheme.SizeNameSubHeadingText
	l.TextStyle.Bold = true
	l.Importance = widget.DangerImportance
	bg := canvas.NewRectangle(u.th.Color(fynetheme.ColorNameBackground, 0))
	bg.StrokeColor = kiotheme.Red
	bg.StrokeWidth = 4
	b := container.NewStack(bg, container.NewPadded(l))
	b.Hide()
	return b, l
}

func (u *UI) warning() (*modal, *widget.Label) {
	msg := widget.NewLabel("")
	msg.SizeName = fynetheme.SizeNameSubHeadingText
	more := u.primary(u.T("app.more_time"), u.sess.MoreTime)
	exit := widget.NewButton(u.T("app.exit"), u.sess.End)
	m := newModal(u, container.NewVBox(msg, more, exit))
	return m, msg
}

// modal is a shade over the whole screen with a card in the middle. The
// shade takes every press, tap and drag itself: nothing reaches the screen
// below while it is shown.
type modal struct {
	widget.BaseWidget
	u    *UI
	card *fyne.Container
	body *fyne.Container
}

var (
	_ fyne.Tappable   = (*modal)(nil)
	_ fyne.Draggable  = (*modal)(nil)
	_ fyne.Scrollable = (*modal)(nil)
)

func newModal(u *UI, body fyne.CanvasObject) *modal {
	m := &modal{u: u, body: container.NewVBox()}
	if body != nil {
		m.body.Objects = []fyne.CanvasObject{body}
	}
	m.card = container.NewStack(canvas.NewRectangle(u.th.Color(fynetheme.ColorNameBackground, 0)), container.NewPadded(m.body))
	m.ExtendBaseWidget(m)
	m.Hide()
	return m
}

// show fills the card with a question and two answers and shows it.
func (m *modal) show(question, yes string, onYes func(), no string, onNo func()) {
	q := m.u.label(question, fynetheme.SizeNameSubHeadingText, false)
	m.body.Objects = []fyne.CanvasObject{q, m.u.primary(no, onNo), widget.NewButton(yes, onYes)}
	m.body.Refresh()
	m.Show()
}

// Show shows the shade and has the window paint it now (see UI.reveal: a
// widget hidden since it was built is not repainted by its own Show).
func (m *modal) Show() {
	m.BaseWidget.Show()
	m.u.win.Canvas().Refresh(m)
}

// Hide hides the shade and has the window repaint without it.
func (m *modal) Hide() {
	m.BaseWidget.Hide()
	m.u.win.Canvas().Refresh(m)
}

func (m *modal) Tapped(*fyne.PointEvent)    {}
func (m *modal) Dragged(*fyne.DragEvent)    {}
func (m *modal) DragEnd()                   {}
func (m *modal) Scrolled(*fyne.ScrollEvent) {}

func (m *modal) CreateRenderer() fyne.WidgetRenderer {
	shade := canvas.NewRectangle(color.NRGBA{A: 0x99})
	return widget.NewSimpleRenderer(container.NewStack(shade, container.NewCenter(container.New(minWidth{860}, m.card))))
}

// minWidth lays its objects over its area and asks for at least w wide.
type minWidth struct{ w float32 }

func (m minWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return fyne.NewSize(max(s.Width, m.w), s.Height)
}

func (m minWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// Helpers shared by the screens.

func (u *UI) heading(text string) *widget.Label {
	return u.label(text, fynetheme.SizeNameHeadingText, true)
}

func (u *UI) para(text string) *widget.Label {
	return u.label(text, fynetheme.SizeNameText, false)
}

func (u *UI) caption(text string) *widget.Label {
	l := u.label(text, fynetheme.SizeNameCaptionText, false)
	l.Importance = widget.LowImportance
	return l
}

// label is a paragraph broken into lines that fit the screen.
func (u *UI) label(text string, size fyne.ThemeSizeName, bold bool) *widget.Label {
	l := widget.NewLabel(breakLines(text, u.th.Size(size), bold, u.textWidth()))
	l.SizeName = size
	l.TextStyle.Bold = bold
	return l
}

func (u *UI) primary(text string, tap func()) *widget.Button {
	b := widget.NewButton(text, tap)
	b.Importance = widget.HighImportance
	return b
}

// tall makes a big tile button of at least the touch target.
func (u *UI) tile(text string, tap func()) fyne.CanvasObject {
	b := widget.NewButton(text, tap)
	return container.New(minHeight{u.th.Size(kiotheme.SizeNameTarget) * 1.6}, b)
}

// pageOf returns the items of page *page and a pager row whose buttons
// move *page and call again (the caller rebuilds its region).
func pageOf[T any](u *UI, items []T, per int, page *int, again func()) ([]T, fyne.CanvasObject) {
	if per <= 0 || len(items) <= per {
		return items, nil
	}
	pages := (len(items) + per - 1) / per
	*page = min(max(*page, 0), pages-1)
	lo := *page * per
	hi := min(lo+per, len(items))
	prev := widget.NewButton(u.T("app.prev_page"), func() { *page--; again(); u.sess.Touch() })
	next := widget.NewButton(u.T("app.next_page"), func() { *page++; again(); u.sess.Touch() })
	if *page == 0 {
		prev.Disable()
	}
	if *page >= pages-1 {
		next.Disable()
	}
	label := widget.NewLabelWithStyle(u.T("app.page", *page+1, pages), fyne.TextAlignCenter, fyne.TextStyle{})
	return items[lo:hi], container.NewGridWithColumns(3, prev, label, next)
}

func (u *UI) perPage(normal int) int {
	if u.th.Elder {
		return max(2, normal*2/3)
	}
	return normal
}

// bottom makes the bottom bar: back on the left, the main action on the right.
func (u *UI) bottom(back bool, main fyne.CanvasObject) fyne.CanvasObject {
	var left fyne.CanvasObject = layout.NewSpacer()
	if back {
		left = widget.NewButton(u.T("app.back"), u.sess.Back)
	}
	if main == nil {
		main = layout.NewSpacer()
	}
	return container.NewPadded(container.NewGridWithColumns(2, left, main))
}

// notice is the screen's short message line (a card that could not be
// read…). Its space is always there, two lines high, so that a notice
// appearing moves nothing under the finger.
func (u *UI) notice(s session.Snapshot) fyne.CanvasObject {
	u.cur.notices = true
	l := u.para("")
	l.Importance = widget.DangerImportance
	u.onUpdate(s, func(s session.Snapshot) {
		text := ""
		if s.Notice != "" {
			text = "！" + u.T(s.Notice)
		}
		setLines(l, u.fit(text, fynetheme.SizeNameText, false), 2)
	})
	return l
}

// fit breaks text to the screen's width at a text size.
func (u *UI) fit(text string, size fyne.ThemeSizeName, bold bool) string {
	return breakLines(text, u.th.Size(size), bold, u.textWidth())
}

// setLines shows text padded to at least n lines, so that the label's
// height does not change when the text comes and goes.
func setLines(l *widget.Label, text string, n int) {
	if lines := strings.Count(text, "\n") + 1; lines < n {
		text += strings.Repeat("\n ", n-lines)
	}
	if text == "" {
		text = " "
	}
	if l.Text != text {
		l.SetText(text)
	}
}

func vbox(objs ...fyne.CanvasObject) *fyne.Container {
	var keep []fyne.CanvasObject
	for _, o := range objs {
		if o != nil {
			keep = append(keep, o)
		}
	}
	return container.NewVBox(keep...)
}

// page_ is the usual screen: content in a scroll area a finger drags (and
// the mouse wheel scrolls), above a bottom bar.
func (u *UI) page_(content fyne.CanvasObject, bottom fyne.CanvasObject) fyne.CanvasObject {
	ts := widgets.NewTouchScroll(container.NewPadded(content))
	ts.OnTouch = u.sess.Touch
	if u.cur != nil {
		u.cur.scroll = ts
	}
	return container.NewBorder(nil, bottom, nil, nil, ts)
}

// minHeight lays its objects over its whole area and asks for at least h.
type minHeight struct{ h float32 }

func (m minHeight) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return fyne.NewSize(s.Width, max(s.Height, m.h))
}

func (m minHeight) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Resize(size)
		o.Move(fyne.NewPos(0, 0))
	}
}

// columnsFor returns how many columns of buttons with these labels fit the
// window side by side, at most max: long labels in 长辈模式 get one column
// rather than pushing the screen wider than the display.
func (u *UI) columnsFor(labels []string, max int) int { return u.columnsForExtra(labels, max, 0) }

// columnsForExtra is columnsFor for tiles that need extra width beside
// their label (a pictogram).
func (u *UI) columnsForExtra(labels []string, max int, extra float32) int {
	width := u.win.Canvas().Size().Width
	if width <= 0 {
		width = 1080
	}
	size := u.th.Size(fynetheme.SizeNameText)
	pad := u.th.Size(fynetheme.SizeNameInnerPadding)*2 + u.th.Size(fynetheme.SizeNamePadding)*3
	widest := float32(0)
	for _, l := range labels {
		widest = fyne.Max(widest, fyne.MeasureText(l, size, fyne.TextStyle{}).Width+pad+extra)
	}
	usable := width - 4*u.th.Size(fynetheme.SizeNamePadding)
	n := max
	for n > 1 && float32(n)*widest > usable {
		n--
	}
	return n
}

// breakLines breaks text into lines that fit width at the given text size,
// with the kiosk's one line breaker (kiosk.BreakLines: no 、，。 at the start
// of a line, numbers and Latin words kept whole), measured with the theme's
// font. Fyne's own wrapping measures a label before it knows its width,
// which leaves wrapped paragraphs overlapping the next widget in a VBox;
// lines broken here give every label its true height.
func breakLines(text string, size float32, bold bool, width float32) string {
	if width <= 0 {
		return text
	}
	style := fyne.TextStyle{Bold: bold}
	return strings.Join(kiosk.BreakLines(text, func(line string) bool {
		return fyne.MeasureText(line, size, style).Width <= width
	}), "\n")
}

// textWidth is the width paragraphs are broken to: the window less the
// scroll area's and the containers' padding.
func (u *UI) textWidth() float32 {
	if u.cur != nil && u.cur.width > 0 {
		return u.cur.width
	}
	w := u.win.Canvas().Size().Width
	if w <= 0 {
		w = 1080
	}
	p := u.th.Size(fynetheme.SizeNamePadding)
	ip := u.th.Size(fynetheme.SizeNameInnerPadding)
	return w - 6*p - 2*ip - u.th.Size(fynetheme.SizeNameScrollBar)
}
