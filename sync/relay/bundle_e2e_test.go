package relay

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/platformsim"
)

// flakyStore is the real store behind the session's port, with the second
// Enqueue failing once (a full disk, a timeout) as the bundle's second item
// is saved.
type flakyStore struct {
	st    *offline.Store
	mu    sync.Mutex
	calls int
}

func (f *flakyStore) NextAcceptanceSeq(ctx context.Context, day time.Time) (int, error) {
	return f.st.NextAcceptanceSeq(ctx, day)
}

func (f *flakyStore) Enqueue(ctx context.Context, a *kiosk.Application, files map[string][]byte) error {
	f.mu.Lock()
	f.calls++
	n := f.calls
	f.mu.Unlock()
	if n == 2 {
		return errors.New("enqueue: injected failure of the second item")
	}
	return f.st.Enqueue(ctx, a, files)
}

func (f *flakyStore) SaveRating(ctx context.Context, r kiosk.Rating) error {
	return f.st.SaveRating(ctx, r)
}

func (f *flakyStore) Progress(context.Context, string, string) ([]session.ProgressLine, error) {
	return nil, nil
}

type nopPrinter struct{}

func (nopPrinter) Print(context.Context, kiosk.Receipt) error { return nil }

func bundleCatalog() *kiosk.Catalog {
	item := func(code string) kiosk.ServiceItem {
		return kiosk.ServiceItem{Code: code, BasicCode: "000000000001", Name: "事项" + code, Type: kiosk.TypeBenefit,
			Category: "sb", Agency: "人社局", LegalBasis: "社会保险法", LegalLimitDays: 20, PromisedLimitDays: 5, Kiosk: true,
			Materials: []kiosk.MaterialSpec{
				{ID: "proof", Name: "收入证明", Required: true, Committable: true, Commitment: "本人承诺属实"},
			},
			Form: []kiosk.FieldSpec{
				{Key: "name", Label: "姓名", Kind: kiosk.FieldText, Required: true, Prefill: "name"},
				{Key: "phone", Label: "手机", Kind: kiosk.FieldMobile, Required: true},
			}}
	}
	return &kiosk.Catalog{Version: 1, Categories: []kiosk.Category{{ID: "sb", Name: "社保"}},
		Items:   []kiosk.ServiceItem{item("330100-000-GF-001"), item("330100-000-GF-002")},
		Bundles: []kiosk.Bundle{{Code: "BB", Name: "一件事", Items: []string{"330100-000-GF-001", "330100-000-GF-002"}}}}
}

// TestBundleRetryReachesThePlatformOnce drives a real session over the real
// store: the 一件事 bundle's second item fails to save, the resident taps 提交
// again, the relay drains to the emulator. The platform must hold each item
// exactly once and no application under two instance IDs. Mutation killed:
// buildApplication making a new instance ID on every attempt (the emulator
// then holds item A twice, same content under two IDs).
func TestBundleRetryReachesThePlatformOnce(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := offline.GenerateKeyFile(filepath.Join(dir, "store.key")); err != nil {
		t.Fatal(err)
	}
	key, err := offline.LoadKey(filepath.Join(dir, "store.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := offline.Open(ctx, filepath.Join(dir, "store"), key)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs := &flakyStore{st: st}
	s := session.New(session.Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01", Name: "双流村"}, QueryBase: "https://q/track"},
		session.Deps{Catalog: bundleCatalog(), Store: fs, Printer: nopPrinter{}})
	s.CardRead(&kiosk.Identity{CardType: kiosk.CardResident, Source: kiosk.SourceCard, Name: "张三", IDNumber: "11010519491231002X", SexCode: "2"})
	if err := s.ChooseBundle("BB"); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	s.SetField("phone", "13800138000")
	if !s.SubmitForm() {
		t.Fatalf("form refused: %v", s.Snapshot().FieldErrors)
	}
	if err := s.SetMaterialMode(0, kiosk.MaterialCommitted); err != nil {
		t.Fatal(err)
	}
	if err := s.Sign([]byte("\x89PNG signature")); err != nil {
		t.Fatal(err)
	}
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	wait := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if cond() {
				return
			}
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	s.Submit()
	wait("the failure", func() bool {
		sn := s.Snapshot()
		return !sn.Busy && sn.Screen == session.ScreenReview && sn.SubmitErr != nil
	})
	s.Submit()
	wait("the receipts", func() bool { return s.Snapshot().Screen == session.ScreenDone })

	sim := startSim(t, platformsim.Faults{}, 64<<10)
	r := New(st, sim.cl, Config{}, nil)
	if err := r.DrainOnce(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := sim.srv.Received()
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, rc := range got {
		per[rc.ItemCode]++
		if !rc.Submitted {
			t.Errorf("%s held, not submitted", rc.InstanceID)
		}
	}
	if len(got) != 2 || per["330100-000-GF-001"] != 1 || per["330100-000-GF-002"] != 1 {
		t.Errorf("the platform holds %d applications, per item %v; want each item once", len(got), per)
	}
	checkNoDuplicates(t, sim.srv)
}
