package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/offline"
)

// damagedQueue queues six applications through the real store (queue demo)
// and damages four of their sealed files the ways a disk or a hand does:
// cut to 0 bytes, deleted, cut in half, and a recorded sha256 that no longer
// matches the (intact, decryptable) content. It returns the data directory,
// the damaged instance IDs with the reason each must show, and the intact
// instance IDs.
func damagedQueue(t *testing.T) (dir string, damaged map[string]string, intact []string) {
	t.Helper()
	dir = t.TempDir()
	code, out, errs := queueRun(t, "queue", "demo", "--data", dir, "--count", "6", "--attachment-kb", "4")
	if code != 0 {
		t.Fatalf("demo: %d %s", code, errs)
	}
	var ids []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		ids = append(ids, strings.Fields(l)[0])
	}
	sealed := func(id string) string {
		m, _ := filepath.Glob(filepath.Join(dir, "attachments", id, "*.seal"))
		if len(m) != 1 {
			t.Fatalf("%s: sealed files %v", id, m)
		}
		return m[0]
	}
	if err := os.Truncate(sealed(ids[0]), 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(sealed(ids[1])); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(sealed(ids[2]))
	if err := os.Truncate(sealed(ids[2]), fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", filepath.Join(dir, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE attachments SET sha256 = ? WHERE instance_id = ?`, strings.Repeat("ab", 32), ids[3]); err != nil {
		t.Fatal(err)
	}
	db.Close()
	damaged = map[string]string{
		ids[0]: "empty (0 bytes)",
		ids[1]: "missing",
		ids[2]: "truncated",
		ids[3]: "does not match the recorded sha256",
	}
	return dir, damaged, ids[4:]
}

// personal returns the demo applicants' names and ID numbers.
func personal(t *testing.T, dir string, ids []string) []string {
	t.Helper()
	st := openCtlStore(t, dir)
	defer st.Close()
	var p []string
	for _, id := range ids {
		app, err := st.Get(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		p = append(p, app.Applicant.Name, app.Applicant.IDNumber)
	}
	return p
}

func TestQueueVerify(t *testing.T) {
	dir, damaged, intact := damagedQueue(t)
	var all []string
	for id := range damaged {
		all = append(all, id)
	}
	pii := personal(t, dir, append(all, intact...))

	code, out, errs := queueRun(t, "queue", "verify", "--data", dir)
	if code != exitQueueDamaged {
		t.Fatalf("verify: exit %d, want %d\n%s%s", code, exitQueueDamaged, out, errs)
	}
	st := openCtlStore(t, dir)
	for id, reason := range damaged {
		sum, err := st.Summary(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		line := ""
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, id) {
				line = l
			}
		}
		if !strings.Contains(line, sum.AcceptanceNo) || !strings.Contains(line, reason) {
			t.Errorf("damaged %s: line %q, want its acceptance number %s and %q", id, line, sum.AcceptanceNo, reason)
		}
	}
	st.Close()
	for _, id := range intact {
		if strings.Contains(out, id) {
			t.Errorf("intact %s reported damaged:\n%s", id, out)
		}
	}
	if !strings.Contains(out, "checked 6 applications, 6 attachments") || !strings.Contains(errs, "4 applications damaged") {
		t.Errorf("verify output:\n%s%s", out, errs)
	}
	for _, p := range pii {
		if strings.Contains(out+errs, p) {
			t.Errorf("verify printed personal data %q", p)
		}
	}

	code, out, _ = queueRun(t, "queue", "verify", "--data", dir, "--json")
	var res offline.VerifyResult
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitQueueDamaged {
		t.Fatalf("verify --json: exit %d, %v: %s", code, err, out)
	}
	got := res.DamagedApplications()
	if len(got) != 4 || res.Applications != 6 {
		t.Errorf("verify --json: damaged %v of %d", got, res.Applications)
	}
	for _, id := range got {
		if damaged[id] == "" {
			t.Errorf("verify --json: %s is not damaged", id)
		}
	}

	// Intact store: exit 0.
	clean := t.TempDir()
	queueRun(t, "queue", "demo", "--data", clean, "--count", "2", "--attachment-kb", "1")
	if code, out, errs := queueRun(t, "queue", "verify", "--data", clean); code != 0 || !strings.Contains(out, "checked 2 applications, 2 attachments") {
		t.Errorf("verify of an intact store: exit %d\n%s%s", code, out, errs)
	}
}

// Export writes every intact application and lists the damaged ones, which
// a replacement terminal then does not have.
func TestQueueExportSkipsDamaged(t *testing.T) {
	dir, damaged, intact := damagedQueue(t)
	xfer, tkey := filepath.Join(t.TempDir(), "queue.bkx"), filepath.Join(t.TempDir(), "transfer.key")
	code, out, errs := queueRun(t, "queue", "export", "--data", dir, "--out", xfer, "--transfer-key", tkey)
	if code != exitQueueDamaged || !strings.Contains(out, "exported 2 applications, 2 attachments") {
		t.Fatalf("export: exit %d, want %d\n%s%s", code, exitQueueDamaged, out, errs)
	}
	for id, reason := range damaged {
		if !strings.Contains(out, id) || !strings.Contains(out, reason) {
			t.Errorf("export does not list damaged %s (%s):\n%s", id, reason, out)
		}
	}
	if !strings.Contains(errs, "4 applications damaged, left out") {
		t.Errorf("export stderr: %s", errs)
	}
	repl := t.TempDir()
	queueRun(t, "queue", "demo", "--data", repl, "--count", "0")
	if code, out, errs := queueRun(t, "queue", "import", "--data", repl, "--transfer-key", tkey, xfer); code != 0 || !strings.Contains(out, "imported 2 applications, 2 attachments") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errs)
	}
	st := openCtlStore(t, repl)
	defer st.Close()
	for _, id := range intact {
		a, err := st.Get(context.Background(), id)
		if err != nil || len(a.Attachments) != 1 {
			t.Errorf("intact %s on the replacement: %v", id, err)
			continue
		}
		rc, err := st.OpenAttachment(context.Background(), id, a.Attachments[0].ID)
		if err != nil {
			t.Errorf("intact %s attachment on the replacement: %v", id, err)
		} else {
			rc.Close()
		}
	}
	for id := range damaged {
		if _, err := st.Summary(context.Background(), id); err == nil {
			t.Errorf("damaged %s was exported", id)
		}
	}
}
