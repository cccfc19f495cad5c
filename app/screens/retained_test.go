package screens

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/i18n"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/app/widgets"
)

var portrait = fyne.NewSize(1080, 1920)

// texts returns every text shown in the tree.
func texts(root fyne.CanvasObject) []string {
	var out []string
	walk(root, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Label:
			out = append(out, v.Text)
		case *widget.Button:
			out = append(out, v.Text)
		case *canvas.Text:
			out = append(out, v.Text)
		case *widget.Entry:
			out = append(out, v.Text)
		case *widget.RichText:
			out = append(out, v.String())
		}
	})
	return out
}

func shows(root fyne.CanvasObject, sub string) bool {
	for _, t := range texts(root) {
		if strings.Contains(t, sub) {
			return true
		}
	}
	return false
}

func find[T fyne.CanvasObject](root fyne.CanvasObject) T {
	var found T
	var ok bool
	walk(root, func(o fyne.CanvasObject) {
		if v, is := o.(T); is && !ok {
			found, ok = v, true
		}
	})
	return found
}

func abs(o fyne.CanvasObject) fyne.Position {
	return fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
}

// relayout lays the whole tree out again from the top, as the desktop
// driver does before painting when a minimum size has changed (the test
// canvas does not), so that a position read afterwards is where a finger
// would find the object.
func relayout(w fyne.Window) {
	var rec func(o fyne.CanvasObject)
	rec = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch v := o.(type) {
		case *fyne.Container:
			if v.Layout != nil {
				v.Layout.Layout(v.Objects, v.Size())
			}
			for _, c := range v.Objects {
				rec(c)
			}
		case *container.Scroll:
			v.Refresh()
			rec(v.Content)
		case fyne.Widget:
			r := test.WidgetRenderer(v)
			r.Layout(v.Size())
			for _, c := range r.Objects() {
				rec(c)
			}
		}
	}
	w.Content().Resize(w.Canvas().Size())
	rec(w.Content())
}

// pension opens the form of the pension certification for the card holder.
func pension(t *testing.T, s *session.Session) kiosk.ServiceItem {
	t.Helper()
	s.CardRead(resident())
	it := s.Frequent()[0]
	if err := s.ChooseItem(it.Code); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	return *it
}

func fieldOf(t *testing.T, it kiosk.ServiceItem, kind kiosk.FieldKind, prefill string) kiosk.FieldSpec {
	t.Helper()
	for _, f := range it.Form {
		if f.Kind == kind && (prefill == "" || f.Prefill == prefill) {
			return f
		}
	}
	t.Fatalf("item %s has no %s field", it.Code, kind)
	return kiosk.FieldSpec{}
}

// Defect 1 (issue 10): the whole screen was rebuilt every second, wiping the
// pinyin composition and candidates (the name became 昂昂王).
func TestTickKeepsThePinyinComposition(t *testing.T) {
	s, u, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, portrait)
	it := pension(t, s)
	name := fieldOf(t, it, kiosk.FieldText, "name")
	tapButton(t, w, s.Snapshot().Form[name.Key])
	k := find[*widgets.PinyinKeyboard](w.Content())
	if k == nil {
		t.Fatal("no pinyin keyboard after tapping the name")
	}
	builds := u.Builds()
	for _, r := range "wang" { // three keys a second, the idle timer ticking
		test.Tap(k.Key(string(r)))
		clk.Add(350 * time.Millisecond)
		s.Tick()
	}
	for i := 0; i < 5; i++ {
		clk.Add(time.Second)
		s.Tick()
	}
	if u.Builds() != builds {
		t.Errorf("ticks built the screen %d times", u.Builds()-builds)
	}
	if now := find[*widgets.PinyinKeyboard](w.Content()); now != k {
		t.Fatal("the keyboard was replaced by a tick")
	}
	if k.Engine().Buffer() != "wang" {
		t.Fatalf("composition %q after ticks, want wang", k.Engine().Buffer())
	}
	cand := k.Candidate(0).Text
	test.Tap(k.Candidate(0))
	s.Tick()
	if got, want := s.Snapshot().Form[name.Key], resident().Name+cand; got != want {
		t.Fatalf("name %q, want %q", got, want)
	}
}

// Defect 1: a slow 150 ms press spanning a tick must land on the same key
// object it started on; and the numeric pad types every digit.
func TestTickKeepsTheKeysUnderTheFinger(t *testing.T) {
	s, _, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, portrait)
	it := pension(t, s)
	phone := fieldOf(t, it, kiosk.FieldMobile, "")
	tapButton(t, w, phone.Hint)
	pad := find[*widgets.NumericPad](w.Content())
	for _, d := range "13800138000" {
		key := pad.Key(string(d))
		clk.Add(150 * time.Millisecond)
		s.Tick() // the tick lands between press and release
		if find[*widgets.NumericPad](w.Content()) != pad {
			t.Fatal("a tick replaced the pad mid-press")
		}
		test.Tap(key)
	}
	if got := s.Snapshot().Form[phone.Key]; got != "13800138000" {
		t.Fatalf("phone %q", got)
	}
}

// Defect 2: live validation of the phone number inserted a banner and an
// error line and pushed the keypad down 137 px.
func TestPhoneErrorMovesNothing(t *testing.T) {
	s, _, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, portrait)
	it := pension(t, s)
	phone := fieldOf(t, it, kiosk.FieldMobile, "")
	tapButton(t, w, phone.Hint)
	pad := find[*widgets.NumericPad](w.Content())
	relayout(w)
	before := abs(pad)
	test.Tap(pad.Key("1"))
	relayout(w)
	if s.Snapshot().FieldErrors[phone.Key] == nil {
		t.Fatal("no live error after one digit (the test needs one)")
	}
	if !shows(w.Content(), "×") {
		t.Fatal("the error is not shown")
	}
	if after := abs(pad); after != before {
		t.Fatalf("the keypad moved from %v to %v when the error appeared", before, after)
	}
	// The error stays until the field changes.
	for i := 0; i < 3; i++ {
		clk.Add(time.Second)
		s.Tick()
	}
	if !shows(w.Content(), "×") {
		t.Fatal("the inline error went away by itself")
	}
}

// Defect 2: the status line appearing pushed the attract buttons up 55 px.
func TestStatusLineMovesNothing(t *testing.T) {
	var mu sync.Mutex
	online := true
	opt := Options{Status: func() Status { mu.Lock(); defer mu.Unlock(); return Status{Online: online, Printer: "ready"} }}
	_, u, w, _ := setupWith(t, false, opt, portrait)
	b := findButton(w.Content(), u.T("attract.progress"))
	relayout(w)
	before := abs(b)
	mu.Lock()
	online = false
	mu.Unlock()
	u.RefreshStatus()
	relayout(w)
	if !shows(w.Content(), u.T("app.offline")) {
		t.Fatal("offline not shown")
	}
	if after := abs(b); after != before {
		t.Fatalf("办件进度查询 moved from %v to %v", before, after)
	}
}

// Defect 3: the idle warning was not modal: a tap through the shade opened
// a service.
func TestIdleWarningIsModal(t *testing.T) {
	s, _, w, _ := setup(t, false)
	s.CardRead(resident())
	tile := findButton(w.Content(), s.Frequent()[0].Name)
	pos := abs(tile).Add(fyne.NewPos(20, 20))
	clk.Add(91 * time.Second)
	s.Tick()
	if !s.Snapshot().Warning {
		t.Fatal("no warning")
	}
	test.TapCanvas(w.Canvas(), pos)
	if sn := s.Snapshot(); sn.Screen != session.ScreenHome {
		t.Fatalf("a tap through the warning opened %s", sn.Screen)
	}
	tapButton(t, w, "需要更多时间")
	if s.Snapshot().Warning {
		t.Fatal("more time did not dismiss the warning")
	}
	test.TapCanvas(w.Canvas(), pos)
	if s.Snapshot().Screen != session.ScreenGuide {
		t.Fatal("the tile does not work once the warning is gone")
	}
}

// sigPad adapts the widgets' pad as cmd/kiosk does.
type sigPad struct{ *widgets.SignaturePad }

func (p sigPad) IsEmpty() bool { return p.Empty() }

// Defect 3: drawing on the signature pad did not count as activity, so the
// session timed out while an elder signed.
func TestSignatureStrokesKeepTheSessionAlive(t *testing.T) {
	var pad *widgets.SignaturePad
	opt := Options{NewSignaturePad: func() SignaturePad { pad = widgets.NewSignaturePad(fyne.NewSize(900, 400)); return sigPad{pad} }}
	s, u, w, _ := setupWith(t, false, opt, portrait)
	toSign(t, s)
	if s.Snapshot().Screen != session.ScreenSign || pad == nil {
		t.Fatalf("not signing: %s", s.Snapshot().Screen)
	}
	builds := u.Builds()
	origin := abs(pad.Area()).Add(fyne.NewPos(100, 100))
	for i := 0; i < 6; i++ { // a slow signature: a stroke every 20 s
		clk.Add(20 * time.Second)
		s.Tick()
		test.Drag(w.Canvas(), origin.Add(fyne.NewPos(float32(i*60), 0)), 50, 40)
	}
	clk.Add(20 * time.Second)
	s.Tick()
	if sn := s.Snapshot(); sn.Warning || sn.Screen != session.ScreenSign {
		t.Fatalf("signing for 2 minutes: warning %v, screen %s", sn.Warning, sn.Screen)
	}
	if got := len(pad.Area().Strokes()); got != 6 {
		t.Fatalf("%d strokes kept, want 6", got)
	}
	if u.Builds() != builds {
		t.Fatal("the sign screen was rebuilt while signing")
	}
}

// toSign walks to the 告知承诺 signature of an item that allows one.
func toSign(t *testing.T, s *session.Session) {
	t.Helper()
	s.CardRead(resident())
	for i := range s.Catalog().Items {
		it := &s.Catalog().Items[i]
		if !it.Kiosk {
			continue
		}
		for _, m := range it.Materials {
			if !m.Committable {
				continue
			}
			_ = s.ChooseItem(it.Code)
			s.StartForm()
			for _, f := range it.Form {
				if v := s.Snapshot().Form[f.Key]; v == "" || kiosk.CheckField(f, v) != nil {
					s.SetField(f.Key, kiosk.SampleValue(f))
				}
			}
			if !s.SubmitForm() {
				t.Fatalf("form of %s: %v", it.Code, s.Snapshot().FieldErrors)
			}
			for i, mc := range s.Snapshot().Materials {
				if mc.Spec.Committable {
					if err := s.SetMaterialMode(i, kiosk.MaterialCommitted); err != nil {
						t.Fatal(err)
					}
					return
				}
			}
		}
	}
	t.Fatal("the catalogue has no item with a 告知承诺")
}

// Defect 5: finger-drag scrolling did not exist, so anything below the fold
// was unreachable on a touchscreen; a short wobble must still be a tap.
func TestDragScrollsAndAWobbleStillTaps(t *testing.T) {
	s, u, w, _ := setup(t, true)
	s.CardRead(resident())
	ts := u.cur.scroll
	if ts == nil {
		t.Fatal("home has no touch scroll area")
	}
	mid := abs(ts).Add(fyne.NewPos(500, 600))
	test.Drag(w.Canvas(), mid, 0, -400)
	if ts.Offset().Y < 300 {
		t.Fatalf("a 400 px drag up scrolled %v", ts.Offset().Y)
	}
	// A press that wanders 5 px on a tile is a tap on the tile.
	var tile *widget.Button
	for _, it := range s.Frequent() {
		if b := findButton(w.Content(), it.Name); b != nil && abs(b).Y > abs(ts).Y {
			tile = b
			break
		}
	}
	if tile == nil {
		t.Fatal("no tile visible after scrolling")
	}
	test.Drag(w.Canvas(), abs(tile).Add(fyne.NewPos(40, 30)), 3, 2)
	if s.Snapshot().Screen != session.ScreenGuide {
		t.Fatalf("a wobbly press on a tile: %s", s.Snapshot().Screen)
	}
}

// Defect 9: 首页/退出 discarded a half-filled form without asking.
func TestLeavingAFormAsksFirst(t *testing.T) {
	s, u, w, _ := setup(t, false)
	pension(t, s)
	tapButton(t, w, u.T("app.home"))
	if s.Snapshot().Screen != session.ScreenForm {
		t.Fatal("首页 left the form without asking")
	}
	tapButton(t, w, u.T("app.discard_no"))
	if s.Snapshot().Screen != session.ScreenForm || u.ask.Visible() {
		t.Fatal("继续填写 did not keep the form")
	}
	tapButton(t, w, u.T("app.exit"))
	tapButton(t, w, u.T("app.discard_yes"))
	if s.Snapshot().Screen != session.ScreenEnd {
		t.Fatalf("放弃 did not exit: %s", s.Snapshot().Screen)
	}
}

// Defect 4: the numeric pad's own 确定 did nothing (OnConfirm not wired).
func TestPadConfirmClosesTheEditor(t *testing.T) {
	s, _, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, portrait)
	it := pension(t, s)
	tapButton(t, w, fieldOf(t, it, kiosk.FieldMobile, "").Hint)
	pad := find[*widgets.NumericPad](w.Content())
	test.Tap(pad.Key(widgets.LabelConfirm))
	if find[*widgets.NumericPad](w.Content()) != nil {
		t.Fatal("确定 left the pad open")
	}
}

// Defect 4: the search screen's 确定 was func(){}.
func TestSearchConfirmShowsTheResults(t *testing.T) {
	s, _, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, portrait)
	s.CardRead(resident())
	s.OpenSearch()
	k := find[*widgets.PinyinKeyboard](w.Content())
	if k == nil {
		t.Fatal("no keyboard on the search screen")
	}
	test.Tap(k.Key(widgets.LabelConfirm))
	if find[*widgets.PinyinKeyboard](w.Content()) != nil {
		t.Fatal("确定 left the keyboard open")
	}
}

// Defect 4: 朗读指南 stayed visible and silent without an audio player; the
// 放置身份证 box looked like a button and did nothing.
func TestNoSilentVoiceButtons(t *testing.T) {
	s, u, w, _ := setup(t, false)
	if findButton(w.Content(), u.T("attract.hint_card")) != nil {
		t.Error("放置身份证 is a button that does nothing")
	}
	s.CardRead(resident())
	_ = s.ChooseItem(s.Frequent()[0].Code)
	if findButton(w.Content(), u.T("guide.read_aloud")) != nil {
		t.Error("朗读指南 shown with no audio player")
	}
	_, u2, w2, _ := setupWith(t, false, Options{Voice: func(bool) {}}, portrait)
	u2.sess.CardRead(resident())
	_ = u2.sess.ChooseItem(u2.sess.Frequent()[0].Code)
	if findButton(w2.Content(), u2.T("guide.read_aloud")) == nil {
		t.Error("朗读指南 missing with a voice")
	}
}

// Defect 7: review masked the phone number the resident had just typed.
func TestReviewShowsWhatWasTyped(t *testing.T) {
	s, u, w, _ := setup(t, false)
	it := pension(t, s)
	phone := fieldOf(t, it, kiosk.FieldMobile, "")
	for _, f := range it.Form {
		if v := s.Snapshot().Form[f.Key]; v == "" {
			s.SetField(f.Key, kiosk.SampleValue(f))
		}
	}
	s.SetField(phone.Key, "13912345678")
	if !s.SubmitForm() {
		t.Fatal(s.Snapshot().FieldErrors)
	}
	for i, m := range s.Snapshot().Materials {
		if m.Mode == "" {
			_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
		}
	}
	// Review refuses while the face check is open; show it directly.
	sn := s.Snapshot()
	sn.Screen = session.ScreenReview
	u.Render(sn)
	if !shows(w.Content(), "13912345678") {
		t.Fatalf("review does not show the phone as typed: %q", texts(w.Content()))
	}
}

// Defect 7: required choice fields carried no "*"; empty fields said 点击修改.
func TestFormMarksRequiredChoicesAndHints(t *testing.T) {
	s, _, w, _ := setup(t, false)
	it := pension(t, s)
	choice := fieldOf(t, it, kiosk.FieldChoice, "")
	if !choice.Required {
		t.Fatal("the pension form has no required choice: the test needs one to check the \"*\"")
	}
	if !shows(w.Content(), choice.Label+" *") {
		t.Errorf("required choice %q has no *", choice.Label)
	}
	if shows(w.Content(), "点击修改") {
		t.Error("an empty field says 点击修改")
	}
	s.Home()
	s.OpenSearch()
	if shows(w.Content(), "点击修改") {
		t.Error("the search box says 点击修改")
	}
}

// Defect 9: the rare-character screen showed "U+E81A" to residents.
func TestRareCharactersShowNoCodePoints(t *testing.T) {
	s, _, w, _ := setup(t, false)
	id := resident()
	id.Name = "王\ue81a明"
	id.RareChars = []rune{0xe81a}
	s.CardRead(id)
	if s.Snapshot().Screen != session.ScreenConfirmID {
		t.Fatal("not on confirm_id")
	}
	if shows(w.Content(), "U+") {
		t.Fatal("a code point is shown to the resident")
	}
}

// Defect 9: --lang en said "1 working days".
func TestEnglishSingularDay(t *testing.T) {
	s, u, w, _ := setupWith(t, false, Options{Lang: i18n.En}, portrait)
	s.CardRead(resident())
	var one *kiosk.ServiceItem
	for i := range s.Catalog().Items {
		if it := &s.Catalog().Items[i]; it.Kiosk && (it.LegalLimitDays == 1 || it.PromisedLimitDays == 1) {
			one = it
			break
		}
	}
	if one == nil {
		t.Fatal("no item with a 1-day limit")
	}
	_ = s.ChooseItem(one.Code)
	if shows(w.Content(), "1 working days") {
		t.Fatal(`"1 working days" shown`)
	}
	if !shows(w.Content(), "1 working day") {
		t.Fatalf("no day limit shown: %q", texts(w.Content()))
	}
	_ = u
}

// Defect 9: offline progress said 正在上传.
func TestOfflineProgressSaysWaiting(t *testing.T) {
	st := Status{Online: false}
	s, u, w, _ := setupWith(t, false, Options{Status: func() Status { return st }}, portrait)
	sn := s.Snapshot()
	sn.Screen = session.ScreenProgress
	sn.Progress = []session.ProgressLine{{AcceptanceNo: "X-1", ItemName: "某事项", State: kiosk.StateUploading}}
	u.Render(sn)
	if shows(w.Content(), kiosk.StateUploading.Label()) {
		t.Fatal("offline progress says 正在上传")
	}
	if !shows(w.Content(), u.T("progress.waiting_network")) {
		t.Fatal("offline progress does not say it waits for the network")
	}
}

// Defect 10: a 现场人脸识别 material was offered a flatbed scan.
func TestFaceCheckIsNotAScan(t *testing.T) {
	s, u, w, _ := setup(t, false)
	it := pension(t, s)
	for _, f := range it.Form {
		if v := s.Snapshot().Form[f.Key]; v == "" {
			s.SetField(f.Key, kiosk.SampleValue(f))
		}
	}
	if !s.SubmitForm() {
		t.Fatal(s.Snapshot().FieldErrors)
	}
	face := false
	for _, m := range s.Snapshot().Materials {
		face = face || needsPerson(m.Spec)
	}
	if !face {
		t.Fatal("the pension item has no face check (the test needs one)")
	}
	if findButton(w.Content(), u.T("materials.scan")) != nil {
		t.Fatal("a face check is offered a scan")
	}
	if !shows(w.Content(), u.T("materials.needs_staff")) {
		t.Fatal("the face check does not say it needs staff or a window")
	}
}

// Issue 12 item 10: the manual-entry and rating drafts lived outside the
// session's wipe; after the session ends nothing personal is in the tree.
func TestNoPersonalDataAfterTheSession(t *testing.T) {
	s, u, w, _ := setup(t, false)
	s.StartManual()
	// An agent types a name and an ID number into the draft.
	ek := find[*widget.Entry](w.Content())
	if ek != nil {
		t.Fatal("an editor is open before a tap")
	}
	tapButton(t, w, u.T("form.hint_text"))
	e := find[*widget.Entry](w.Content())
	e.SetText("李四光")
	tapButton(t, w, "√")
	tapButton(t, w, u.T("form.hint_id_number"))
	e = find[*widget.Entry](w.Content())
	e.SetText("110105194912310021")
	if !shows(w.Content(), "李四光") {
		t.Fatal("the draft is not shown (the test needs it)")
	}
	clk.Add(2 * time.Minute)
	s.Tick()
	if sn := s.Snapshot(); sn.Screen == session.ScreenManualID {
		t.Fatalf("the session did not end: %s", sn.Screen)
	}
	s.StartManual()
	for _, secret := range []string{"李四光", "110105194912310021", "1101"} {
		if shows(w.Content(), secret) {
			t.Errorf("%q left on screen after the session ended", secret)
		}
	}
}

// paperOut fails every print while out is set, counting the attempts.
type paperOut struct {
	mu    sync.Mutex
	out   bool
	tries int
}

func (p *paperOut) Print(context.Context, kiosk.Receipt) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tries++
	if p.out {
		return &session.DeviceError{Device: "printer", State: kiosk.DevicePaperOut}
	}
	return nil
}

// Defect 9: reprint while out of paper gave no feedback and spooled a
// second copy.
func TestReprintWhileOutOfPaper(t *testing.T) {
	pr := &paperOut{out: true}
	testPrinters.Store(t, pr)
	var mu sync.Mutex
	state := "paper_out"
	opt := Options{Status: func() Status { mu.Lock(); defer mu.Unlock(); return Status{Online: true, Printer: state} }}
	s, u, w, _ := setupWith(t, false, opt, portrait)
	submitSomething(t, s)
	if s.Snapshot().PrintErr == nil {
		t.Fatal("the receipt printed with no paper")
	}
	tries := pr.tries
	waitFor(t, func() bool { return findButton(w.Content(), u.T("done.reprint")) != nil })
	b := findButton(w.Content(), u.T("done.reprint"))
	if b == nil || !b.Disabled() {
		t.Fatalf("reprint offered while the printer is out of paper: %v %q", b != nil, texts(w.Content()))
	}
	if !shows(w.Content(), u.T("done.reprint_wait")) {
		t.Fatal("no word on why reprint waits")
	}
	mu.Lock()
	state = "ready"
	mu.Unlock()
	u.RefreshStatus()
	b = findButton(w.Content(), u.T("done.reprint"))
	if b == nil || b.Disabled() {
		t.Fatal("reprint not offered once the printer is ready")
	}
	pr.mu.Lock()
	pr.out = true
	pr.mu.Unlock()
	test.Tap(b)
	test.Tap(b) // a double tap
	waitFor(t, func() bool { return !s.Snapshot().Busy && shows(w.Content(), u.T("done.reprint_failed_again")) })
	if got := pr.tries - tries; got != 1 {
		t.Fatalf("a double tap on reprint printed %d times", got)
	}
	if !shows(w.Content(), u.T("done.reprint_failed_again")) {
		t.Fatal("a failed reprint says nothing new")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// submitSomething submits an item with no required scan and waits for done.
func submitSomething(t *testing.T, s *session.Session) {
	t.Helper()
	toSign(t, s)
	_ = s.Sign([]byte("sig"))
	for i, m := range s.Snapshot().Materials {
		if m.Mode == "" && m.Spec.Deferrable {
			_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
		}
	}
	if err := s.Review(); err != nil {
		t.Fatalf("review: %v", err)
	}
	s.Submit()
	waitFor(t, func() bool { sn := s.Snapshot(); return sn.Screen == session.ScreenDone && !sn.Busy })
}

// Defect 9: --lang en left the keypad labels Chinese; there was no language
// switch on screen.
func TestEnglishKeypadAndLanguageSwitch(t *testing.T) {
	s, _, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, portrait)
	tapButton(t, w, "English")
	if !shows(w.Content(), "中文") {
		t.Fatal("no way back to 中文 after switching to English")
	}
	it := pension(t, s)
	tapButton(t, w, s.Catalog().Text(i18n.En, fieldOf(t, it, kiosk.FieldMobile, "").Hint))
	if !shows(w.Content(), "Delete") || !shows(w.Content(), "OK") || shows(w.Content(), widgets.LabelBackspace) {
		t.Fatalf("keypad not in English: %q", texts(w.Content()))
	}
	s.Home()
	tapButton(t, w, "中文")
	if !shows(w.Content(), "搜索事项") {
		t.Fatal("switching back to 中文 did not take")
	}
}

// A card taken off the reader mid-form is told on the form itself (a
// banner), and the keypad under the finger does not move.
func TestCardRemovedBannerMovesNothing(t *testing.T) {
	s, u, w, _ := setupWith(t, false, Options{Keyboard: TouchKeyboard{}}, portrait)
	it := pension(t, s)
	tapButton(t, w, fieldOf(t, it, kiosk.FieldMobile, "").Hint)
	pad := find[*widgets.NumericPad](w.Content())
	relayout(w)
	before := abs(pad)
	s.CardRemoved()
	waitFor(t, func() bool { return u.banner.Visible() })
	relayout(w)
	if !strings.Contains(u.bannerText.Text, "身份证") {
		t.Fatalf("banner says %q", u.bannerText.Text)
	}
	if after := abs(pad); after != before {
		t.Fatalf("the keypad moved from %v to %v when the notice came", before, after)
	}
	if find[*widgets.NumericPad](w.Content()) != pad {
		t.Fatal("the notice rebuilt the form")
	}
}
