package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/cmd/internal/config"
)

// TestAdminSetPIN: the PIN typed twice ends up in the configuration as an
// argon2id hash that verifies it, never as the PIN itself; a weak PIN or
// two different ones change nothing.
func TestAdminSetPIN(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kiosk.toml")
	if err := os.WriteFile(cfg, []byte("mode = \"simulation\"\n[store]\ndata_dir = \""+dir+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pinInput = os.Stdin })
	for _, in := range []string{"123456\n123456\n", "246813\n246814\n", "12ab56\n12ab56\n"} {
		pinInput = strings.NewReader(in)
		if code, _, _ := ctl(t, "admin", "set-pin", "--config", cfg); code == 0 {
			t.Errorf("set-pin accepted %q", in)
		}
	}
	if c, _ := config.Load(cfg); c.Admin.PINHash != "" {
		t.Fatal("a refused PIN was written")
	}
	pinInput = strings.NewReader("246813\n246813\n")
	if code, out, errs := ctl(t, "admin", "set-pin", "--config", cfg); code != 0 {
		t.Fatalf("set-pin: %d %s %s", code, out, errs)
	}
	b, _ := os.ReadFile(cfg)
	if strings.Contains(string(b), "246813") {
		t.Fatal("the PIN is in the file")
	}
	c, err := config.Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := auth.Verify(c.Admin.PINHash, "246813"); !ok || err != nil {
		t.Fatalf("the stored hash does not verify the PIN: %v %v", ok, err)
	}
	pinInput = strings.NewReader("135792\n135792\n")
	if code, _, errs := ctl(t, "staff", "set-pin", "10012", "--name", "王芳", "--config", cfg); code != 0 {
		t.Fatalf("staff set-pin: %s", errs)
	}
	if code, out, _ := ctl(t, "staff", "list", "--config", cfg); code != 0 || out != "10012\t王芳\n" {
		t.Fatalf("staff list: %q", out)
	}
	// A locked-out terminal, cleared by a technician.
	a := auth.NewAuthenticator(auth.NewGuard(filepath.Join(dir, "pin-lockout.json"), auth.DefaultPolicy, nil), c.Credentials)
	for i := 0; i < 3; i++ {
		_ = a.Admin(context.Background(), "999990")
	}
	if code, out, _ := ctl(t, "admin", "status", "--config", cfg); code != 0 || !strings.Contains(out, "admin\t3 failures\tlocked until") {
		t.Fatalf("status: %q", out)
	}
	if code, _, _ := ctl(t, "admin", "unlock", "--config", cfg); code != 0 {
		t.Fatal("unlock failed")
	}
	if err := a.Admin(context.Background(), "246813"); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	if code, _, _ := ctl(t, "staff", "remove", "10012", "--config", cfg); code != 0 {
		t.Fatal("remove failed")
	}
}

// TestDiagBundleHasNoPINHash: kioskctl diag bundle leaves the admin and
// staff PIN hashes and the staff's names out of config.json.
func TestDiagBundleHasNoPINHash(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "kiosk.toml")
	h, _ := auth.HashWith("246813", auth.Params{Memory: 64, Time: 1, Threads: 1})
	body := "mode = \"simulation\"\n[store]\ndata_dir = \"" + dir + "\"\n[admin]\npin_hash = \"" + h + "\"\n[[staff]]\nnumber = \"10012\"\nname = \"王芳\"\npin_hash = \"" + h + "\"\n"
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "diag.tar.gz")
	if code, stdout, errs := queueRun(t, "diag", "bundle", "--config", cfg, "--out", out); code != 0 {
		t.Fatalf("diag: exit %d\n%s%s", code, stdout, errs)
	}
	for name, b := range readTarGz(t, out) {
		if strings.Contains(b, "argon2id") || strings.Contains(b, "王芳") {
			t.Errorf("%s holds a PIN hash or a staff name", name)
		}
	}
}
