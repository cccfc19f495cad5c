package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// keyedStore behaves like the offline store where idempotency matters: an
// instance ID stored with the same content is a no-op, with other content a
// conflict; an acceptance number is unique. failOn makes chosen Enqueue calls
// fail (1-based), as a full disk or a timeout would.
type keyedStore struct {
	fakeStore
	calls  int
	failOn map[int]error
	byID   map[string]*kiosk.Application
	byNo   map[string]string
}

func newKeyedStore() *keyedStore {
	return &keyedStore{failOn: map[int]error{}, byID: map[string]*kiosk.Application{}, byNo: map[string]string{}}
}

func (k *keyedStore) Enqueue(ctx context.Context, a *kiosk.Application, files map[string][]byte) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls++
	if err := k.failOn[k.calls]; err != nil {
		return err
	}
	if have, ok := k.byID[a.InstanceID]; ok {
		if fmt.Sprint(*have) != fmt.Sprint(*a) {
			return errors.New("conflicting application already stored")
		}
		return nil
	}
	if id, ok := k.byNo[a.AcceptanceNo]; ok && id != a.InstanceID {
		return fmt.Errorf("conflict: %w", kiosk.ErrAcceptanceNoTaken)
	}
	cp := *a
	k.byID[a.InstanceID], k.byNo[a.AcceptanceNo] = &cp, a.InstanceID
	k.apps = append(k.apps, &cp)
	return nil
}

func newKeyedSession(t *testing.T, st *keyedStore) (*Session, *fakePrinter) {
	t.Helper()
	pr := &fakePrinter{}
	clk := &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.Local)}
	n := 0
	s := New(Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01", Name: "双流村"}, QueryBase: "https://q/track"},
		Deps{Catalog: catalog(), Store: st, Printer: pr, Scanner: fakeScanner{}, Clock: clk,
			NewID: func() string { n++; return fmt.Sprintf("id-%d", n) }})
	return s, pr
}

// perItem counts the stored applications of each item code.
func perItem(st *keyedStore) map[string]int {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := map[string]int{}
	for _, a := range st.apps {
		out[a.ItemCode]++
	}
	return out
}

// TestBundleResubmitAfterSecondItemFails: the bundle's second item fails to
// save, the resident taps 提交 again: each item is stored once, item A under
// the instance ID it first had, and both receipts print. Mutation killed:
// buildApplication calling NewID() on every attempt (A stored twice).
func TestBundleResubmitAfterSecondItemFails(t *testing.T) {
	st := newKeyedStore()
	st.failOn[2] = errors.New("enqueue: disk full") // item B, first attempt
	s, pr := newKeyedSession(t, st)
	s.CardRead(card())
	if err := s.ChooseBundle("BB"); err != nil {
		t.Fatal(err)
	}
	submitChosen(t, s)
	waitFor(t, "back on review", func() bool { snap := s.Snapshot(); return !snap.Busy && snap.Screen == ScreenReview })
	if s.Snapshot().SubmitErr == nil {
		t.Fatal("the failure was not reported")
	}
	firstA := st.apps[0].InstanceID
	s.Submit()
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	if got := perItem(st); got["A"] != 1 || got["B"] != 1 || len(st.apps) != 2 {
		t.Fatalf("stored per item %v (%d applications), want A and B once each", got, len(st.apps))
	}
	if st.apps[0].InstanceID != firstA {
		t.Errorf("item A changed instance ID across the retry: %s then %s", firstA, st.apps[0].InstanceID)
	}
	if len(pr.receipts) != 2 || pr.receipts[0].AcceptanceNo == pr.receipts[1].AcceptanceNo {
		t.Errorf("receipts %+v", pr.receipts)
	}
	// The next choice is a new application, not the old draft again.
	s.Home()
	if err := s.ChooseItem("A"); err != nil {
		t.Fatal(err)
	}
	submitChosen(t, s)
	waitFor(t, "done again", func() bool { snap := s.Snapshot(); return snap.Screen == ScreenDone && !snap.Busy })
	if got := perItem(st); got["A"] != 2 {
		t.Errorf("a second application of A after the first was done: stored %v", got)
	}
}

// TestResubmitKeepsInstanceIDAndNumber: a single item whose save failed
// (a timeout that might have landed) keeps its instance ID and acceptance
// number on the retry, so the retry is the same application. Mutation
// killed: taking a fresh acceptance number on every attempt.
func TestResubmitKeepsInstanceIDAndNumber(t *testing.T) {
	st := newKeyedStore()
	st.failOn[1] = context.DeadlineExceeded
	s, _ := newKeyedSession(t, st)
	s.CardRead(card())
	_ = s.ChooseItem("A")
	submitChosen(t, s)
	waitFor(t, "back on review", func() bool { snap := s.Snapshot(); return !snap.Busy && snap.Screen == ScreenReview })
	s.Submit()
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	if len(st.apps) != 1 || st.apps[0].InstanceID != "id-1" || st.seq != 1 {
		t.Fatalf("stored %d applications, first %q, %d acceptance numbers taken; want id-1 and one number", len(st.apps), st.apps[0].InstanceID, st.seq)
	}
}

// TestAcceptanceNumberTakenGetsANewOne: a clash on the acceptance number
// (numbering behind after a terminal replacement) makes the retry take a new
// number, under the same instance ID.
func TestAcceptanceNumberTakenGetsANewOne(t *testing.T) {
	st := newKeyedStore()
	st.failOn[1] = fmt.Errorf("enqueue: %w", kiosk.ErrAcceptanceNoTaken)
	s, _ := newKeyedSession(t, st)
	s.CardRead(card())
	_ = s.ChooseItem("A")
	submitChosen(t, s)
	waitFor(t, "back on review", func() bool { snap := s.Snapshot(); return !snap.Busy && snap.Screen == ScreenReview })
	s.Submit()
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	if len(st.apps) != 1 || st.seq != 2 || st.apps[0].InstanceID != "id-1" {
		t.Fatalf("stored %d, numbers taken %d, id %q", len(st.apps), st.seq, st.apps[0].InstanceID)
	}
}

// TestDoubleTapSubmitsOnce: two taps on 提交 at once (two goroutines, as
// the touch layer and a key press could) make one application.
func TestDoubleTapSubmitsOnce(t *testing.T) {
	st := newKeyedStore()
	s, pr := newKeyedSession(t, st)
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.StartForm()
	s.SetField("phone", "13800138000")
	if !s.SubmitForm() {
		t.Fatal("form refused")
	}
	_ = s.SetMaterialMode(1, kiosk.MaterialCommitted)
	_ = s.Sign([]byte("sig"))
	_ = s.SetMaterialMode(2, kiosk.MaterialDeferred)
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); s.Submit() }()
	}
	wg.Wait()
	waitFor(t, "done", func() bool { snap := s.Snapshot(); return snap.Screen == ScreenDone && !snap.Busy })
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.calls != 1 || len(pr.receipts) != 1 {
		t.Fatalf("%d Enqueue calls, %d receipts for one tap burst", st.calls, len(pr.receipts))
	}
}

// TestDraftsWipedWithTheSession: a failed submission's drafts (which hold
// the applicant and the form) go with the session's wipe. Mutation killed:
// reset not clearing s.drafts.
func TestDraftsWipedWithTheSession(t *testing.T) {
	st := newKeyedStore()
	st.failOn[1] = errors.New("enqueue: disk full")
	s, _ := newKeyedSession(t, st)
	s.CardRead(card())
	_ = s.ChooseItem("A")
	submitChosen(t, s)
	waitFor(t, "back on review", func() bool { snap := s.Snapshot(); return !snap.Busy && snap.Screen == ScreenReview })
	s.mu.Lock()
	d := s.drafts["A"]
	s.mu.Unlock()
	if d == nil || d.app.Applicant.IDNumber == "" {
		t.Fatal("no draft kept after the failure")
	}
	app := d.app
	s.End()
	s.mu.Lock()
	left := len(s.drafts)
	s.mu.Unlock()
	if left != 0 || app.Applicant.IDNumber != "" || len(app.Form) != 0 {
		t.Errorf("after the session ended: %d drafts, ID %q, form %v", left, app.Applicant.IDNumber, app.Form)
	}
}
