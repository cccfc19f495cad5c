package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var techNow = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)

func techKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	priv, err := GenerateTechKey(filepath.Join(t.TempDir(), "province.key"))
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func techClaims() TechClaims {
	return TechClaims{TechID: "J0107", Name: "陈工", Station: "330106001", Terminal: "T01",
		NotBefore: techNow.Add(-time.Hour).Unix(), NotAfter: techNow.Add(3 * time.Hour).Unix(), Nonce: NewNonce()}
}

func issue(t testing.TB, priv ed25519.PrivateKey, c TechClaims) string {
	t.Helper()
	tok, err := IssueTechQR(priv, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

var thisTerminal = TechTarget{Station: "330106001", Terminal: "T01", Division: "330106001001"}

func verifier(dir string, clk *clock, keys ...ed25519.PrivateKey) *TechVerifier {
	var pubs []ed25519.PublicKey
	for _, k := range keys {
		pubs = append(pubs, k.Public().(ed25519.PublicKey))
	}
	return NewTechVerifier(pubs, func() TechTarget { return thisTerminal }, NewNonceLog(filepath.Join(dir, "nonces.json")), clk.now)
}

// resign re-signs a token whose claims JSON was edited, so a test can reach
// the checks after the signature.
func resign(t *testing.T, priv ed25519.PrivateKey, edit func(map[string]any)) string {
	t.Helper()
	b, _ := json.Marshal(techClaims())
	m := map[string]any{}
	_ = json.Unmarshal(b, &m)
	m["kid"] = TechKeyID(priv.Public().(ed25519.PublicKey))
	edit(m)
	b, _ = json.Marshal(m)
	signed := TechQRPrefix + base64.RawURLEncoding.EncodeToString(b)
	return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(signed)))
}

// TestTechQRRefusals: each way a token can be wrong is refused with its own
// reason, and the nonce of a refused token is not spent. Kills: the
// signature not checked (tampered, other key), expiry or not-before not
// checked, the terminal binding not checked, the division prefix taken for
// an exact match or ignored.
func TestTechQRRefusals(t *testing.T) {
	priv, other := techKey(t), techKey(t)
	clk := &clock{t: techNow}
	good := techClaims()
	tamper := func(tok string) string {
		c, _, _, _ := ParseTechQR(tok)
		c.TechID = "J9999" // a technician who was never issued one
		b, _ := json.Marshal(c)
		i := strings.LastIndexByte(tok, '.')
		return TechQRPrefix + base64.RawURLEncoding.EncodeToString(b) + tok[i:]
	}
	with := func(f func(*TechClaims)) TechClaims { c := good; c.Nonce = NewNonce(); f(&c); return c }
	forged, _ := IssueTechQR(other, good)
	// A token by an untrusted key that claims the trusted key's ID.
	b, _ := json.Marshal(with(func(c *TechClaims) { c.KeyID = TechKeyID(priv.Public().(ed25519.PublicKey)) }))
	s := TechQRPrefix + base64.RawURLEncoding.EncodeToString(b)
	forgedKid := s + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(other, []byte(s)))
	cases := []struct {
		name, tok string
		want      error
		reason    string
	}{
		{"tampered claims", tamper(issue(t, priv, good)), ErrTechBadSignature, "bad_signature"},
		{"untrusted key claiming the trusted key's ID", forgedKid, ErrTechBadSignature, "bad_signature"},
		{"unknown key", forged, ErrTechUnknownKey, "unknown_key"},
		{"expired", issue(t, priv, with(func(c *TechClaims) {
			c.NotBefore, c.NotAfter = techNow.Add(-5*time.Hour).Unix(), techNow.Unix()
		})), ErrTechExpired, "expired"},
		{"not yet valid", issue(t, priv, with(func(c *TechClaims) {
			c.NotBefore, c.NotAfter = techNow.Add(time.Minute).Unix(), techNow.Add(2*time.Hour).Unix()
		})), ErrTechNotYetValid, "not_yet_valid"},
		{"other terminal of the station", issue(t, priv, with(func(c *TechClaims) { c.Terminal = "T02" })), ErrTechWrongTerm, "wrong_terminal"},
		{"other station", issue(t, priv, with(func(c *TechClaims) { c.Station = "330106002" })), ErrTechWrongTerm, "wrong_terminal"},
		{"other county", issue(t, priv, with(func(c *TechClaims) { c.Station, c.Terminal, c.Division = "", "", "330107" })), ErrTechWrongTerm, "wrong_terminal"},
		{"too long a validity", resign(t, priv, func(m map[string]any) {
			m["nbf"], m["exp"] = techNow.Add(-time.Hour).Unix(), techNow.Add(30*24*time.Hour).Unix()
		}), ErrTechTooLong, "too_long"},
		{"no terminal named", resign(t, priv, func(m map[string]any) { delete(m, "st"); delete(m, "term") }), ErrTechMalformed, "malformed"},
		{"unknown field", resign(t, priv, func(m map[string]any) { m["admin"] = true }), ErrTechMalformed, "malformed"},
		{"not a token", TechQRPrefix + "garbage", ErrTechMalformed, "malformed"},
		{"truncated", issue(t, priv, good)[:120], ErrTechMalformed, "malformed"},
	}
	dir := t.TempDir()
	v := verifier(dir, clk, priv)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := v.Technician(context.Background(), c.tok)
			if !errors.Is(err, c.want) || TechQRReason(err) != c.reason || !IsTechQRError(err) {
				t.Fatalf("err %v (reason %s), want %v (%s)", err, TechQRReason(err), c.want, c.reason)
			}
		})
	}
	// None of the refusals spent a nonce: the good token is still good.
	if _, err := os.Stat(filepath.Join(dir, "nonces.json")); err == nil {
		t.Fatal("a refused token wrote the nonce log")
	}
	// The division prefix covers the terminal, the whole code too.
	for _, div := range []string{"33", "330106", "330106001001"} {
		tok := issue(t, priv, with(func(c *TechClaims) { c.Station, c.Terminal, c.Division = "", "", div }))
		if tech, _, err := v.Technician(context.Background(), tok); err != nil || tech.ID != "J0107" {
			t.Fatalf("division %s: %+v %v", div, tech, err)
		}
	}
	// No key configured: refused as not configured.
	if _, _, err := NewTechVerifier(nil, func() TechTarget { return thisTerminal }, NewNonceLog(filepath.Join(dir, "n2")), clk.now).
		Technician(context.Background(), issue(t, priv, good)); TechQRReason(err) != "not_configured" {
		t.Fatalf("no keys: %v", err)
	}
}

// TestTechQRValidityEdges: valid from nbf to just before exp.
func TestTechQRValidityEdges(t *testing.T) {
	priv := techKey(t)
	for _, c := range []struct {
		at   time.Time
		want error
	}{
		{techNow.Add(-time.Hour - time.Second), ErrTechNotYetValid},
		{techNow.Add(-time.Hour), nil},
		{techNow.Add(3*time.Hour - time.Second), nil},
		{techNow.Add(3 * time.Hour), ErrTechExpired},
	} {
		clk := &clock{t: c.at}
		_, _, err := verifier(t.TempDir(), clk, priv).Technician(context.Background(), issue(t, priv, techClaims()))
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("at %s: %v, want %v", c.at, err, c.want)
		}
	}
}

// TestTechQRReplayRefusedAfterRestart: a token opens once; the same token
// is refused by the same verifier and by a new one over the same nonce file
// (a restarted kiosk); the nonce is forgotten once the token expired, and a
// second trusted key (rotation) works alongside the first. Kills: the nonce
// not recorded, recorded only in memory, not read back.
func TestTechQRReplayRefusedAfterRestart(t *testing.T) {
	priv, next := techKey(t), techKey(t)
	dir := t.TempDir()
	clk := &clock{t: techNow}
	tok := issue(t, priv, techClaims())
	tech, claims, err := verifier(dir, clk, priv, next).Technician(context.Background(), tok)
	if err != nil || tech.ID != "J0107" || tech.Name != "陈工" || claims.Nonce == "" || !tech.Until.Equal(techNow.Add(3*time.Hour)) {
		t.Fatalf("first use: %+v %v", tech, err)
	}
	if _, _, err := verifier(dir, clk, priv, next).Technician(context.Background(), tok); !errors.Is(err, ErrTechReplayed) {
		t.Fatalf("replay after a restart: %v", err)
	}
	if tech, _, err := verifier(dir, clk, priv, next).Technician(context.Background(), issue(t, next, techClaims())); err != nil || tech.KeyID != TechKeyID(next.Public().(ed25519.PublicKey)) {
		t.Fatalf("the second trusted key: %+v %v", tech, err)
	}
	// The file holds the nonces, nothing of the technician.
	b, err := os.ReadFile(filepath.Join(dir, "nonces.json"))
	if err != nil || strings.Contains(string(b), "陈工") || strings.Contains(string(b), "J0107") {
		t.Fatalf("nonce log %q %v", b, err)
	}
	// After the expiry the entry is pruned at the next spend.
	clk.add(3 * time.Hour)
	c := techClaims()
	c.NotBefore, c.NotAfter = clk.now().Unix(), clk.now().Add(time.Hour).Unix()
	if _, _, err := verifier(dir, clk, priv).Technician(context.Background(), issue(t, priv, c)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "nonces.json")); strings.Contains(string(b), claims.Nonce) {
		t.Fatalf("an expired nonce is still kept: %s", b)
	}
	// A damaged nonce file refuses every token (fail closed).
	if err := os.WriteFile(filepath.Join(dir, "nonces.json"), []byte("{oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := verifier(dir, clk, priv).Technician(context.Background(), issue(t, priv, c)); err == nil {
		t.Fatal("a damaged nonce file let a token through")
	}
}

func TestTechKeysFile(t *testing.T) {
	dir := t.TempDir()
	a, err := GenerateTechKey(filepath.Join(dir, "a.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateTechKey(filepath.Join(dir, "b.key")); err != nil {
		t.Fatal(err)
	}
	pa, _ := os.ReadFile(filepath.Join(dir, "a.key.pub"))
	pb, _ := os.ReadFile(filepath.Join(dir, "b.key.pub"))
	keys, err := ParseTechKeys(append(pa, pb...))
	if err != nil || len(keys) != 2 || !keys[0].Equal(a.Public()) {
		t.Fatalf("two keys: %d %v", len(keys), err)
	}
	priv, _ := os.ReadFile(filepath.Join(dir, "a.key"))
	for _, bad := range [][]byte{nil, []byte("junk"), priv, append(pa, []byte("trailing junk")...)} {
		if _, err := ParseTechKeys(bad); err == nil {
			t.Errorf("ParseTechKeys(%.30q) accepted", bad)
		}
	}
	if st, _ := os.Stat(filepath.Join(dir, "a.key")); st.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode %v", st.Mode())
	}
	back, err := LoadTechPrivate(filepath.Join(dir, "a.key"))
	if err != nil || !back.Equal(a) {
		t.Fatalf("load: %v", err)
	}
}
