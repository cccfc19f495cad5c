package terminal

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/catalogsig"
)

func start(t *testing.T) *Terminal {
	t.Helper()
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	var log *slog.Logger
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	term, err := Start(context.Background(), cfg, Options{Fast: true, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { term.Close() })
	return term
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestWalkingSkeleton runs the whole path without a window: a simulated card
// is read through the GA 467 codec over a pty, the resident picks a service,
// the application is committed to SQLite, the receipt goes to the simulated
// printer as ESC/POS, the relay uploads it to the platform emulator over HTTP,
// the resident rates, and the session ends with the personal data gone.
func TestWalkingSkeleton(t *testing.T) {
	term := start(t)
	s := term.Session
	card, err := testcards.Get("resident")
	if err != nil {
		t.Fatal(err)
	}
	if err := term.Sims.Reader.PlaceCard(card); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "card read", 10*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenHome })
	if got := s.Snapshot().Identity; got.IDNumber != card.IDNumber || got.Name != card.Name {
		t.Fatalf("identity read %q %q, placed %q %q", got.Name, got.IDNumber, card.Name, card.IDNumber)
	}

	// The first frequent item a resident can finish here (a face check
	// needs staff: session.NeedsPerson) with an attachment to upload (a
	// signed commitment or a scan), handled with whatever each material
	// allows.
	var item *kiosk.ServiceItem
	for _, it := range s.Frequent() {
		attaches := slices.ContainsFunc(it.Materials, func(m kiosk.MaterialSpec) bool {
			return m.Committable || (!m.FromCard && !m.Deferrable && m.ELicence == "")
		})
		if attaches && !slices.ContainsFunc(it.Materials, session.NeedsPerson) {
			item = it
			break
		}
	}
	if item == nil {
		t.Fatal("no frequent item without a face check")
	}
	if err := s.ChooseItem(item.Code); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	FillSample(s, item)
	if !s.SubmitForm() {
		t.Fatalf("form refused: %v", s.Snapshot().FieldErrors)
	}
	for i, m := range s.Snapshot().Materials {
		if m.Mode != "" {
			continue
		}
		switch {
		case m.Spec.Committable:
			if err := s.SetMaterialMode(i, kiosk.MaterialCommitted); err != nil {
				t.Fatal(err)
			}
			if err := s.Sign([]byte("\x89PNG\r\n\x1a\n signature")); err != nil {
				t.Fatal(err)
			}
		case m.Spec.Deferrable:
			_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
		default:
			s.ScanMaterial(i)
			waitFor(t, "scan", 60*time.Second, func() bool { return s.Snapshot().Materials[i].Mode == kiosk.MaterialScanned })
		}
	}
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	s.Submit()
	waitFor(t, "receipt", 30*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenDone })
	snap := s.Snapshot()
	if snap.PrintErr != nil {
		t.Fatalf("print: %v", snap.PrintErr)
	}
	no := snap.Receipt.AcceptanceNo
	if term.Sims.Printer.LastReceipt() == nil {
		t.Fatal("the printer simulator rendered no receipt")
	}
	// Durable before the receipt: the store has it.
	sum, err := term.Store.FindByAcceptanceNo(context.Background(), no)
	if err != nil {
		t.Fatal(err)
	}
	// The relay delivers it to the emulator exactly once.
	var got api.Received
	waitFor(t, "upload", 30*time.Second, func() bool {
		rec, err := term.Sims.Platform.Received()
		if err != nil {
			return false
		}
		for _, r := range rec {
			if r.InstanceID == sum.InstanceID && r.Submitted {
				got = r
				return true
			}
		}
		return false
	})
	if got.AcceptanceNo != no || len(got.Attachments) == 0 {
		t.Errorf("platform holds %+v", got)
	}
	waitFor(t, "marked submitted", 10*time.Second, func() bool {
		s, err := term.Store.FindByAcceptanceNo(context.Background(), no)
		return err == nil && s.State.Synced()
	})

	s.OpenRating()
	if err := s.Rate(kiosk.VerySatisfied, nil); err != nil {
		t.Fatal(err)
	}
	snap = s.Snapshot()
	if snap.Screen != session.ScreenEnd || snap.Identity != nil || len(snap.Form) != 0 || snap.Receipt != nil {
		t.Fatalf("personal data left on screen: %+v", snap)
	}
}

// TestOfflineThenOnline: with the link cut the application is queued and
// the receipt printed; when the link returns it is delivered.
func TestOfflineThenOnline(t *testing.T) {
	term := start(t)
	term.Sims.Net.Set(false)
	card, _ := testcards.Get("resident")
	_ = term.Sims.Reader.PlaceCard(card)
	s := term.Session
	waitFor(t, "card read", 10*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenHome })
	// An item with no required scans keeps this test short.
	var code string
	for _, it := range term.Catalog.Items {
		ok := it.Kiosk
		for _, m := range it.Materials {
			if m.Required && !m.FromCard && !m.Committable && !m.Deferrable && m.ELicence == "" {
				ok = false
			}
		}
		if ok {
			code = it.Code
			break
		}
	}
	if code == "" {
		t.Fatal("no kiosk item without required scans in the catalogue: this test needs one")
	}
	_ = s.ChooseItem(code)
	s.StartForm()
	it, _ := term.Catalog.Item(code)
	FillSample(s, it)
	if !s.SubmitForm() {
		t.Fatalf("form: %v", s.Snapshot().FieldErrors)
	}
	for i, m := range s.Snapshot().Materials {
		if m.Mode == "" && m.Spec.Committable {
			_ = s.SetMaterialMode(i, kiosk.MaterialCommitted)
			_ = s.Sign([]byte("sig"))
		} else if m.Mode == "" && m.Spec.Deferrable {
			_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
		}
	}
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	s.Submit()
	waitFor(t, "receipt", 30*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenDone })
	no := s.Snapshot().Receipt.AcceptanceNo
	// Not synced through the cut link: wait until the relay has tried it
	// (and failed), then look; no sleep that a slow machine outruns.
	waitFor(t, "an attempt through the cut link", 30*time.Second, func() bool {
		sum, err := term.Store.FindByAcceptanceNo(context.Background(), no)
		return err == nil && (sum.Attempts > 0 || sum.State.Synced())
	})
	if sum, _ := term.Store.FindByAcceptanceNo(context.Background(), no); sum.State.Synced() || sum.LastError == "" {
		t.Fatalf("through a cut link: state %s, last error %q", sum.State, sum.LastError)
	}
	term.Sims.Net.Set(true)
	waitFor(t, "sync after the link returns", 30*time.Second, func() bool {
		sum, err := term.Store.FindByAcceptanceNo(context.Background(), no)
		return err == nil && sum.State.Synced()
	})
}

// TestCatalogueUpdateSurvivesRestart: a newer signed catalogue pulled from
// the platform takes over between residents, is kept by the store and is
// used at the next start.
func TestCatalogueUpdateSurvivesRestart(t *testing.T) {
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := assets.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	c.Version = 2
	c.Items[0].Name = "更新后的事项名称"
	raw, _ := json.Marshal(c)
	signed, err := catalogsig.Sign(term.Sims.CatalogKey, raw, 2, time.Now(), time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(signed)
	if err := term.Sims.Platform.SetCatalog(b); err != nil {
		t.Fatal(err)
	}
	if err := term.Relay.PullCatalog(context.Background()); err != nil {
		t.Fatal(err)
	}
	// On the attract screen the newer catalogue takes over at once.
	if v := term.Session.Catalog().Version; v != 2 {
		t.Fatalf("live catalogue version %d after the pull", v)
	}
	term.Close()

	term2, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term2.Close()
	if term2.Catalog.Version != 2 || term2.Catalog.Items[0].Name != "更新后的事项名称" {
		t.Fatalf("after restart: catalogue version %d, first item %q", term2.Catalog.Version, term2.Catalog.Items[0].Name)
	}
}
