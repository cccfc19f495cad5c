package diag

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/selftest"
)

// TestSelfTestBesideTheKiosk: a port the running kiosk holds makes the run
// say so (devices_held) and the kept maintenance self-test rides along;
// Passive leaves out what prints, scans or speaks.
func TestSelfTestBesideTheKiosk(t *testing.T) {
	kept := filepath.Join(t.TempDir(), "selftest-last.json")
	at := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	if err := SaveSelfTest(kept, at, []selftest.Result{{Name: "idcard", Title: "读卡器", OK: true, Reason: "通过"}}); err != nil {
		t.Fatal(err)
	}
	ran := map[string]bool{}
	check := func(name string, err error) selftest.Check {
		return selftest.Check{Name: name, Title: name, Run: func(context.Context) (string, error) { ran[name] = true; return "", err }}
	}
	plan := Passive(selftest.Plan{
		check("idcard", selftest.Fail(selftest.ReasonBusy, errors.New("busy"))),
		check("receipt", nil), check("a4", nil), check("scan", nil), check("voice", nil), check("disk", nil),
	}, BundleSkips...)
	var b Bundle
	b.AddSelfTest(context.Background(), "kioskctl", plan, kept, "")
	if ran["receipt"] || ran["a4"] || ran["scan"] || ran["voice"] || !ran["idcard"] || !ran["disk"] {
		t.Fatalf("ran %v", ran)
	}
	var r SelfTestReport
	if err := json.Unmarshal(b.Entries[0].Body, &r); err != nil || b.Entries[0].Name != "selftest.json" {
		t.Fatal(err)
	}
	if !r.DevicesHeld || r.Failed != 1 || !strings.Contains(r.Note, "last_maintenance_selftest") || r.Last == nil || !r.Last.At.Equal(at) || r.Last.Results[0].Title != "读卡器" {
		t.Fatalf("selftest.json %s", b.Entries[0].Body)
	}
	// Nothing kept yet: no last run, no error.
	b = Bundle{}
	b.AddSelfTest(context.Background(), "kioskctl", nil, filepath.Join(t.TempDir(), "none.json"), "simulated")
	var r2 SelfTestReport
	if err := json.Unmarshal(b.Entries[0].Body, &r2); err != nil || r2.Last != nil || r2.Note != "simulated" || r2.DevicesHeld {
		t.Fatalf("selftest.json %s", b.Entries[0].Body)
	}
}
