package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/app/auth"
)

func cheapHash(t *testing.T, pin string) string {
	t.Helper()
	h, err := auth.HashWith(pin, auth.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestSetCredentialsKeepsTheFile: kioskctl admin set-pin and staff set-pin
// edit the technician's file in place: comments and other sections stay,
// the hashes land where Load reads them, a second set replaces the first.
func TestSetCredentialsKeepsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.toml")
	orig := "# 双流村 terminal\nmode = \"simulation\"\n\n[station]\n# the station code\ncode = \"330106001\"\nterminal = \"T01\"\n\n[ui]\nlanguage = \"zh-CN\"\n"
	if err := os.WriteFile(path, []byte(orig), 0o640); err != nil {
		t.Fatal(err)
	}
	h1, h2 := cheapHash(t, "246813"), cheapHash(t, "975310")
	if err := SetAdminPINHash(path, h1); err != nil {
		t.Fatal(err)
	}
	if err := SetAdminPINHash(path, h2); err != nil {
		t.Fatal(err)
	}
	s1, s2 := cheapHash(t, "135792"), cheapHash(t, "864209")
	if err := SetStaff(path, StaffMember{Number: "10012", Name: "王芳", PINHash: s1}); err != nil {
		t.Fatal(err)
	}
	if err := SetStaff(path, StaffMember{Number: "10013", Name: "李强", PINHash: s1}); err != nil {
		t.Fatal(err)
	}
	if err := SetStaff(path, StaffMember{Number: "10012", Name: "王芳芳", PINHash: s2}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), orig) {
		t.Fatalf("the original lines changed:\n%s", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want the file's 0640 kept", st.Mode().Perm())
	}
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Admin.PINHash != h2 || len(c.Staff) != 2 || c.Staff[0] != (StaffMember{"10012", "王芳芳", s2}) || c.Staff[1].Number != "10013" {
		t.Fatalf("loaded %+v %+v", c.Admin, c.Staff)
	}
	if err := RemoveStaff(path, "10012"); err != nil {
		t.Fatal(err)
	}
	if err := RemoveStaff(path, "10012"); err == nil {
		t.Fatal("removing a missing staff number succeeded")
	}
	c, _ = Load(path)
	if len(c.Staff) != 1 || c.Staff[0].Number != "10013" || c.Credentials().Staff[0].PINHash != s1 {
		t.Fatalf("after remove: %+v", c.Staff)
	}
}

func TestCredentialsValidated(t *testing.T) {
	for name, body := range map[string]string{
		"plain PIN":     "mode = \"simulation\"\n[admin]\npin_hash = \"246813\"\n",
		"staff no hash": "mode = \"simulation\"\n[[staff]]\nnumber = \"11\"\nname = \"x\"\n",
		"twice":         "mode = \"simulation\"\n[[staff]]\nnumber = \"11\"\npin_hash = \"H\"\n[[staff]]\nnumber = \"11\"\npin_hash = \"H\"\n",
	} {
		body = strings.ReplaceAll(body, "\"H\"", "\""+cheapHash(t, "246813")+"\"")
		if _, err := Parse([]byte(body)); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if c := Default(); c.Admin.PINHash != "" || len(c.Staff) != 0 {
		t.Fatal("the defaults carry a PIN")
	}
}
