package offline

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Reserved headroom. The store keeps a preallocated file (headroom.reserve,
// DefaultHeadroom bytes) beside the database. When the disk fills up, a sync
// state transition (mark uploading, upload progress, mark submitted, mark
// failed, a status event, a cursor) that fails for lack of space releases the
// file and runs again: those transitions dirty a few pages, far less than the
// reserve, so sync keeps moving applications out of the queue on a full disk.
// New applications are refused early instead, with ErrDiskFull, whenever the
// reserve is not in place (released and not yet restorable) or the free space
// left beside it would not hold the application twice over: the resident is
// told plainly before anything is half written. The reserve is restored at
// Open, after a Purge, and before each Enqueue when space allows.

// DefaultHeadroom is the size of the reserve file.
const DefaultHeadroom = 8 << 20

const reserveName = "headroom.reserve"

// WithHeadroom sets the size of the reserve file (0: no reserve, and no
// early refusal either).
func WithHeadroom(n int64) Option { return func(s *Store) { s.headroom = n } }

func (s *Store) reservePath() string { return filepath.Join(s.dir, reserveName) }

// HeadroomInPlace reports whether the reserve file is allocated (false after
// an emergency release, until space allows restoring it).
func (s *Store) HeadroomInPlace() bool {
	if s.headroom <= 0 {
		return true
	}
	fi, err := os.Stat(s.reservePath())
	return err == nil && fi.Size() >= s.headroom
}

// ensureReserve allocates the reserve file when it is missing or short, if
// the disk has room for it; it reports whether the reserve is in place.
func (s *Store) ensureReserve() bool {
	if s.headroom <= 0 {
		return true
	}
	s.reserveMu.Lock()
	defer s.reserveMu.Unlock()
	if s.HeadroomInPlace() {
		return true
	}
	path := s.reservePath()
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false
	}
	err = unix.Fallocate(int(f.Fd()), 0, 0, s.headroom)
	if errors.Is(err, unix.EOPNOTSUPP) { // a file system without fallocate: write zeros
		_, err = f.WriteAt(make([]byte, s.headroom), 0)
	}
	if err == nil {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		os.Remove(path)
		return false
	}
	syncDir(s.dir)
	s.log.Info("reserved headroom in place", "bytes", s.headroom)
	return true
}

// releaseReserve removes the reserve file; it reports whether there was one.
func (s *Store) releaseReserve() bool {
	s.reserveMu.Lock()
	defer s.reserveMu.Unlock()
	if err := os.Remove(s.reservePath()); err != nil {
		return false
	}
	s.log.Warn("disk full: reserved headroom released for sync; new applications are refused until space is freed")
	return true
}

// freeBytes is the space left for the store's files (statfs, unprivileged).
func (s *Store) freeBytes() (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(s.dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// roomFor refuses an application of size bytes early, with ErrDiskFull, when
// the reserve cannot be kept in place or the free space would not hold it
// twice over (sealed files, database pages and WAL).
func (s *Store) roomFor(size int64) error {
	if s.headroom <= 0 {
		return nil
	}
	if !s.ensureReserve() {
		return fmt.Errorf("%w: the reserved headroom is in use (sync only until space is freed)", ErrDiskFull)
	}
	free, err := s.freeBytes()
	if err != nil {
		return nil // cannot tell: let the writes themselves find out
	}
	if need := 2*size + 256<<10; free < need {
		return fmt.Errorf("%w: %d bytes free, %d needed beside the reserved headroom", ErrDiskFull, free, need)
	}
	return nil
}

// syncTx is writeTx for sync's state transitions: on a full disk it releases
// the reserved headroom and tries once more, so that sync never stops for
// want of the few pages a transition needs.
func (s *Store) syncTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	err := s.writeTx(ctx, fn)
	if err == nil || !errors.Is(dbErr(err), ErrDiskFull) {
		return err
	}
	if !s.releaseReserve() {
		return err
	}
	return s.writeTx(ctx, fn)
}
