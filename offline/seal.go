package offline

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// sealMagic starts every sealed blob and file: format version 1, AES-256-GCM,
// 12-byte random nonce, then ciphertext with its tag.
var sealMagic = []byte("BKS1")

// ErrSealed is returned when a sealed blob cannot be opened: wrong key,
// tampering, truncation, or a blob moved to another record.
var ErrSealed = errors.New("sealed data cannot be opened")

// sealer seals with AES-256-GCM; additional data binds a blob to its record.
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(plain, ad []byte) []byte {
	ns := s.aead.NonceSize()
	out := make([]byte, len(sealMagic)+ns, len(sealMagic)+ns+len(plain)+s.aead.Overhead())
	copy(out, sealMagic)
	if _, err := rand.Read(out[len(sealMagic):]); err != nil {
		panic("offline: crypto/rand: " + err.Error()) // never fails on Linux
	}
	return s.aead.Seal(out, out[len(sealMagic):], plain, ad)
}

func (s *sealer) open(sealed, ad []byte) ([]byte, error) {
	ns := s.aead.NonceSize()
	if len(sealed) < len(sealMagic)+ns+s.aead.Overhead() || string(sealed[:len(sealMagic)]) != string(sealMagic) {
		return nil, ErrSealed
	}
	nonce := sealed[len(sealMagic) : len(sealMagic)+ns]
	plain, err := s.aead.Open(nil, nonce, sealed[len(sealMagic)+ns:], ad)
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}

// additional data for each kind of sealed blob.
func adForm(instanceID string) []byte { return []byte("form\x00" + instanceID) }
func adFile(instanceID, attachmentID string) []byte {
	return []byte("file\x00" + instanceID + "\x00" + attachmentID)
}
func adNote(instanceID string) []byte   { return []byte("note\x00" + instanceID) }
func adRating(instanceID string) []byte { return []byte("rating\x00" + instanceID) }
