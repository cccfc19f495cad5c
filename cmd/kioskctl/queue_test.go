package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/offline"
)

// queueRun runs one kioskctl command line and returns exit code and output.
func queueRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestQueueCommands(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := queueRun(t, "queue", "demo", "--data", dir, "--count", "3", "--attachment-kb", "2")
	if code != 0 {
		t.Fatalf("demo: %d %s", code, errs)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 3 {
		t.Fatalf("demo printed %q", out)
	}
	if fi, err := os.Stat(filepath.Join(dir, "store.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("demo key: %v", err)
	}
	id := strings.Fields(out)[0]

	code, out, _ = queueRun(t, "queue", "list", "--data", dir, "--json")
	var sums []offline.Summary
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var s offline.Summary
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatalf("list --json line %q: %v", l, err)
		}
		sums = append(sums, s)
	}
	if code != 0 || len(sums) != 3 || !sums[0].Test || sums[0].State != kiosk.StateQueued {
		t.Fatalf("list = %d %+v", code, sums)
	}

	// Masked by default; the real values only with --reveal.
	st := openCtlStore(t, dir)
	app, err := st.Get(context.Background(), id)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	code, out, _ = queueRun(t, "queue", "show", "--data", dir, id)
	if code != 0 || strings.Contains(out, app.Applicant.IDNumber) || strings.Contains(out, app.Applicant.Name) ||
		!strings.Contains(out, kiosk.MaskID(app.Applicant.IDNumber)) || !strings.Contains(out, app.AcceptanceNo) {
		t.Errorf("show (masked) = %d\n%s", code, out)
	}
	code, out, _ = queueRun(t, "queue", "show", "--data", dir, "--reveal", app.AcceptanceNo)
	if code != 0 || !strings.Contains(out, app.Applicant.IDNumber) || !strings.Contains(out, "revealed") {
		t.Errorf("show --reveal = %d\n%s", code, out)
	}
	if code, _, _ = queueRun(t, "queue", "show", "--data", dir, "no-such-id"); code != exitQueueNotFound {
		t.Errorf("show unknown: exit %d, want %d", code, exitQueueNotFound)
	}

	if code, out, _ = queueRun(t, "queue", "retry", "--data", dir, id); code != 0 || !strings.Contains(out, "1 due now") {
		t.Errorf("retry = %d %q", code, out)
	}
	if code, out, _ = queueRun(t, "queue", "retry", "--data", dir, "--all"); code != 0 || !strings.Contains(out, "3 due now") {
		t.Errorf("retry --all = %d %q", code, out)
	}
	if code, _, _ = queueRun(t, "queue", "retry", "--data", dir); code != 2 {
		t.Errorf("retry without ids: exit %d, want 2", code)
	}
	if code, out, _ = queueRun(t, "queue", "stats", "--data", dir); code != 0 || !strings.Contains(out, "pending 3") {
		t.Errorf("stats = %d %q", code, out)
	}

	// Move the queue to a replacement terminal, twice: no duplicates.
	xfer, tkey := filepath.Join(t.TempDir(), "queue.bkx"), filepath.Join(t.TempDir(), "transfer.key")
	if code, out, errs = queueRun(t, "queue", "export", "--data", dir, "--out", xfer, "--transfer-key", tkey); code != 0 || !strings.Contains(out, "exported 3") {
		t.Fatalf("export = %d %q %s", code, out, errs)
	}
	repl := t.TempDir()
	queueRun(t, "queue", "demo", "--data", repl, "--count", "0")
	for i, want := range []string{"imported 3 applications", "imported 0 applications, 0 attachments (0 B); 3 already here"} {
		if code, out, errs = queueRun(t, "queue", "import", "--data", repl, "--transfer-key", tkey, xfer); code != 0 || !strings.Contains(out, want) {
			t.Errorf("import #%d = %d %q %s", i+1, code, out, errs)
		}
	}
	if code, out, _ = queueRun(t, "queue", "list", "--data", repl); code != 0 || strings.Count(out, "queued (test)") != 3 {
		t.Errorf("list on replacement = %d\n%s", code, out)
	}
	if code, _, _ = queueRun(t, "queue", "import", "--data", repl, "--transfer-key", filepath.Join(dir, "store.key"), xfer); code != 1 {
		t.Errorf("import with the wrong key: exit %d, want 1", code)
	}
}

func TestQueueKeyAndConfig(t *testing.T) {
	dir := t.TempDir()
	if code, _, _ := queueRun(t, "queue", "demo", "--data", dir, "--count", "1", "--attachment-kb", "0"); code != 0 {
		t.Fatal("demo failed")
	}
	os.Chmod(filepath.Join(dir, "store.key"), 0o644)
	if code, _, errs := queueRun(t, "queue", "list", "--data", dir); code != terminal.ClassStoreKey.ExitCode() || !strings.Contains(errs, "0600") {
		t.Errorf("world-readable key: exit %d %s", code, errs)
	}
	os.Chmod(filepath.Join(dir, "store.key"), 0o600)
	// No store where the configuration points: refused, naming the path,
	// and nothing created there.
	empty := t.TempDir()
	if code, _, errs := queueRun(t, "queue", "list", "--data", empty); code != terminal.ClassStore.ExitCode() || !strings.Contains(errs, filepath.Join(empty, "kiosk.db")) {
		t.Errorf("no store: exit %d, want %d: %s", code, terminal.ClassStore.ExitCode(), errs)
	}
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Errorf("queue list made %d files in an empty data directory", len(ents))
	}
	cfg := filepath.Join(t.TempDir(), "kiosk.toml")
	os.WriteFile(cfg, []byte("mode = \"simulation\"\n[station]\ncode = \"330106001\"\nterminal = \"T01\"\n[store]\ndata_dir = \""+dir+"\"\nretention_days = 3\n"), 0o600)
	if code, out, errs := queueRun(t, "queue", "list", "--config", cfg); code != 0 || !strings.Contains(out, "DEMO-0001") {
		t.Errorf("list --config = %d %q %s", code, out, errs)
	}
	os.WriteFile(cfg, []byte("[store]\ndata_dri = \"x\"\n"), 0o600)
	if code, _, _ := queueRun(t, "queue", "list", "--config", cfg); code != 2 {
		t.Errorf("bad config: exit %d, want 2", code)
	}
}

func openCtlStore(t *testing.T, dir string) *offline.Store {
	t.Helper()
	key, err := offline.LoadKey(filepath.Join(dir, "store.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := offline.Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	return st
}
