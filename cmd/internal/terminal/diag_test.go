package terminal

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/diag"
)

type fakeJournal struct{}

func (fakeJournal) Records(ctx context.Context, unit string, since time.Time, max int) ([]byte, error) {
	return []byte(`{"MESSAGE":"relay: queue drained","PRIORITY":"6","_HOSTNAME":"kiosk-1","KIOSK_SERVICE":"relay"}` + "\n"), nil
}

// TestMaintenanceBundleHasLogsAndSelfTest: the maintenance screen's bundle
// holds the service's filtered logs and a self-test run through the
// running kiosk's own devices (no test slip printed for it), with the last
// self-test the screen ran, kept across a restart of the terminal.
func TestMaintenanceBundleHasLogsAndSelfTest(t *testing.T) {
	bundleJournal = fakeJournal{}
	t.Cleanup(func() { bundleJournal = diag.Journalctl{} })
	dir := t.TempDir()
	cfg := adminConfig(t, dir)
	ctx := context.Background()
	term, err := Start(ctx, cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	s := term.Session
	for range 5 {
		s.CornerTap()
	}
	s.AdminLogin("246813")
	waitFor(t, "admin", 10*time.Second, func() bool { sn := s.Snapshot(); return sn.Admin.Report != nil && !sn.Admin.Busy })
	s.AdminSelfTest()
	waitFor(t, "self-test", 60*time.Second, func() bool { sn := s.Snapshot(); return sn.Admin.Action == "selftest" && !sn.Admin.Busy })
	term.Close()

	term, err = Start(ctx, cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	s = term.Session
	for range 5 {
		s.CornerTap()
	}
	s.AdminLogin("246813")
	waitFor(t, "admin", 10*time.Second, func() bool { sn := s.Snapshot(); return sn.Admin.Report != nil && !sn.Admin.Busy })
	printed, _ := term.Sims.Printer.Printed()
	s.AdminDiag()
	waitFor(t, "diag", 60*time.Second, func() bool { sn := s.Snapshot(); return sn.Admin.Action == "diag" && !sn.Admin.Busy })
	sn := s.Snapshot()
	if sn.Admin.ActionErr != nil {
		t.Fatal(sn.Admin.ActionErr)
	}
	files := tarFiles(t, sn.Admin.Done)
	var st diag.SelfTestReport
	if err := json.Unmarshal([]byte(files["kiosk-diag/selftest.json"]), &st); err != nil {
		t.Fatalf("selftest.json: %v", err)
	}
	names := map[string]bool{}
	for _, r := range st.Results {
		names[r.Name] = true
	}
	if st.Through != "running kiosk" || !names["idcard"] || !names["qr"] || !names["disk"] || !names["scan"] || !names["platform"] || names["receipt"] {
		t.Fatalf("selftest.json: %+v", st)
	}
	if st.Last == nil || len(st.Last.Results) == 0 || st.Last.Results[0].Name == "" {
		t.Fatalf("the kept maintenance self-test is missing: %+v", st.Last)
	}
	if got, _ := term.Sims.Printer.Printed(); got != printed {
		t.Fatalf("the bundle printed a slip (%d → %d)", printed, got)
	}
	logs := files["kiosk-diag/logs.json"]
	if !strings.Contains(logs, "relay: queue drained") || !strings.Contains(logs, "KIOSK_SERVICE") || strings.Contains(logs, "kiosk-1") {
		t.Fatalf("logs.json: %s", logs)
	}
}

func tarFiles(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = string(b)
	}
}
