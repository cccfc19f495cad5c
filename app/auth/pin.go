package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters. They travel inside each hash, so a
// hash made with other parameters still verifies.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams are OWASP's argon2id choice (46 MiB, one pass): about 0.1 s on a 2-core
// board: slow enough that a copied configuration file does not give up a
// PIN in seconds, fast enough for a technician at the screen.
var DefaultParams = Params{Memory: 46 * 1024, Time: 1, Threads: 1}

// Limits on the parameters read from a hash: a crafted file must not make
// the terminal allocate gigabytes at the PIN pad.
const (
	maxMemory  = 512 * 1024
	maxTime    = 16
	saltLen    = 16
	keyLen     = 32
	MinPINLen  = 6
	MaxPINLen  = 12
	hashPrefix = "$argon2id$"
)

// Errors of PIN hashing and checking.
var (
	// ErrWeakPIN: the PIN is too short, not digits, or trivially guessed
	// (one digit repeated, a run like 123456).
	ErrWeakPIN = errors.New("weak PIN")
	// ErrBadHash: the stored hash is not an argon2id hash this package reads.
	ErrBadHash = errors.New("not an argon2id PIN hash")
)

// CheckPIN refuses PINs a bystander would guess: fewer than 6 or more than
// 12 digits, anything but digits, one digit repeated, an ascending or
// descending run.
func CheckPIN(pin string) error {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return fmt.Errorf("%w: %d to %d digits", ErrWeakPIN, MinPINLen, MaxPINLen)
	}
	for _, r := range pin {
		if r < '0' || r > '9' {
			return fmt.Errorf("%w: digits only", ErrWeakPIN)
		}
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	if same || up || down {
		return fmt.Errorf("%w: a repeated digit or a run", ErrWeakPIN)
	}
	return nil
}

// Hash returns the argon2id hash of pin in the PHC string format
// ($argon2id$v=19$m=…,t=…,p=…$salt$key) with DefaultParams, after CheckPIN.
func Hash(pin string) (string, error) { return HashWith(pin, DefaultParams) }

// HashWith is Hash with given parameters (tests use cheap ones).
func HashWith(pin string, p Params) (string, error) {
	if err := CheckPIN(pin); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash pin: %w", err)
	}
	key := argon2.IDKey([]byte(pin), salt, p.Time, p.Memory, p.Threads, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("%sv=%d$m=%d,t=%d,p=%d$%s$%s", hashPrefix, argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

type parsed struct {
	p         Params
	salt, key []byte
}

func parse(h string) (parsed, error) {
	var out parsed
	if !strings.HasPrefix(h, hashPrefix) {
		return out, ErrBadHash
	}
	parts := strings.Split(h[len(hashPrefix):], "$")
	if len(parts) != 4 || parts[0] != "v="+strconv.Itoa(argon2.Version) {
		return out, ErrBadHash
	}
	for _, kv := range strings.Split(parts[1], ",") {
		k, v, ok := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if !ok || err != nil {
			return out, ErrBadHash
		}
		switch k {
		case "m":
			out.p.Memory = uint32(n)
		case "t":
			out.p.Time = uint32(n)
		case "p":
			if n > 255 {
				return out, ErrBadHash
			}
			out.p.Threads = uint8(n)
		default:
			return out, ErrBadHash
		}
	}
	if out.p.Memory < 8 || out.p.Memory > maxMemory || out.p.Time < 1 || out.p.Time > maxTime || out.p.Threads < 1 {
		return out, fmt.Errorf("%w: parameters out of range", ErrBadHash)
	}
	var err error
	enc := base64.RawStdEncoding
	if out.salt, err = enc.DecodeString(parts[2]); err != nil || len(out.salt) < 8 {
		return out, ErrBadHash
	}
	if out.key, err = enc.DecodeString(parts[3]); err != nil || len(out.key) < 16 {
		return out, ErrBadHash
	}
	return out, nil
}

// ValidHash reports whether h is an argon2id hash Verify reads (the
// configuration is checked with it at load time).
func ValidHash(h string) error {
	_, err := parse(h)
	return err
}

// Verify reports whether pin matches the hash, in constant time over the
// derived key. A malformed hash is an error, never a match.
func Verify(hash, pin string) (bool, error) {
	ph, err := parse(hash)
	if err != nil {
		return false, err
	}
	key := argon2.IDKey([]byte(pin), ph.salt, ph.p.Time, ph.p.Memory, ph.p.Threads, uint32(len(ph.key)))
	return subtle.ConstantTimeCompare(key, ph.key) == 1, nil
}
