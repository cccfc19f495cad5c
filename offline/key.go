package offline

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Key is the 32-byte store key. Sealing, blind-index and content keys are
// derived from it; it is never written to the database.
type Key [32]byte

// CredentialName is the name of the systemd credential holding the store key
// (LoadCredential=kiosk-store-key:/etc/bianmin-kiosk/store.key).
const CredentialName = "kiosk-store-key"

// Errors of key loading.
var (
	ErrKeyFormat      = errors.New("key file must hold 32 bytes or 64 hex characters")
	ErrKeyPermissions = errors.New("key file is readable by group or others (want mode 0600 or stricter)")
	ErrNoCredentials  = errors.New("CREDENTIALS_DIRECTORY is not set")
)

// LoadKey reads a key file holding 32 raw bytes or 64 hex characters (an
// optional trailing newline is allowed). The file must not be accessible to
// group or others.
func LoadKey(path string) (Key, error) {
	var k Key
	fi, err := os.Stat(path)
	if err != nil {
		return k, fmt.Errorf("load key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return k, fmt.Errorf("load key %s: %w (mode %04o)", path, ErrKeyPermissions, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return k, fmt.Errorf("load key: %w", err)
	}
	return parseKey(b)
}

func parseKey(b []byte) (Key, error) {
	var k Key
	if len(b) == len(k) {
		copy(k[:], b)
		return k, nil
	}
	s := strings.TrimSpace(string(b))
	if len(s) == 2*len(k) {
		if _, err := hex.Decode(k[:], []byte(s)); err == nil {
			return k, nil
		}
	}
	return Key{}, fmt.Errorf("load key: %w", ErrKeyFormat)
}

// GenerateKeyFile writes a new random key as 64 hex characters to path with
// mode 0600. It refuses to overwrite an existing file.
func GenerateKeyFile(path string) error {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if _, err := f.WriteString(hex.EncodeToString(k[:]) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("generate key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("generate key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

// KeyFromCredentials loads the store key from the systemd credential
// $CREDENTIALS_DIRECTORY/kiosk-store-key.
func KeyFromCredentials() (Key, error) {
	dir := os.Getenv("CREDENTIALS_DIRECTORY")
	if dir == "" {
		return Key{}, fmt.Errorf("load key: %w", ErrNoCredentials)
	}
	return LoadKey(filepath.Join(dir, CredentialName))
}

// derive returns a purpose-bound subkey of k (HKDF-SHA256).
func (k Key) derive(purpose string) []byte {
	sub, err := hkdf.Key(sha256.New, k[:], nil, "bianmin-kiosk offline "+purpose, 32)
	if err != nil {
		panic("offline: hkdf: " + err.Error()) // only fails for absurd lengths
	}
	return sub
}
