package main

import (
	"bytes"
	"context"
	"io/fs"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/platformsim"
)

const serviceUID = 65534 // nobody: stands for the bianmin service user

func buildKioskctl(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "kioskctl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build kioskctl: %v\n%s", err, out)
	}
	return bin
}

func runAs(t *testing.T, uid int, bin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	if uid != 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// TestRootImportThenServiceSync: a technician imports a replaced terminal's
// queue as root into the service's data directory; the service user then
// syncs it. kioskctl as root becomes the data directory's owner before it
// touches the store, so nothing it leaves is root's (the transfer file and
// key, readable by root only, are read first). Kills: removing the drop
// (root-owned 0700 attachment folders: the service's upload fails with
// permission denied for ever).
func TestRootImportThenServiceSync(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI and this machine run as root)")
	}
	base := t.TempDir()
	for _, d := range []string{filepath.Dir(base), base} {
		os.Chmod(d, 0o755) // the service user must reach its data directory
	}
	bin := buildKioskctl(t, base)

	// The replaced terminal's queue, exported; transfer file and key root's.
	secret := filepath.Join(base, "root-only")
	os.Mkdir(secret, 0o700)
	old := filepath.Join(secret, "old")
	if code, _, errs := queueRun(t, "queue", "demo", "--data", old, "--count", "2", "--attachment-kb", "8"); code != 0 {
		t.Fatalf("demo: %s", errs)
	}
	xfer, tkey := filepath.Join(secret, "q.bkx"), filepath.Join(secret, "transfer.key")
	if code, _, errs := queueRun(t, "queue", "export", "--data", old, "--out", xfer, "--transfer-key", tkey); code != 0 {
		t.Fatalf("export: %s", errs)
	}

	// The service's data directory, its store made by the service itself.
	data := filepath.Join(base, "data")
	os.Mkdir(data, 0o700)
	os.Chown(data, serviceUID, serviceUID)
	if code, _, errs := runAs(t, serviceUID, bin, "queue", "demo", "--data", data, "--count", "0"); code != 0 {
		t.Fatalf("service user makes its store: %d %s", code, errs)
	}

	// Root imports.
	if code, out, errs := runAs(t, 0, bin, "queue", "import", "--data", data, "--transfer-key", tkey, xfer); code != 0 || !strings.Contains(out, "imported 2 applications") {
		t.Fatalf("import as root: %d %q %s", code, out, errs)
	}
	filepath.WalkDir(data, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != serviceUID {
			t.Errorf("%s is owned by uid %d after the import, not the service user", p, st.Uid)
		}
		return nil
	})

	// The service user syncs what root imported.
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	code, out, errs := runAs(t, serviceUID, bin, "sync", "now", "--data", data, "--platform", hs.URL, "--quiet", "--once")
	if code != 0 || !strings.Contains(out, "queue drained: 2 submitted") {
		t.Fatalf("sync as the service user: %d %q %s", code, out, errs)
	}
}
