package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
)

// Technician QR codes: the province issues a technician a short-lived token,
// signed with its ed25519 key, that opens admin mode on the terminals it
// names without the PIN. The QR payload is
//
//	BMKTECH1.<base64url(claims JSON)>.<base64url(signature)>
//
// and the signature covers the bytes "BMKTECH1.<base64url(claims JSON)>"
// (the prefix is signed too, so no other signed object of the province can
// pass for a token). A terminal accepts a token when its key is one of the
// trusted keys, the signature verifies, now is within [nbf, exp], the
// validity is at most MaxTechLife, the token names this terminal (station
// code and terminal number) or a prefix of its station's division code, and
// its nonce was never used here: nonces are kept in an fsynced file until
// the token expires, so a token is good for one entry, even across
// restarts.

// TechQRPrefix starts every technician token.
const TechQRPrefix = "BMKTECH1."

// MaxTechLife is the longest validity a terminal accepts: a token is for one
// visit, not a standing credential.
const MaxTechLife = 24 * time.Hour

// Errors of a refused technician token. TechQRReason names each one for the
// audit log and the screen's message.
var (
	ErrTechMalformed    = errors.New("technician QR: malformed")
	ErrTechUnknownKey   = errors.New("technician QR: unknown signing key")
	ErrTechBadSignature = errors.New("technician QR: bad signature")
	ErrTechNotYetValid  = errors.New("technician QR: not yet valid")
	ErrTechExpired      = errors.New("technician QR: expired")
	ErrTechTooLong      = errors.New("technician QR: validity longer than allowed")
	ErrTechWrongTerm    = errors.New("technician QR: not issued for this terminal")
	ErrTechReplayed     = errors.New("technician QR: already used")
	ErrTechNoKeys       = errors.New("technician QR: no trusted province key configured")
)

var techReasons = []struct {
	err    error
	reason string
}{
	{ErrTechMalformed, "malformed"},
	{ErrTechUnknownKey, "unknown_key"},
	{ErrTechBadSignature, "bad_signature"},
	{ErrTechNotYetValid, "not_yet_valid"},
	{ErrTechExpired, "expired"},
	{ErrTechTooLong, "too_long"},
	{ErrTechWrongTerm, "wrong_terminal"},
	{ErrTechReplayed, "replayed"},
	{ErrTechNoKeys, "not_configured"},
}

// TechQRReason is the short name of a refusal ("expired", "replayed" …;
// "error" for anything else, such as a nonce file that cannot be written).
// The screens show the message "notice.techqr_"+reason.
func TechQRReason(err error) string {
	for _, r := range techReasons {
		if errors.Is(err, r.err) {
			return r.reason
		}
	}
	return "error"
}

// IsTechQRError says whether err is a refusal of a technician token.
func IsTechQRError(err error) bool { return TechQRReason(err) != "error" || errors.Is(err, errTechIO) }

var errTechIO = errors.New("technician QR: nonce log")

// TechClaims is what a token says. Either Station and Terminal name one
// terminal, or Division is a prefix of the station's 12-digit division
// code (a county's "441521" covers every terminal of that county).
type TechClaims struct {
	KeyID     string `json:"kid"`
	TechID    string `json:"tid"`
	Name      string `json:"name,omitempty"`
	Station   string `json:"st,omitempty"`
	Terminal  string `json:"term,omitempty"`
	Division  string `json:"div,omitempty"`
	NotBefore int64  `json:"nbf"` // Unix seconds
	NotAfter  int64  `json:"exp"`
	Nonce     string `json:"nonce"`
}

// Technician is who a verified token let in.
type Technician struct {
	ID, Name string
	KeyID    string
	Until    time.Time // the token's expiry
}

// TechTarget is the terminal a token is checked against.
type TechTarget struct {
	Station, Terminal, Division string
}

var (
	techIDRe    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	nonceRe     = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
	divPrefixRe = regexp.MustCompile(`^[0-9]{2,12}$`)
)

func (c TechClaims) check() error {
	switch {
	case !techIDRe.MatchString(c.TechID):
		return fmt.Errorf("%w: technician ID", ErrTechMalformed)
	case !nonceRe.MatchString(c.Nonce):
		return fmt.Errorf("%w: nonce", ErrTechMalformed)
	case c.NotBefore <= 0 || c.NotAfter <= c.NotBefore:
		return fmt.Errorf("%w: validity", ErrTechMalformed)
	case c.Division != "" && (c.Station != "" || c.Terminal != ""):
		return fmt.Errorf("%w: both a terminal and a division", ErrTechMalformed)
	case c.Division != "" && !divPrefixRe.MatchString(c.Division):
		return fmt.Errorf("%w: division prefix", ErrTechMalformed)
	case c.Division == "" && (c.Station == "" || c.Terminal == ""):
		return fmt.Errorf("%w: names no terminal", ErrTechMalformed)
	case len(c.Name) > 64:
		return fmt.Errorf("%w: name", ErrTechMalformed)
	}
	return nil
}

// TechKeyID is a short fingerprint of a province key (first 8 bytes of its
// sha256, hex), the kid of the tokens it signs.
func TechKeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// NewNonce is 128 random bits, base64url.
func NewNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// IssueTechQR signs claims (their KeyID is set from the key) and returns
// the QR payload: the province's side, and kioskctl admin issue-qr.
func IssueTechQR(priv ed25519.PrivateKey, c TechClaims) (string, error) {
	c.KeyID = TechKeyID(priv.Public().(ed25519.PublicKey))
	if err := c.check(); err != nil {
		return "", err
	}
	if time.Duration(c.NotAfter-c.NotBefore)*time.Second > MaxTechLife {
		return "", ErrTechTooLong
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("issue technician QR: %w", err)
	}
	signed := TechQRPrefix + base64.RawURLEncoding.EncodeToString(b)
	return signed + "." + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(signed))), nil
}

// ParseTechQR decodes a payload without checking anything but its shape:
// the claims are the token's word only until TechVerifier checked them.
func ParseTechQR(payload string) (TechClaims, []byte, []byte, error) {
	var c TechClaims
	if !strings.HasPrefix(payload, TechQRPrefix) || len(payload) > 4096 {
		return c, nil, nil, ErrTechMalformed
	}
	i := strings.LastIndexByte(payload, '.')
	if i <= len(TechQRPrefix) {
		return c, nil, nil, ErrTechMalformed
	}
	signed, sigB64 := payload[:i], payload[i+1:]
	sig, err := base64.RawURLEncoding.DecodeString(sigB64)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return c, nil, nil, fmt.Errorf("%w: signature encoding", ErrTechMalformed)
	}
	body, err := base64.RawURLEncoding.DecodeString(signed[len(TechQRPrefix):])
	if err != nil {
		return c, nil, nil, fmt.Errorf("%w: claims encoding", ErrTechMalformed)
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return TechClaims{}, nil, nil, fmt.Errorf("%w: claims: %v", ErrTechMalformed, err)
	}
	return c, []byte(signed), sig, nil
}

// TechVerifier checks technician tokens for one terminal. Safe for
// concurrent use.
type TechVerifier struct {
	keys   map[string]ed25519.PublicKey
	target func() TechTarget
	nonces *NonceLog
	now    func() time.Time
}

// NewTechVerifier trusts keys, checks tokens against what target returns
// (the configured station) and keeps used nonces in nonces; now may be nil
// (time.Now).
func NewTechVerifier(keys []ed25519.PublicKey, target func() TechTarget, nonces *NonceLog, now func() time.Time) *TechVerifier {
	if now == nil {
		now = time.Now
	}
	m := map[string]ed25519.PublicKey{}
	for _, k := range keys {
		m[TechKeyID(k)] = k
	}
	return &TechVerifier{keys: m, target: target, nonces: nonces, now: now}
}

// Technician checks a scanned payload and, when it is good, spends its
// nonce (durably, before returning) and returns the technician. The
// returned claims are filled as far as the payload could be decoded, for
// the audit log, even on refusal (unverified then).
func (v *TechVerifier) Technician(ctx context.Context, payload string) (Technician, TechClaims, error) {
	if len(v.keys) == 0 {
		return Technician{}, TechClaims{}, ErrTechNoKeys
	}
	c, signed, sig, err := ParseTechQR(payload)
	if err != nil {
		return Technician{}, c, err
	}
	pub, ok := v.keys[c.KeyID]
	if !ok {
		return Technician{}, c, fmt.Errorf("%w %q", ErrTechUnknownKey, c.KeyID)
	}
	if !ed25519.Verify(pub, signed, sig) {
		return Technician{}, c, ErrTechBadSignature
	}
	if err := c.check(); err != nil {
		return Technician{}, c, err
	}
	now := v.now()
	nbf, exp := time.Unix(c.NotBefore, 0), time.Unix(c.NotAfter, 0)
	switch {
	case exp.Sub(nbf) > MaxTechLife:
		return Technician{}, c, ErrTechTooLong
	case now.Before(nbf):
		return Technician{}, c, fmt.Errorf("%w before %s", ErrTechNotYetValid, nbf.UTC().Format(time.RFC3339))
	case !now.Before(exp):
		return Technician{}, c, fmt.Errorf("%w at %s", ErrTechExpired, exp.UTC().Format(time.RFC3339))
	}
	if !c.covers(v.target()) {
		return Technician{}, c, ErrTechWrongTerm
	}
	if err := v.nonces.Spend(ctx, c.KeyID+":"+c.Nonce, exp, now); err != nil {
		return Technician{}, c, err
	}
	return Technician{ID: c.TechID, Name: c.Name, KeyID: c.KeyID, Until: exp}, c, nil
}

func (c TechClaims) covers(t TechTarget) bool {
	if c.Division != "" {
		return len(t.Division) == 12 && strings.HasPrefix(t.Division, c.Division)
	}
	return t.Station != "" && t.Terminal != "" && c.Station == t.Station && c.Terminal == t.Terminal
}

// NonceLog remembers spent nonces until their token expires, in a small
// JSON file written atomically and fsynced before a token is accepted.
type NonceLog struct {
	path string
	mu   sync.Mutex
}

// NewNonceLog keeps its state in path (the directory must exist).
func NewNonceLog(path string) *NonceLog { return &NonceLog{path: path} }

// Spend records nonce until exp, or returns ErrTechReplayed when it is
// already recorded. Expired entries are dropped. A damaged file refuses
// every token (fail closed).
func (n *NonceLog) Spend(ctx context.Context, nonce string, exp, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	seen := map[string]int64{}
	b, err := os.ReadFile(n.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("%w: %w", errTechIO, err)
	default:
		if err := json.Unmarshal(b, &seen); err != nil {
			return fmt.Errorf("%w: %s damaged: %w", errTechIO, n.path, err)
		}
	}
	if until, ok := seen[nonce]; ok && now.Unix() < until {
		return ErrTechReplayed
	}
	for k, until := range seen {
		if now.Unix() >= until {
			delete(seen, k)
		}
	}
	seen[nonce] = exp.Unix()
	out, err := json.Marshal(seen)
	if err != nil {
		return err
	}
	if err := WriteFileSync(n.path, out, 0o600); err != nil {
		return fmt.Errorf("%w: %w", errTechIO, err)
	}
	return nil
}

// PEM block types of the province's technician keys.
const (
	TechPrivateType = "BMK TECHNICIAN PRIVATE KEY"
	TechPublicType  = "BMK TECHNICIAN PUBLIC KEY"
)

// ParseTechKeys reads a trust file: one or more PEM public keys (a province
// rotating its key lists both for a while).
func ParseTechKeys(b []byte) ([]ed25519.PublicKey, error) {
	var out []ed25519.PublicKey
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != TechPublicType || len(blk.Bytes) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: %q block is not a technician public key", ErrTechMalformed, blk.Type)
		}
		out = append(out, ed25519.PublicKey(blk.Bytes))
	}
	if strings.TrimSpace(string(b)) != "" || len(out) == 0 {
		return nil, fmt.Errorf("%w: no technician public key in the file", ErrTechMalformed)
	}
	return out, nil
}

// GenerateTechKey writes a new province key to path (PEM, 0600) and its
// public key to path.pub, the trust file terminals are given.
func GenerateTechKey(path string) (ed25519.PrivateKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate technician key: %w", err)
	}
	if err := WriteFileSync(path, pem.EncodeToMemory(&pem.Block{Type: TechPrivateType, Bytes: priv.Seed()}), 0o600); err != nil {
		return nil, err
	}
	if err := WriteFileSync(path+".pub", pem.EncodeToMemory(&pem.Block{Type: TechPublicType, Bytes: pub}), 0o644); err != nil {
		return nil, err
	}
	return priv, nil
}

// LoadTechPrivate reads a key written by GenerateTechKey.
func LoadTechPrivate(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read technician key: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != TechPrivateType || len(blk.Bytes) != ed25519.SeedSize {
		return nil, fmt.Errorf("read technician key %s: %w", path, ErrTechMalformed)
	}
	return ed25519.NewKeyFromSeed(blk.Bytes), nil
}
