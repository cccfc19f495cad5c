package session

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fakeStore struct {
	mu      sync.Mutex
	seq     int
	apps    []*kiosk.Application
	files   []map[string][]byte
	ratings []kiosk.Rating
	fail    error
}

func (f *fakeStore) NextAcceptanceSeq(ctx context.Context, day time.Time) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	return f.seq, nil
}
func (f *fakeStore) Enqueue(ctx context.Context, a *kiosk.Application, files map[string][]byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	cp := *a
	cp.State = kiosk.StateQueued
	f.apps = append(f.apps, &cp)
	f.files = append(f.files, files)
	return nil
}
func (f *fakeStore) SaveRating(ctx context.Context, r kiosk.Rating) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ratings = append(f.ratings, r)
	return nil
}
func (f *fakeStore) Progress(ctx context.Context, id, no string) ([]ProgressLine, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []ProgressLine
	for _, a := range f.apps {
		if (id != "" && a.Applicant.IDNumber == id) || (no != "" && a.AcceptanceNo == no) {
			out = append(out, ProgressLine{AcceptanceNo: a.AcceptanceNo, ItemName: a.ItemName, State: a.State})
		}
	}
	return out, nil
}

type fakePrinter struct {
	mu       sync.Mutex
	receipts []kiosk.Receipt
	fail     error
}

func (p *fakePrinter) Print(ctx context.Context, r kiosk.Receipt) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail != nil {
		return p.fail
	}
	p.receipts = append(p.receipts, r)
	return nil
}

type fakeScanner struct{}

func (fakeScanner) ScanMaterial(ctx context.Context) ([]byte, [][]byte, error) {
	return []byte("%PDF-1.4 fake"), [][]byte{[]byte("png")}, nil
}

func catalog() *kiosk.Catalog {
	item := func(code string) kiosk.ServiceItem {
		return kiosk.ServiceItem{Code: code, BasicCode: "000000000001", Name: "事项" + code, Type: kiosk.TypeBenefit,
			Category: "sb", Agency: "人社局", LegalBasis: "社会保险法", LegalLimitDays: 20, PromisedLimitDays: 5, Kiosk: true, Frequent: true,
			Materials: []kiosk.MaterialSpec{
				{ID: "id", Name: "居民身份证", Required: true, FromCard: true},
				{ID: "proof", Name: "收入证明", Required: true, Committable: true, Commitment: "本人承诺属实"},
				{ID: "bank", Name: "银行卡", Required: true, Deferrable: true, DeferDays: 5},
				{ID: "hukou", Name: "户口簿", Required: false},
			},
			Form: []kiosk.FieldSpec{
				{Key: "name", Label: "姓名", Kind: kiosk.FieldText, Required: true, Prefill: "name"},
				{Key: "id_number", Label: "身份证号", Kind: kiosk.FieldIDNumber, Required: true, Prefill: "id_number"},
				{Key: "phone", Label: "手机", Kind: kiosk.FieldMobile, Required: true},
			}}
	}
	return &kiosk.Catalog{Version: 1, Categories: []kiosk.Category{{ID: "sb", Name: "社保"}},
		Items:   []kiosk.ServiceItem{item("A"), item("B")},
		Bundles: []kiosk.Bundle{{Code: "BB", Name: "一件事", Items: []string{"A", "B"}}}}
}

func card() *kiosk.Identity {
	return &kiosk.Identity{CardType: kiosk.CardResident, Source: kiosk.SourceCard, Name: "张三", IDNumber: "11010519491231002X", SexCode: "2"}
}

func newSession(t *testing.T) (*Session, *fakeStore, *fakePrinter, *fakeClock) {
	t.Helper()
	st, pr := &fakeStore{}, &fakePrinter{}
	clk := &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.Local)} // a Monday
	s := New(Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01", Name: "双流村"}, QueryBase: "https://q/track",
		IdleTimeout: 60 * time.Second, WarnFor: 20 * time.Second},
		Deps{Catalog: catalog(), Store: st, Printer: pr, Scanner: fakeScanner{}, Clock: clk, Staff: fakeStaff{}})
	return s, st, pr, clk
}

// waitFor polls until cond holds: submit and scan run on goroutines.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// submitChosen fills the chosen item's (or bundle's) form, handles its
// materials by commitment and 容缺, and submits.
func submitChosen(t *testing.T, s *Session) {
	t.Helper()
	s.StartForm()
	s.SetField("phone", "13800138000")
	if !s.SubmitForm() {
		t.Fatalf("form refused: %v", s.Snapshot().FieldErrors)
	}
	_ = s.SetMaterialMode(1, kiosk.MaterialCommitted)
	_ = s.Sign([]byte("sig"))
	_ = s.SetMaterialMode(2, kiosk.MaterialDeferred)
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	s.Submit()
}

func TestWholeVisit(t *testing.T) {
	s, st, pr, _ := newSession(t)
	s.CardRead(card())
	if got := s.Snapshot().Screen; got != ScreenHome {
		t.Fatalf("after card: %s", got)
	}
	if err := s.ChooseItem("A"); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	snap := s.Snapshot()
	if snap.Form["name"] != "张三" || snap.Form["id_number"] != "11010519491231002X" {
		t.Fatalf("not pre-filled: %v", snap.Form)
	}
	if s.SubmitForm() {
		t.Fatal("form without phone accepted")
	}
	if !errors.Is(s.Snapshot().FieldErrors["phone"], kiosk.ErrRequired) {
		t.Fatalf("errors: %v", s.Snapshot().FieldErrors)
	}
	s.SetField("phone", "1380013800")
	if !errors.Is(s.Snapshot().FieldErrors["phone"], kiosk.ErrMobile) {
		t.Fatalf("bad phone not flagged: %v", s.Snapshot().FieldErrors)
	}
	s.SetField("phone", "13800138000")
	if !s.SubmitForm() {
		t.Fatalf("form refused: %v", s.Snapshot().FieldErrors)
	}
	snap = s.Snapshot()
	if snap.Screen != ScreenMaterials || len(snap.Materials) != 4 || snap.Materials[0].Mode != kiosk.MaterialFromCard {
		t.Fatalf("materials: %+v", snap.Materials)
	}
	if err := s.Review(); !errors.Is(err, ErrMaterialsIncomplete) {
		t.Fatalf("review with undecided materials: %v", err)
	}
	if err := s.SetMaterialMode(2, kiosk.MaterialCommitted); !errors.Is(err, ErrModeNotAllowed) {
		t.Fatalf("commitment on a non-committable material: %v", err)
	}
	if err := s.SetMaterialMode(1, kiosk.MaterialCommitted); err != nil || s.Snapshot().Screen != ScreenSign {
		t.Fatalf("commit: %v %s", err, s.Snapshot().Screen)
	}
	if err := s.Sign(nil); !errors.Is(err, ErrEmptySignature) {
		t.Fatal("empty signature accepted")
	}
	if err := s.Sign([]byte("\x89PNG sig")); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMaterialMode(2, kiosk.MaterialDeferred); err != nil {
		t.Fatal(err)
	}
	// 5 working days after Monday 23 November is Monday 30 November.
	if due := s.Snapshot().Materials[2].Due.String(); due != "2026-11-30" {
		t.Errorf("容缺 due %s", due)
	}
	s.ScanMaterial(3)
	waitFor(t, "scan", func() bool { return s.Snapshot().Materials[3].Mode == kiosk.MaterialScanned })
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	s.Submit()
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	snap = s.Snapshot()
	if len(st.apps) != 1 || len(pr.receipts) != 1 || snap.PrintErr != nil {
		t.Fatalf("apps %d receipts %d err %v", len(st.apps), len(pr.receipts), snap.PrintErr)
	}
	app := st.apps[0]
	if app.AcceptanceNo != "330106001-T01-20261123-0001" || app.Form["phone"] != "13800138000" || len(app.Attachments) != 2 {
		t.Errorf("application: %+v", app)
	}
	if r := pr.receipts[0]; r.ApplicantName != "张*" || r.ApplicantID != "110***********002X" || len(r.Committed) != 1 || len(r.Deferred) != 1 || len(r.Received) != 2 {
		t.Errorf("receipt: %+v", r)
	}
	s.OpenRating()
	if err := s.Rate(kiosk.Dissatisfied, []string{"等待时间长"}); err != nil {
		t.Fatal(err)
	}
	if len(st.ratings) != 1 || st.ratings[0].InstanceID != app.InstanceID {
		t.Errorf("ratings: %+v", st.ratings)
	}
	snap = s.Snapshot()
	if snap.Screen != ScreenEnd || snap.Identity != nil || len(snap.Form) != 0 || snap.Receipt != nil {
		t.Errorf("personal data left after end: %+v", snap)
	}
}

func TestBundleMakesOneApplicationPerItem(t *testing.T) {
	s, st, pr, _ := newSession(t)
	s.CardRead(card())
	if err := s.ChooseBundle("BB"); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	s.SetField("phone", "13800138000")
	if !s.SubmitForm() {
		t.Fatal("form refused")
	}
	if n := len(s.Snapshot().Materials); n != 4 {
		t.Fatalf("bundle asks %d materials, want each once (4)", n)
	}
	_ = s.SetMaterialMode(1, kiosk.MaterialCommitted)
	_ = s.Sign([]byte("sig"))
	_ = s.SetMaterialMode(2, kiosk.MaterialDeferred)
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	s.Submit()
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	if len(st.apps) != 2 || len(pr.receipts) != 2 || st.apps[0].BundleCode != "BB" {
		t.Fatalf("apps %d receipts %d", len(st.apps), len(pr.receipts))
	}
}

func TestPrintFailureKeepsApplicationAndOffersReprint(t *testing.T) {
	s, st, pr, _ := newSession(t)
	pr.fail = errors.New("paper out")
	s.CardRead(card())
	_ = s.ChooseItem("A")
	submitChosen(t, s)
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	if len(st.apps) != 1 || s.Snapshot().PrintErr == nil {
		t.Fatal("application lost or print error hidden")
	}
	pr.mu.Lock()
	pr.fail = nil
	pr.mu.Unlock()
	s.Reprint()
	waitFor(t, "reprint", func() bool { sn := s.Snapshot(); return !sn.Busy && sn.PrintErr == nil })
	if len(pr.receipts) != 1 {
		t.Fatalf("reprinted %d", len(pr.receipts))
	}
}

func TestStoreFailureStaysOnReview(t *testing.T) {
	s, st, _, _ := newSession(t)
	st.fail = errors.New("disk full")
	s.CardRead(card())
	_ = s.ChooseItem("A")
	submitChosen(t, s)
	waitFor(t, "error", func() bool { return s.Snapshot().SubmitErr != nil })
	if sn := s.Snapshot(); sn.Screen != ScreenReview || sn.Form["phone"] != "13800138000" {
		t.Fatalf("input lost after a failed commit: %+v", sn)
	}
}

func TestIdleTimeoutWarnsThenEnds(t *testing.T) {
	s, _, _, clk := newSession(t)
	s.CardRead(card())
	clk.Add(59 * time.Second)
	s.Tick()
	if s.Snapshot().Warning {
		t.Fatal("warned too early")
	}
	clk.Add(2 * time.Second)
	s.Tick()
	sn := s.Snapshot()
	if !sn.Warning || sn.Remaining != 19*time.Second {
		t.Fatalf("warning %v remaining %v", sn.Warning, sn.Remaining)
	}
	s.MoreTime()
	clk.Add(70 * time.Second)
	s.Tick()
	if sn := s.Snapshot(); sn.Screen != ScreenHome {
		t.Fatalf("ended despite more time: %s", sn.Screen)
	}
	clk.Add(11 * time.Second)
	s.Tick()
	sn = s.Snapshot()
	if sn.Screen != ScreenEnd || sn.Identity != nil {
		t.Fatalf("after timeout: %s identity %v", sn.Screen, sn.Identity)
	}
	s.CardRemoved() // the resident takes the card (TestCardLeftOnReaderAfterEnd: when not)
	clk.Add(10 * time.Second)
	s.Tick()
	if s.Snapshot().Screen != ScreenAttract {
		t.Fatal("end screen stuck")
	}
}

func TestRareCharactersAskForConfirmation(t *testing.T) {
	s, _, _, _ := newSession(t)
	id := card()
	id.Name = "王\ue8a1"
	id.RareChars = []rune{0xe8a1}
	s.CardRead(id)
	if s.Snapshot().Screen != ScreenConfirmID {
		t.Fatal("rare characters not confirmed")
	}
	s.ConfirmIdentity()
	if s.Snapshot().Screen != ScreenHome {
		t.Fatal("confirmation did not continue")
	}
}

func TestManualEntryRecordsAgent(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.StartManual()
	if err := s.SubmitManual("", staffPIN, "张三", "11010519491231002X"); !errors.Is(err, ErrAgentRequired) {
		t.Fatal("manual entry without agent")
	}
	if err := s.SubmitManual("G0012", "", "张三", "11010519491231002X"); !errors.Is(err, ErrPINRequired) {
		t.Fatal("manual entry without the agent's PIN")
	}
	if err := s.SubmitManual("G0012", staffPIN, "张三", "110105194912310021"); !errors.Is(err, kiosk.ErrIDChecksum) {
		t.Fatalf("bad ID accepted: %v", err)
	}
	if err := s.SubmitManual("G0012", staffPIN, "张三", "11010519491231002X"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "home", func() bool { return s.Snapshot().Screen == ScreenHome })
	sn := s.Snapshot()
	if sn.Screen != ScreenHome || sn.Agent != "G0012" || sn.AgentName != "王芳" || sn.Identity.Source != kiosk.SourceManual || sn.Identity.Birth.String() != "1949-12-31" {
		t.Fatalf("manual: %+v", sn)
	}
}

func TestProgressByReceiptQR(t *testing.T) {
	s, st, _, _ := newSession(t)
	st.apps = []*kiosk.Application{{AcceptanceNo: "N1", InstanceID: "abc", TrackSecret: "k1", ItemName: "事项A", State: kiosk.StateAccepted}}
	s.QRScanned("https://q/track?no=N1&id=abc&k=k1")
	waitFor(t, "progress", func() bool { return len(s.Snapshot().Progress) == 1 })
	if sn := s.Snapshot(); sn.Screen != ScreenProgress || sn.Progress[0].State != kiosk.StateAccepted {
		t.Fatalf("%+v", sn)
	}
	s.QRScanned("garbage")
	if s.Snapshot().Notice != "notice.qr_unknown" {
		t.Fatal("garbage QR not reported")
	}
}

func TestSecondCardIgnoredMidSession(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.CardRead(card())
	_ = s.ChooseItem("A")
	other := card()
	other.Name = "李四"
	s.CardRead(other)
	if sn := s.Snapshot(); sn.Identity.Name != "张三" || sn.Screen != ScreenGuide {
		t.Fatal("a second card took over the session")
	}
}

type fakeEID struct{ id *kiosk.Identity }

func (f fakeEID) Verify(ctx context.Context, payload string) (*kiosk.Identity, error) {
	if payload != "CTID:good" {
		return nil, errors.New("not verified")
	}
	return f.id, nil
}

func TestElectronicID(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.QRScanned("CTID:good")
	if s.Snapshot().Notice != "notice.eid_unavailable" {
		t.Fatal("no verifier: the resident is not told to use the card")
	}
	s2 := New(Config{}, Deps{Catalog: catalog(), Store: &fakeStore{}, Printer: &fakePrinter{}, EID: fakeEID{id: card()}})
	s2.QRScanned("CTID:bad")
	if s2.Snapshot().Notice != "notice.eid_failed" || s2.Snapshot().Identity != nil {
		t.Fatal("a failed verification started a session")
	}
	s2.QRScanned("CTID:good")
	if sn := s2.Snapshot(); sn.Screen != ScreenHome || sn.Identity.Source != kiosk.SourceQR {
		t.Fatalf("verified electronic ID: %+v", sn)
	}
}

type fakeForms struct {
	mu    sync.Mutex
	items []string
	fail  error
}

func (f *fakeForms) PrintForm(ctx context.Context, a *kiosk.Application, it *kiosk.ServiceItem) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.items = append(f.items, it.Code+":"+a.Form["phone"])
	return nil
}

func TestPrintFormsOnA4(t *testing.T) {
	forms := &fakeForms{}
	st, pr := &fakeStore{}, &fakePrinter{}
	s := New(Config{Station: kiosk.Station{Code: "S", Terminal: "T01"}}, Deps{Catalog: catalog(), Store: st, Printer: pr, Forms: forms})
	if !s.CanPrintForms() {
		t.Fatal("forms printer not seen")
	}
	s.CardRead(card())
	_ = s.ChooseBundle("BB")
	submitChosen(t, s)
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	s.PrintForms()
	waitFor(t, "forms", func() bool { return s.Snapshot().FormsPrinted })
	if len(forms.items) != 2 || forms.items[0] != "A:13800138000" {
		t.Fatalf("forms printed: %v", forms.items)
	}
	forms.fail = errors.New("media-empty")
	s.PrintForms()
	waitFor(t, "form error", func() bool { return s.Snapshot().FormErr != nil })
	if s.Snapshot().FormsPrinted {
		t.Fatal("a failed print reported as printed")
	}
}

func TestNewCatalogueWaitsForTheSessionToEnd(t *testing.T) {
	s, _, _, _ := newSession(t)
	newer := catalog()
	newer.Version = 2
	newer.Items[0].Name = "新名称"
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.SetCatalog(newer)
	if s.Catalog().Version != 1 || s.Snapshot().Item.Name != "事项A" {
		t.Fatal("catalogue changed under the resident")
	}
	s.End()
	if s.Catalog().Version != 2 {
		t.Fatal("newer catalogue not taken after the session")
	}
	it, _ := s.Catalog().Item("A")
	if it.Name != "新名称" {
		t.Fatalf("item name %q", it.Name)
	}
	// On the attract screen it applies at once.
	s2, _, _, _ := newSession(t)
	s2.SetCatalog(newer)
	if s2.Catalog().Version != 2 {
		t.Fatal("not applied on the attract screen")
	}
}
