// Package catalogsig signs and verifies the platform's service catalogue with
// ed25519: the signature covers the exact payload bytes (compact JSON of
// api.CatalogPayload). Used by the emulator's signing tool and by the client,
// which rejects tampered, expired and rolled-back catalogues.
package catalogsig

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bianmin/kiosk/sync/api"
)

// Errors of Verify.
var (
	ErrBadSignature = errors.New("catalog: bad signature")
	ErrExpired      = errors.New("catalog: expired")
	ErrRollback     = errors.New("catalog: version not newer than the one held")
	ErrMalformed    = errors.New("catalog: malformed")
)

// Sign builds a signed catalogue from a catalogue's JSON.
func Sign(priv ed25519.PrivateKey, catalog json.RawMessage, version int64, issued, expires time.Time) (*api.SignedCatalog, error) {
	if !json.Valid(catalog) {
		return nil, fmt.Errorf("%w: catalogue is not JSON", ErrMalformed)
	}
	p := api.CatalogPayload{Version: version, Issued: issued.UTC(), Expires: expires.UTC(), Catalog: catalog}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("sign catalog: %w", err)
	}
	return &api.SignedCatalog{Payload: b, Sig: ed25519.Sign(priv, b), KeyID: KeyID(priv.Public().(ed25519.PublicKey))}, nil
}

// KeyID is a short fingerprint of a public key (first 8 bytes of its sha256, hex).
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// Verify checks the signature, the expiry against now and that the version is
// newer than held (0 when none is held). It returns the decoded payload.
func Verify(pub ed25519.PublicKey, sc *api.SignedCatalog, now time.Time, held int64) (*api.CatalogPayload, error) {
	if sc == nil || len(sc.Payload) == 0 {
		return nil, ErrMalformed
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, sc.Payload, sc.Sig) {
		return nil, ErrBadSignature
	}
	var p api.CatalogPayload
	if err := json.Unmarshal(sc.Payload, &p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if p.Version <= 0 || len(p.Catalog) == 0 {
		return nil, fmt.Errorf("%w: no version or catalogue", ErrMalformed)
	}
	if !now.Before(p.Expires) {
		return nil, fmt.Errorf("%w at %s", ErrExpired, p.Expires.Format(time.RFC3339))
	}
	if p.Version < held {
		return nil, fmt.Errorf("%w: got %d, hold %d", ErrRollback, p.Version, held)
	}
	return &p, nil
}

// VerifyJSON is Verify on the JSON of an api.SignedCatalog, as the platform
// sends it and the store keeps it: the one place where a signed catalogue is
// decoded. The stored catalogue is checked with it again at every start-up
// (held 0: a kept catalogue is not a rollback of itself).
func VerifyJSON(pub ed25519.PublicKey, signed []byte, now time.Time, held int64) (*api.CatalogPayload, error) {
	var sc api.SignedCatalog
	if err := json.Unmarshal(signed, &sc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return Verify(pub, &sc, now, held)
}

// LoadOrGenerate reads the private key at path, or generates it there when
// there is none (the simulator's catalogue key, kept across restarts so that
// the catalogues it signed still verify).
func LoadOrGenerate(path string) (ed25519.PrivateKey, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return GenerateKey(path)
	}
	return LoadPrivate(path)
}

// PEM block types of the key files.
const (
	privType = "BMK CATALOG PRIVATE KEY"
	pubType  = "BMK CATALOG PUBLIC KEY"
)

// GenerateKey writes a new private key to path (PEM, mode 0600) and returns it.
func GenerateKey(path string) (ed25519.PrivateKey, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: privType, Bytes: priv.Seed()})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write key: %w", err)
	}
	pub := pem.EncodeToMemory(&pem.Block{Type: pubType, Bytes: priv.Public().(ed25519.PublicKey)})
	if err := os.WriteFile(path+".pub", pub, 0o644); err != nil {
		return nil, fmt.Errorf("write public key: %w", err)
	}
	return priv, nil
}

// LoadPrivate reads a key written by GenerateKey.
func LoadPrivate(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != privType || len(blk.Bytes) != ed25519.SeedSize {
		return nil, fmt.Errorf("read key %s: %w", path, ErrMalformed)
	}
	return ed25519.NewKeyFromSeed(blk.Bytes), nil
}

// LoadPublic reads a public key file (path.pub from GenerateKey).
func LoadPublic(path string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read public key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != pubType || len(blk.Bytes) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("read public key %s: %w", path, ErrMalformed)
	}
	return ed25519.PublicKey(blk.Bytes), nil
}
