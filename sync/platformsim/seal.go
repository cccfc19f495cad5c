package platformsim

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// The emulator holds residents' forms and ratings like the platform would:
// sealed (AES-256-GCM, the instance ID as additional data) in platform.db,
// compared through keyed digests, never readable from the data directory
// without the key. The kiosk in simulation passes a key derived from its
// store key (Config.SealKey); a standalone emulator keeps one in
// DATA/seal.key (0600).

var sealMagic = []byte("PSS1")

const sealKeyFile = "seal.key"

func loadOrCreateSealKey(dir string) ([]byte, error) {
	path := filepath.Join(dir, sealKeyFile)
	if b, err := os.ReadFile(path); err == nil {
		if len(b) != 32 {
			return nil, fmt.Errorf("platformsim: %s: want 32 bytes, have %d", path, len(b))
		}
		return b, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("platformsim: seal key: %w", err)
	}
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, k, 0o600); err != nil {
		return nil, fmt.Errorf("platformsim: seal key: %w", err)
	}
	return k, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("platformsim: seal key: want 32 bytes, have %d", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func (s *Server) seal(kind, id string, plain []byte) []byte {
	ns := s.aead.NonceSize()
	out := make([]byte, len(sealMagic)+ns, len(sealMagic)+ns+len(plain)+s.aead.Overhead())
	copy(out, sealMagic)
	rand.Read(out[len(sealMagic):])
	return s.aead.Seal(out, out[len(sealMagic):], plain, []byte(kind+"\x00"+id))
}

// open opens what seal made; bytes without the seal's mark are a data
// directory written before sealing and are returned as they are.
func (s *Server) open(kind, id string, b []byte) ([]byte, error) {
	if len(b) < len(sealMagic) || string(b[:len(sealMagic)]) != string(sealMagic) {
		return b, nil
	}
	ns := s.aead.NonceSize()
	if len(b) < len(sealMagic)+ns+s.aead.Overhead() {
		return nil, errors.New("platformsim: sealed data cut short")
	}
	p, err := s.aead.Open(nil, b[len(sealMagic):len(sealMagic)+ns], b[len(sealMagic)+ns:], []byte(kind+"\x00"+id))
	if err != nil {
		return nil, fmt.Errorf("platformsim: sealed data cannot be opened: %w", err)
	}
	return p, nil
}

// digest is a keyed digest: equal content compares equal, and a guessed
// form cannot be confirmed from the database without the key.
func (s *Server) digest(b []byte) string {
	m := hmac.New(sha256.New, s.macKey)
	m.Write(b)
	return hex.EncodeToString(m.Sum(nil))
}
