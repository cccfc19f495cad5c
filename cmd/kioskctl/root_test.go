package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/platformsim"
)

func ctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func waitUntil(t *testing.T, what string, d time.Duration, cond func() bool) {
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

// residentApplies walks one resident through the kiosk's session, card to
// receipt, for an item that needs no scan, and returns the acceptance number.
func residentApplies(t *testing.T, term *terminal.Terminal) string {
	t.Helper()
	s := term.Session
	card, err := testcards.Get("resident")
	if err != nil {
		t.Fatal(err)
	}
	if err := term.Sims.Reader.PlaceCard(card); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, "card read", 15*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenHome })
	var item *kiosk.ServiceItem
	for i := range term.Catalog.Items {
		it := &term.Catalog.Items[i]
		ok := it.Kiosk
		for _, m := range it.Materials {
			if m.Required && !m.FromCard && !m.Committable && !m.Deferrable && m.ELicence == "" {
				ok = false
			}
		}
		if ok && s.ChooseItem(it.Code) == nil {
			item = it
			break
		}
	}
	if item == nil {
		t.Fatal("no item without required scans that this resident may apply for")
	}
	s.StartForm()
	terminal.FillSample(s, item)
	if !s.SubmitForm() {
		t.Fatalf("form refused: %v", s.Snapshot().FieldErrors)
	}
	for i, m := range s.Snapshot().Materials {
		if m.Mode == "" && m.Spec.Committable {
			_ = s.SetMaterialMode(i, kiosk.MaterialCommitted)
			_ = s.Sign([]byte("\x89PNG\r\n\x1a\n signature"))
		} else if m.Mode == "" && m.Spec.Deferrable {
			_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
		}
	}
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	s.Submit()
	waitUntil(t, "receipt", 30*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenDone })
	no := s.Snapshot().Receipt.AcceptanceNo
	s.End()
	term.Sims.Reader.RemoveCard()
	waitUntil(t, "attract screen", 15*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenAttract })
	return no
}

// TestKioskctlSeesTheKiosksQueue is the composition root's test: the kiosk's
// parts start on a configuration file, residents queue applications through
// the session while the link is down, and kioskctl with the same file lists,
// counts, shows and exports exactly those, and `sync now` delivers them.
// Kills: kioskctl resolving its own store path (the old DATA/kiosk.db beside
// the kiosk's DATA/store/), or either side resolving the key differently.
func TestKioskctlSeesTheKiosksQueue(t *testing.T) {
	data := t.TempDir()
	cfgPath := filepath.Join(t.TempDir(), "kiosk.toml")
	if err := os.WriteFile(cfgPath, []byte(fmt.Sprintf("mode = \"simulation\"\n[store]\ndata_dir = %q\n", data)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	term, err := terminal.Start(context.Background(), cfg, terminal.Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	term.Sims.Net.Set(false) // the 4G link is down: everything stays queued
	want := map[string]bool{residentApplies(t, term): true, residentApplies(t, term): true}
	if len(want) != 2 {
		t.Fatalf("two residents got %d acceptance numbers", len(want))
	}

	// While the kiosk runs, kioskctl reads the same store.
	code, out, errs := ctl(t, "--config", cfgPath, "queue", "list", "--json")
	if code != 0 {
		t.Fatalf("queue list: %d %s", code, errs)
	}
	got := map[string]bool{}

	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var s offline.Summary
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatalf("list line %q: %v", l, err)
		}
		got[s.AcceptanceNo] = true

		if s.Test {
			t.Errorf("a resident's application is flagged test")
		}
	}
	if fmt.Sprint(keys(got)) != fmt.Sprint(keys(want)) {
		t.Fatalf("kioskctl lists %v, the kiosk queued %v", keys(got), keys(want))
	}
	if code, out, errs = ctl(t, "queue", "stats", "--config", cfgPath); code != 0 || !strings.Contains(out, "pending 2") {
		t.Errorf("queue stats: %d %q %s", code, out, errs)
	}
	for no := range want {
		if code, out, errs = ctl(t, "queue", "show", no, "--config", cfgPath); code != 0 || !strings.Contains(out, no) {
			t.Errorf("queue show %s: %d %q %s", no, code, out, errs)
		}
	}
	xfer := filepath.Join(t.TempDir(), "q.bkx")
	code, out, errs = ctl(t, "--config", cfgPath, "queue", "export", "--out", xfer, "--transfer-key", filepath.Join(t.TempDir(), "t.key"))
	if code != 0 || !strings.Contains(out, "exported 2 applications") {
		t.Errorf("queue export: %d %q %s", code, out, errs)
	}
	term.Close()

	// sync now with the same file sends the kiosk's two, to a platform.
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	code, out, errs = ctl(t, "sync", "now", "--config", cfgPath, "--platform", hs.URL, "--quiet", "--timeout", "60")
	if code != 0 || !strings.Contains(out, "queue drained: 2 submitted") {
		t.Fatalf("sync now: %d %q %s", code, out, errs)
	}
	rc, err := srv.Received()
	if err != nil {
		t.Fatal(err)
	}
	held := map[string]bool{}
	for _, r := range rc {
		if r.Submitted {
			held[r.AcceptanceNo] = true
		}
		if r.Test {
			t.Errorf("a resident's application %s reached the platform flagged test", r.AcceptanceNo)
		}
	}
	if fmt.Sprint(keys(held)) != fmt.Sprint(keys(want)) {
		t.Errorf("platform holds %v, want %v", keys(held), keys(want))
	}
	if code, out, _ = ctl(t, "queue", "stats", "--config", cfgPath); code != 0 || !strings.Contains(out, "pending 0") {
		t.Errorf("after sync: %q", out)
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestSyncNowRefusesAMissingStore: the old failure (an empty store created
// where the kiosk's was not, "queue drained: 0 submitted", exit 0) is a
// one-line refusal naming the path. Kills: OpenStore with Create for
// kioskctl.
func TestSyncNowRefusesAMissingStore(t *testing.T) {
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	data := t.TempDir()
	code, out, errs := ctl(t, "--data", data, "sync", "now", "--platform", hs.URL)
	if code != terminal.ClassStore.ExitCode() || strings.Contains(out, "drained") || !strings.Contains(errs, filepath.Join(data, "kiosk.db")) {
		t.Fatalf("sync now on no store: %d %q %q", code, out, errs)
	}
	if ents, _ := os.ReadDir(data); len(ents) != 0 {
		t.Errorf("sync now created %d files", len(ents))
	}
}
