package provision

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func modeOf(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestWriteConfigAtomic: a configuration that does not validate leaves the
// old file intact and no temporary file behind; one that does replaces it.
func TestWriteConfigAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kiosk.toml")
	old := []byte("mode = \"simulation\"\n")
	os.WriteFile(path, old, 0o640)
	bad := errors.New("does not load")
	var saw []byte
	err := writeConfig(path, []byte("mode = \"production\"\n"), func(tmp string) error {
		saw, _ = os.ReadFile(tmp)
		return bad
	})
	if !errors.Is(err, bad) {
		t.Fatalf("err %v", err)
	}
	if string(saw) != "mode = \"production\"\n" {
		t.Errorf("validate saw %q, not the new file", saw)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, old) {
		t.Errorf("old file changed: %q", b)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) != 0 {
		t.Errorf("temporary files left: %v", m)
	}
	// The real validation refuses a production file naming missing keys.
	err = writeConfig(path, []byte("[station]\ncode = \"330106001\"\nterminal = \"T01\"\n"), validateConfigFile)
	if err == nil {
		t.Fatal("an invalid production configuration was accepted")
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, old) {
		t.Errorf("old file changed: %q", b)
	}
	if err := writeConfig(path, []byte("mode = \"simulation\"\n# new\n"), validateConfigFile); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "mode = \"simulation\"\n# new\n" || modeOf(t, path) != 0o640 {
		t.Errorf("new file %q mode %04o", b, modeOf(t, path))
	}
}

func TestValidDivision(t *testing.T) {
	for s, ok := range map[string]bool{"330106013201": true, "110101001001": true, "33010601320": false, "330106013000": false,
		"330106000201": false, "330100013201": false, "3301060132a1": false, "030106013201": false} {
		if err := ValidDivision(s); (err == nil) != ok {
			t.Errorf("%s: %v", s, err)
		}
	}
}
