package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/diag"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/offline"
)

// The diagnostics bundle of a store holding every test card's application
// (name, ID number, address in the form too) holds none of their personal
// data, and no key material, but does hold the stats and the verify result.
func TestDiagBundleHasNoPersonalData(t *testing.T) {
	dir := t.TempDir()
	if err := offline.GenerateKeyFile(filepath.Join(dir, "store.key")); err != nil {
		t.Fatal(err)
	}
	keyBytes, _ := os.ReadFile(filepath.Join(dir, "store.key"))
	st := openCtlStore(t, dir)
	cards, err := testcards.All()
	if err != nil || len(cards) == 0 {
		t.Fatalf("testcards: %v", err)
	}
	var pii []string
	for i, c := range cards {
		id := c.Identity
		for _, v := range []string{id.Name, id.NameEN, id.IDNumber, id.PassNumber, id.Address} {
			if len(v) >= 4 {
				pii = append(pii, v)
			}
		}
		b := []byte("scan of " + id.Name)
		sum := sha256.Sum256(b)
		app := &kiosk.Application{InstanceID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), AcceptanceNo: fmt.Sprintf("330106001-T01-20261201-%04d", i+1),
			ItemCode: "X1", ItemName: "测试", Applicant: *id, CreatedAt: time.Now(), Test: true,
			Form:        map[string]string{"name": id.Name, "id_number": id.IDNumber, "address": id.Address},
			Attachments: []kiosk.Attachment{{ID: "p1", Name: id.Name + ".pdf", MediaType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}}}
		if err := st.Enqueue(context.Background(), app, map[string][]byte{"p1": b}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	m, _ := filepath.Glob(filepath.Join(dir, "attachments", "00000000-*", "*.seal"))
	if len(m) != 1 {
		t.Fatalf("sealed files %v", m)
	}
	os.Truncate(m[0], 0) // one damaged, for verify.json

	// The service's journal, as journalctl -o json would print it, with
	// personal data where the logs are designed never to have any.
	fj := &fakeJournal{raw: journalWithPersonalData(t, cards)}
	diagJournal = fj
	t.Cleanup(func() { diagJournal = diag.Journalctl{} })
	// The last self-test the maintenance screen ran, kept by the kiosk.
	if err := diag.SaveSelfTest(diag.SelfTestPath(dir), time.Now(), []selftest.Result{{Name: "idcard", Title: "读卡器", OK: true, Reason: "通过"}}); err != nil {
		t.Fatal(err)
	}

	out := filepath.Join(t.TempDir(), "diag.tar.gz")
	code, stdout, errs := queueRun(t, "diag", "bundle", "--data", dir, "--out", out, "--since", "48h")
	if code != 0 {
		t.Fatalf("diag: exit %d\n%s%s", code, stdout, errs)
	}
	files := readTarGz(t, out)
	for _, name := range []string{"versions.json", "config.json", "devices.json", "queue-stats.json", "verify.json", "integrity.json", "logs.json", "selftest.json"} {
		if _, ok := files["kiosk-diag/"+name]; !ok {
			t.Errorf("bundle has no %s (has %v)", name, diagNames(files))
		}
	}
	if v := files["kiosk-diag/verify.json"]; !strings.Contains(v, "00000000-0000-4000-8000-000000000000") || !strings.Contains(v, "empty (0 bytes)") {
		t.Errorf("verify.json:\n%s", v)
	}
	if s := files["kiosk-diag/queue-stats.json"]; !strings.Contains(s, fmt.Sprintf(`"pending": %d`, len(cards))) {
		t.Errorf("queue-stats.json:\n%s", s)
	}
	if fj.unit != "bianmin-kiosk.service" || time.Since(fj.since) < 47*time.Hour || time.Since(fj.since) > 49*time.Hour {
		t.Errorf("journal read for %q since %v", fj.unit, fj.since)
	}
	checkLogs(t, files["kiosk-diag/logs.json"])
	if st := files["kiosk-diag/selftest.json"]; !strings.Contains(st, `"last_maintenance_selftest"`) || !strings.Contains(st, "读卡器") {
		t.Errorf("selftest.json:\n%s", st)
	}
	key := strings.TrimSpace(string(keyBytes))
	for name, body := range files {
		for _, p := range pii {
			if strings.Contains(body, p) {
				t.Errorf("%s holds personal data %q", name, p)
			}
		}
		if len(key) >= 16 && strings.Contains(body, key) {
			t.Errorf("%s holds the store key", name)
		}
	}
}

func readTarGz(t *testing.T, path string) map[string]string {
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

func diagNames(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}

type fakeJournal struct {
	raw   []byte
	unit  string
	since time.Time
}

func (f *fakeJournal) Records(ctx context.Context, unit string, since time.Time, max int) ([]byte, error) {
	f.unit, f.since = unit, since
	return f.raw, nil
}

// journalWithPersonalData is journalctl -o json output of the kiosk service
// with every test card's data in the places a careless log line could put
// it: the message, a KIOSK_ attribute, a journal field outside the
// allow-list, plus a clean line and a line that is not JSON.
func journalWithPersonalData(t *testing.T, cards []testcards.Card) []byte {
	t.Helper()
	var b strings.Builder
	line := func(m map[string]any) {
		j, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	base := func(msg string) map[string]any {
		return map[string]any{"__REALTIME_TIMESTAMP": "1764640000000000", "PRIORITY": "6", "SYSLOG_IDENTIFIER": "bianmin-kiosk",
			"_SYSTEMD_UNIT": "bianmin-kiosk.service", "_PID": "812", "_HOSTNAME": "kiosk-330106001-t01", "MESSAGE": msg}
	}
	line(base("relay: queue drained"))
	for _, c := range cards {
		id := c.Identity
		m := base("card read for " + id.Name)
		m["KIOSK_ERR"] = "lookup " + id.IDNumber + " failed"
		m["KIOSK_DETAIL"] = id.Address
		m["KIOSK_PASS"] = id.PassNumber + " " + id.NameEN
		m["_CMDLINE"] = "/usr/bin/kiosk --name " + id.Name
		m["KIOSK_PHOTO"] = []int{0xff, 0xd8, 0xff}
		line(m)
	}
	b.WriteString("not a journal line\n")
	return []byte(b.String())
}

// checkLogs: the clean record is kept with its fields, no field outside
// the allow-list is in any record, and the personal values were counted as
// redacted.
func checkLogs(t *testing.T, body string) {
	t.Helper()
	var r diag.LogsReport
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("logs.json: %v\n%s", err, body)
	}
	if len(r.Records) < 2 || r.Records[0]["MESSAGE"] != "relay: queue drained" || r.Records[0]["_PID"] != "812" || r.Unreadable != 1 || r.Redacted == 0 {
		t.Fatalf("logs.json: %d records, first %v, unreadable %d, redacted %d", len(r.Records), r.Records[0], r.Unreadable, r.Redacted)
	}
	for _, rec := range r.Records {
		for _, f := range []string{"_HOSTNAME", "_CMDLINE", "KIOSK_PHOTO"} {
			if _, ok := rec[f]; ok {
				t.Errorf("logs.json kept %s", f)
			}
		}
	}
}
