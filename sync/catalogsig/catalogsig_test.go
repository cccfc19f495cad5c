package catalogsig

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/api"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestVerify(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
	good, err := Sign(priv, json.RawMessage(`{"items":[]}`), 5, t0, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	flip := func(sc *api.SignedCatalog, payload bool) *api.SignedCatalog {
		c := *sc
		if payload {
			c.Payload = append([]byte(nil), sc.Payload...)
			c.Payload[10] ^= 1
		} else {
			c.Sig = append([]byte(nil), sc.Sig...)
			c.Sig[0] ^= 1
		}
		return &c
	}
	tests := []struct {
		name string
		key  ed25519.PublicKey
		sc   *api.SignedCatalog
		now  time.Time
		held int64
		want error
	}{
		{"good", pub, good, t0, 0, nil},
		{"same version held", pub, good, t0, 5, nil},
		{"rollback", pub, good, t0, 6, ErrRollback},
		{"expired", pub, good, t0.Add(time.Hour), 0, ErrExpired},
		{"payload flipped", pub, flip(good, true), t0, 0, ErrBadSignature},
		{"signature flipped", pub, flip(good, false), t0, 0, ErrBadSignature},
		{"other key", otherPub, good, t0, 0, ErrBadSignature},
		{"no key", nil, good, t0, 0, ErrBadSignature},
		{"empty", pub, &api.SignedCatalog{}, t0, 0, ErrMalformed},
		{"nil", pub, nil, t0, 0, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Verify(tt.key, tt.sc, tt.now, tt.held)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if err == nil && (p.Version != 5 || string(p.Catalog) != `{"items":[]}`) {
				t.Errorf("payload %+v", p)
			}
		})
	}
}

func TestSignedSurvivesJSON(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sc, _ := Sign(priv, json.RawMessage(`{"名称":"户籍"}`), 1, t0, t0.Add(time.Hour))
	b, _ := json.MarshalIndent(sc, "", "  ")
	var back api.SignedCatalog
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(pub, &back, t0, 0); err != nil {
		t.Fatal(err)
	}
}

func TestKeyFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k")
	priv, err := GenerateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	p2, err := LoadPrivate(path)
	if err != nil || !p2.Equal(priv) {
		t.Fatalf("LoadPrivate: %v", err)
	}
	pub, err := LoadPublic(path + ".pub")
	if err != nil || !pub.Equal(priv.Public()) {
		t.Fatalf("LoadPublic: %v", err)
	}
	if _, err := LoadPrivate(path + ".pub"); err == nil {
		t.Error("a public key loaded as private")
	}
}

// FuzzVerify: a signed catalogue from the network never panics Verify, and
// nothing but the signer's bytes verifies.
func FuzzVerify(f *testing.F) {
	seed := ed25519.NewKeyFromSeed(make([]byte, 32))
	pub := seed.Public().(ed25519.PublicKey)
	good, _ := Sign(seed, json.RawMessage(`{"items":[]}`), 3, t0, t0.Add(time.Hour))
	gb, _ := json.Marshal(good)
	f.Add(gb)
	f.Add([]byte(`{"payload":"e30=","sig":""}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var sc api.SignedCatalog
		if json.Unmarshal(b, &sc) != nil {
			return
		}
		p, err := Verify(pub, &sc, t0, 0)
		if err == nil && !ed25519.Verify(pub, sc.Payload, sc.Sig) {
			t.Fatal("verified without a valid signature")
		}
		if err == nil && p.Version <= 0 {
			t.Fatal("verified without a version")
		}
	})
}

// The stored form (JSON of the envelope) verifies through VerifyJSON alone,
// and a kept catalogue whose bytes were changed on disk does not. Kills:
// decoding the kept envelope without checking its signature.
func TestVerifyJSON(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sc, _ := Sign(priv, json.RawMessage(`{"items":[]}`), 3, t0, t0.Add(time.Hour))
	b, _ := json.Marshal(sc)
	if p, err := VerifyJSON(pub, b, t0, 0); err != nil || p.Version != 3 {
		t.Fatalf("good: %+v %v", p, err)
	}
	var tampered api.SignedCatalog
	json.Unmarshal(b, &tampered)
	tampered.Payload = []byte(string(tampered.Payload[:len(tampered.Payload)-2]) + ` }`)
	tb, _ := json.Marshal(tampered)
	if _, err := VerifyJSON(pub, tb, t0, 0); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered: %v", err)
	}
	if _, err := VerifyJSON(pub, []byte("{not json"), t0, 0); !errors.Is(err, ErrMalformed) {
		t.Errorf("not JSON: %v", err)
	}
	if _, err := VerifyJSON(pub, b, t0.Add(2*time.Hour), 0); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: %v", err)
	}
}

func TestLoadOrGenerate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "catalog.key")
	a, err := LoadOrGenerate(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadOrGenerate(path)
	if err != nil || !a.Equal(b) {
		t.Fatalf("second load gave another key: %v", err)
	}
}
