package offline

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/mattn/go-sqlite3"
)

// Errors callers act on.
var (
	ErrNotFound = errors.New("not found")
	// ErrConflict: an instance ID or acceptance number already stored with
	// different content.
	ErrConflict = errors.New("conflicting application already stored")
	// ErrDiskFull: the disk (or the database) is full; nothing was stored.
	// It is the domain's kiosk.ErrStorageFull, which the UI tests for.
	ErrDiskFull = kiosk.ErrStorageFull
	// ErrPurged: the application's personal data was removed after retention.
	ErrPurged = errors.New("application purged")
	// ErrInvalid: the application or its files are not acceptable.
	ErrInvalid = errors.New("invalid application")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store closed")
)

// DefaultRetention is how long personal data of a finished application is kept.
const DefaultRetention = 7 * 24 * time.Hour

// Store is the durable offline store. It is safe for concurrent use. Writes
// go through one connection (BEGIN IMMEDIATE, synchronous=FULL); reads use a
// separate pool of read-only connections (WAL lets them run beside writes).
type Store struct {
	dir      string
	attDir   string
	w        *sql.DB // the one writer
	r        *sql.DB // readers
	seal     *sealer
	blindKey []byte
	macKey   []byte
	key      Key

	now         func() time.Time
	log         *slog.Logger
	orphanGrace time.Duration
	headroom    int64 // size of the reserve file (headroom.go)
	// maxRetryAhead: a next attempt further ahead than this is a wrong
	// clock's and counts as due (NextDue).
	maxRetryAhead time.Duration
	reserveMu     sync.Mutex // allocating or releasing the reserve

	// writeHook replaces (*os.File).Write in tests to inject faults.
	writeHook func(f *os.File, b []byte) (int, error)
}

// Option configures Open.
type Option func(*Store)

// WithClock sets the clock (for tests and simulations).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithLogger sets the logger. The store never logs personal data.
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// WithOrphanGrace sets how old an unreferenced sealed file must be before
// Open removes it (default one minute, so that a second process opening the
// store — kioskctl beside the kiosk — never removes the files of an Enqueue
// still in flight).
func WithOrphanGrace(d time.Duration) Option { return func(s *Store) { s.orphanGrace = d } }

// DefaultMaxRetryAhead bounds how far ahead a recorded next attempt may be
// before NextDue takes it for a wrong clock's: above the relay's largest
// backoff (10 minutes by default).
const DefaultMaxRetryAhead = time.Hour

// Open opens (creating if needed) the store in dir: dir/kiosk.db and
// dir/attachments/. It migrates the schema forward, refuses a schema newer
// than the code, and removes sealed files left by an interrupted Enqueue.
func Open(ctx context.Context, dir string, key Key, opts ...Option) (*Store, error) {
	s := &Store{
		dir:           dir,
		attDir:        filepath.Join(dir, "attachments"),
		key:           key,
		blindKey:      key.derive("blind index v1"),
		macKey:        key.derive("content mac v1"),
		now:           time.Now,
		log:           slog.New(slog.DiscardHandler),
		orphanGrace:   time.Minute,
		headroom:      DefaultHeadroom,
		maxRetryAhead: DefaultMaxRetryAhead,
	}
	for _, o := range opts {
		o(s)
	}
	var err error
	if s.seal, err = newSealer(key.derive("seal v1")); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", diskErr(err))
	}
	if err := os.MkdirAll(s.attDir, 0o700); err != nil {
		return nil, fmt.Errorf("open store: %w", diskErr(err))
	}
	path := filepath.Join(dir, "kiosk.db")
	// SQLite creates the database with the umask's mode and gives -wal and
	// -shm the database's mode: make it owner-only before SQLite sees it.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600); err != nil {
		return nil, fmt.Errorf("open store: %w", diskErr(err))
	} else {
		f.Close()
	}
	common := url.Values{}
	common.Set("_busy_timeout", "10000")
	common.Set("_journal_mode", "WAL")
	common.Set("_foreign_keys", "1")
	wq := url.Values{}
	for k, v := range common {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	wq.Set("_synchronous", "FULL")
	wq.Set("_secure_delete", "1") // purged rows do not linger in free pages
	s.w, err = sql.Open("sqlite3", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxLifetime(0)
	if err := s.w.PingContext(ctx); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open store: %w", dbErr(err))
	}
	if err := migrate(ctx, s.w, s.now()); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open store: %w", dbErr(err))
	}
	rq := common
	rq.Set("_query_only", "1")
	s.r, err = sql.Open("sqlite3", "file:"+path+"?"+rq.Encode())
	if err != nil {
		s.w.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.r.SetMaxOpenConns(4)
	if err := s.cleanOrphans(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if !s.ensureReserve() {
		s.log.Warn("no room for the reserved headroom: new applications are refused until space is freed", "bytes", s.headroom)
	}
	return s, nil
}

// Close closes the database. Sealed files need no closing.
func (s *Store) Close() error {
	return errors.Join(s.r.Close(), s.w.Close())
}

// Dir returns the store's directory.
func (s *Store) Dir() string { return s.dir }

// blind returns the keyed blind index of an ID number.
func (s *Store) blind(idNumber string) string {
	m := hmac.New(sha256.New, s.blindKey)
	m.Write([]byte(strings.ToUpper(strings.TrimSpace(idNumber))))
	return hex.EncodeToString(m.Sum(nil))
}

func (s *Store) contentMAC(b []byte) []byte {
	m := hmac.New(sha256.New, s.macKey)
	m.Write(b)
	return m.Sum(nil)
}

// cleanOrphans removes sealed files and temporary files under attachments/
// that no attachments row refers to and that are older than the grace period,
// then empty instance directories.
func (s *Store) cleanOrphans(ctx context.Context) error {
	known := map[string]bool{}
	rows, err := s.r.QueryContext(ctx, `SELECT sealed_path FROM attachments`)
	if err != nil {
		return fmt.Errorf("clean orphans: %w", err)
	}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			rows.Close()
			return fmt.Errorf("clean orphans: %w", err)
		}
		known[p] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("clean orphans: %w", err)
	}
	cutoff := time.Now().Add(-s.orphanGrace)
	dirs, err := os.ReadDir(s.attDir)
	if err != nil {
		return fmt.Errorf("clean orphans: %w", err)
	}
	removed := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		sub := filepath.Join(s.attDir, d.Name())
		files, err := os.ReadDir(sub)
		if err != nil {
			continue
		}
		left := 0
		for _, f := range files {
			rel := d.Name() + "/" + f.Name()
			if known[rel] {
				left++
				continue
			}
			if fi, err := f.Info(); err == nil && fi.ModTime().After(cutoff) {
				left++
				continue
			}
			if os.Remove(filepath.Join(sub, f.Name())) == nil {
				removed++
			}
		}
		if left == 0 {
			if fi, err := os.Stat(sub); err == nil && !fi.ModTime().After(cutoff) {
				os.Remove(sub)
			}
		}
	}
	if removed > 0 {
		s.log.Info("removed orphan sealed files", "count", removed)
		syncDir(s.attDir)
	}
	return nil
}

// syncDir fsyncs a directory so that renames and creations in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// diskErr maps ENOSPC and EDQUOT to ErrDiskFull.
func diskErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

// dbErr maps SQLite's "database or disk is full" to ErrDiskFull.
func dbErr(err error) error {
	var se sqlite3.Error
	if errors.As(err, &se) && se.Code == sqlite3.ErrFull {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return diskErr(err)
}

func isUniqueErr(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrConstraint
}

// validID reports whether an instance or attachment ID is safe to use in a
// file name and a log line: 1–64 of [A-Za-z0-9._-], not starting with a dot.
func validID(id string) bool {
	if id == "" || len(id) > 64 || id[0] == '.' {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
