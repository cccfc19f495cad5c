package offline

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	raw := bytes.Repeat([]byte{0xab}, 32)
	hexKey := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		want    error
	}{
		{"raw", raw, 0o600, nil},
		{"hex", []byte(hexKey), 0o400, nil},
		{"hex newline", []byte(hexKey + "\n"), 0o600, nil},
		{"group readable", raw, 0o640, ErrKeyPermissions},
		{"world readable", []byte(hexKey), 0o644, ErrKeyPermissions},
		{"short", raw[:31], 0o600, ErrKeyFormat},
		{"bad hex", []byte(strings.Repeat("zz", 32)), 0o600, ErrKeyFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "_"))
			os.WriteFile(p, tt.content, 0o600)
			os.Chmod(p, tt.mode)
			k, err := LoadKey(p)
			if !errors.Is(err, tt.want) {
				t.Fatalf("LoadKey = %v, want %v", err, tt.want)
			}
			if err == nil && !bytes.Equal(k[:], raw) {
				t.Errorf("key = %x", k)
			}
		})
	}
	if _, err := LoadKey(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestGenerateKeyFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "sub", "store.key")
	if err := GenerateKeyFile(p); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v", fi.Mode())
	}
	k1, err := LoadKey(p)
	if err != nil {
		t.Fatal(err)
	}
	if k1 == (Key{}) {
		t.Error("zero key")
	}
	if err := GenerateKeyFile(p); !errors.Is(err, os.ErrExist) {
		t.Errorf("overwrite: %v", err)
	}
	p2 := filepath.Join(filepath.Dir(p), "other.key")
	GenerateKeyFile(p2)
	if k2, _ := LoadKey(p2); k2 == k1 {
		t.Error("two generated keys are equal")
	}
}

func TestKeyFromCredentials(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CREDENTIALS_DIRECTORY", "")
	if _, err := KeyFromCredentials(); !errors.Is(err, ErrNoCredentials) {
		t.Errorf("unset: %v", err)
	}
	t.Setenv("CREDENTIALS_DIRECTORY", dir)
	if err := GenerateKeyFile(filepath.Join(dir, CredentialName)); err != nil {
		t.Fatal(err)
	}
	k, err := KeyFromCredentials()
	if err != nil || k == (Key{}) {
		t.Errorf("KeyFromCredentials = %x, %v", k, err)
	}
}

func TestDerivedKeysDiffer(t *testing.T) {
	a, b := testKey.derive("seal v1"), testKey.derive("blind index v1")
	if bytes.Equal(a, b) || bytes.Equal(a, testKey[:]) {
		t.Error("derived keys are not distinct")
	}
}
