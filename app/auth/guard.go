package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Errors of an attempt. Callers act on them with errors.Is; a *LockedError
// also carries the end of the lockout.
var (
	ErrWrongPIN = errors.New("wrong PIN")
	// ErrLocked: too many failures; the attempt was not even checked.
	ErrLocked = errors.New("locked after failed attempts")
	// ErrNotConfigured: no PIN is set for this role (there is never a
	// default PIN): set one with kioskctl or provisioning.
	ErrNotConfigured = errors.New("no PIN configured")
)

// LockedError says until when attempts are refused.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return "locked until " + e.Until.UTC().Format(time.RFC3339)
}

// Is makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Policy is how failures lock a role out: the first Free failures in a row
// cost nothing; each one after locks for Base, doubled for every further
// failure, at most Max. A success clears the count.
type Policy struct {
	Free int
	Base time.Duration
	Max  time.Duration
}

// DefaultPolicy: three tries, then 30 s, 1 min, 2 min … up to an hour.
var DefaultPolicy = Policy{Free: 3, Base: 30 * time.Second, Max: time.Hour}

// Delay is the lockout after the n-th failure in a row.
func (p Policy) Delay(n int) time.Duration {
	if n < p.Free {
		return 0
	}
	d := p.Base
	for i := p.Free; i < n && d < p.Max; i++ {
		d *= 2
	}
	return min(d, p.Max)
}

// Record is the lockout state of one role.
type Record struct {
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	LastFailure time.Time `json:"last_failure,omitzero"`
}

// Guard counts failed attempts per role ("admin", "staff") and refuses
// attempts while a role is locked. Its state is a small JSON file written
// atomically and fsynced before an attempt is checked, so a restart (or a
// power cut in the middle of an attempt) never clears a lockout: the
// failure is counted first and taken back on success. Safe for concurrent
// use; attempts are serialised.
type Guard struct {
	path   string
	policy Policy
	now    func() time.Time
	mu     sync.Mutex
}

// NewGuard keeps its state in path (the directory must exist); now may be
// nil (time.Now).
func NewGuard(path string, p Policy, now func() time.Time) *Guard {
	if now == nil {
		now = time.Now
	}
	return &Guard{path: path, policy: p, now: now}
}

// Status returns the state of role.
func (g *Guard) Status(role string) (Record, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	recs, err := g.load()
	if err != nil {
		return Record{}, err
	}
	return recs[role], nil
}

// Attempt runs check for role unless the role is locked. check reports
// whether the PIN was right. A wrong PIN returns ErrWrongPIN, or a
// *LockedError when this failure starts a lockout.
func (g *Guard) Attempt(ctx context.Context, role string, check func() (bool, error)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	recs, err := g.load()
	if err != nil {
		return err
	}
	now := g.now()
	rec := recs[role]
	if now.Before(rec.LockedUntil) {
		return &LockedError{Until: rec.LockedUntil}
	}
	// Count the failure durably before checking: an attempt cut short by a
	// restart counts as failed.
	failed := rec
	failed.Failures++
	failed.LastFailure = now
	failed.LockedUntil = time.Time{}
	if d := g.policy.Delay(failed.Failures); d > 0 {
		failed.LockedUntil = now.Add(d)
	}
	recs[role] = failed
	if err := g.save(recs); err != nil {
		return err
	}
	ok, err := check()
	if err != nil {
		return err
	}
	if !ok {
		if !failed.LockedUntil.IsZero() {
			return fmt.Errorf("%w: %w", ErrWrongPIN, &LockedError{Until: failed.LockedUntil})
		}
		return ErrWrongPIN
	}
	recs[role] = Record{}
	return g.save(recs)
}

// Clear forgets every failure and lockout (kioskctl admin unlock, by a
// technician with root on the terminal).
func (g *Guard) Clear() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.save(map[string]Record{})
}

func (g *Guard) load() (map[string]Record, error) {
	b, err := os.ReadFile(g.path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]Record{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lockout state: %w", err)
	}
	recs := map[string]Record{}
	if err := json.Unmarshal(b, &recs); err != nil {
		// Fail closed: a damaged file refuses attempts rather than
		// forgetting a lockout. A technician removes it by hand.
		return nil, fmt.Errorf("lockout state %s damaged: %w", g.path, err)
	}
	return recs, nil
}

// save writes the state atomically: a temporary file fsynced, renamed over
// the old one, and the directory fsynced.
func (g *Guard) save(recs map[string]Record) error {
	for k, r := range recs {
		if r == (Record{}) {
			delete(recs, k)
		}
	}
	b, err := json.Marshal(recs)
	if err != nil {
		return err
	}
	if err := WriteFileSync(g.path, b, 0o600); err != nil {
		return err
	}
	// Written by root (kioskctl admin unlock): hand the file to the owner
	// of the data directory, the kiosk's service user, who must rewrite it.
	if os.Geteuid() == 0 {
		if st, err := os.Stat(filepath.Dir(g.path)); err == nil {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok && sys.Uid != 0 {
				if err := os.Chown(g.path, int(sys.Uid), int(sys.Gid)); err != nil {
					return fmt.Errorf("lockout state: %w", err)
				}
			}
		}
	}
	return nil
}

// WriteFileSync replaces path with b atomically and durably: a temporary
// file in the same directory, fsynced, renamed, then the directory fsynced.
func WriteFileSync(path string, b []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after the rename
	if _, err = f.Write(b); err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("write %s: sync dir: %w", path, err)
	}
	return nil
}
