package diag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
)

// Self-test results in the bundle (selftest.json): a run made for the
// bundle, without the checks that spend paper or need a person (the test
// receipt, the A4 page, a scan, a test card, a QR code to show, a spoken
// prompt), and the last full self-test the maintenance screen ran, which
// the kiosk keeps in its data directory. When the running kiosk holds the
// devices, kioskctl's own run finds their ports taken (selftest.ReasonBusy)
// and the kept run is what shows the devices.

// SelfTestReport is selftest.json.
type SelfTestReport struct {
	At      time.Time         `json:"at"`
	Through string            `json:"through"` // "running kiosk" or "kioskctl"
	Note    string            `json:"note,omitempty"`
	Results []selftest.Result `json:"results"`
	Failed  int               `json:"failed"`
	// DevicesHeld: kioskctl found ports held by the running kiosk.
	DevicesHeld bool `json:"devices_held,omitempty"`
	// Last is the last self-test run on the maintenance screen.
	Last *SavedSelfTest `json:"last_maintenance_selftest,omitempty"`
}

// SavedSelfTest is a self-test the kiosk kept.
type SavedSelfTest struct {
	At      time.Time         `json:"at"`
	Results []selftest.Result `json:"results"`
}

// SelfTestPath is where the kiosk keeps its last maintenance self-test.
func SelfTestPath(dataDir string) string { return filepath.Join(dataDir, "selftest-last.json") }

// SaveSelfTest keeps a maintenance self-test (atomically, fsynced).
func SaveSelfTest(path string, at time.Time, rs []selftest.Result) error {
	b, err := json.Marshal(SavedSelfTest{At: at.UTC(), Results: rs})
	if err != nil {
		return err
	}
	if err := auth.WriteFileSync(path, b, 0o600); err != nil {
		return fmt.Errorf("diag: keep self-test: %w", err)
	}
	return nil
}

// LoadSelfTest reads the kept self-test; nil, nil when there is none.
func LoadSelfTest(path string) (*SavedSelfTest, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("diag: kept self-test: %w", err)
	}
	var s SavedSelfTest
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("diag: kept self-test %s: %w", path, err)
	}
	return &s, nil
}

// BundleSkips are the checks a bundle's own run leaves out: they print,
// scan, speak or wait for a person.
var BundleSkips = []string{"receipt", "a4", "scan", "voice"}

// Passive drops the plan's checks with these names (BundleSkips for
// kioskctl's own checks; the running kiosk's scanner and reader checks only
// read their states, so it drops the test slip alone).
func Passive(p selftest.Plan, skip ...string) selftest.Plan {
	var out selftest.Plan
	for _, c := range p {
		drop := false
		for _, s := range skip {
			drop = drop || c.Name == s
		}
		if !drop {
			out = append(out, c)
		}
	}
	return out
}

// AddSelfTest runs plan and adds selftest.json with the kept maintenance
// self-test at keptPath ("" none).
func (b *Bundle) AddSelfTest(ctx context.Context, through string, plan selftest.Plan, keptPath, note string) {
	r := SelfTestReport{At: time.Now().UTC(), Through: through, Note: note, Results: []selftest.Result{}}
	if plan != nil {
		r.Results = selftest.Run(ctx, plan)
	}
	r.Failed = len(selftest.Failed(r.Results))
	for _, res := range r.Results {
		if res.Reason == selftest.ReasonBusy {
			r.DevicesHeld = true
		}
	}
	if r.DevicesHeld {
		r.Note += "the running kiosk holds some devices: their state is in last_maintenance_selftest (run it on the maintenance screen for a fresh one)"
	}
	if keptPath != "" {
		last, err := LoadSelfTest(keptPath)
		if err != nil {
			r.Note += "; " + err.Error()
		}
		r.Last = last
	}
	b.Add("selftest.json", r)
}
