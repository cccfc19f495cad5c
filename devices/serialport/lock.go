package serialport

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Two processes must never open one serial port: a self-test reading the
// card reader while the kiosk polls it would interleave frames on the line.
// Every Open therefore takes an exclusive flock(2) on a lock file named
// after the port's real path (symlinks such as /dev/serial/by-id/… resolved)
// in the lock directory, and holds it until Close. flock locks belong to the
// open file description, so a second Open in the same process is refused as
// well, and the kernel drops the lock when a process dies.

// ErrBusy means another open of the port (the running kiosk, another
// kioskctl) holds it.
var ErrBusy = errors.New("serial port in use by another process (the running kiosk?)")

var (
	lockMu  sync.Mutex
	lockDir string
)

// SetLockDir sets the directory of the port lock files. The composition
// root points it at the terminal's data directory, which the kiosk and
// kioskctl share (the kiosk's /tmp is private to its unit). Until it is set,
// DefaultLockDir is used.
func SetLockDir(dir string) {
	lockMu.Lock()
	lockDir = dir
	lockMu.Unlock()
}

// DefaultLockDir is the lock directory before SetLockDir: per user, under
// the temporary directory.
func DefaultLockDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("bianmin-kiosk-serial-%d", os.Getuid()))
}

// LockDir returns the directory of the port lock files.
func LockDir() string {
	lockMu.Lock()
	defer lockMu.Unlock()
	if lockDir == "" {
		return DefaultLockDir()
	}
	return lockDir
}

// LockPath returns the lock file of a port (the same for every name of it).
func LockPath(port string) string {
	real, err := filepath.EvalSymlinks(port)
	if err != nil {
		real = filepath.Clean(port)
	}
	return filepath.Join(LockDir(), "tty"+strings.ReplaceAll(real, "/", "_")+".lock")
}

// portLock is a held lock.
type portLock struct{ f *os.File }

// lockPort takes the port's lock without waiting. It fails with ErrBusy
// when the lock is held elsewhere.
func lockPort(port string) (*portLock, error) {
	path := LockPath(port)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("serialport: lock %s: %w", port, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("serialport: lock %s: %w", port, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("serialport: %s: %w (lock %s)", port, ErrBusy, path)
		}
		return nil, fmt.Errorf("serialport: lock %s: %w", port, err)
	}
	// The holder's pid, for a technician reading the lock file.
	f.Truncate(0)
	f.WriteAt([]byte(fmt.Sprintf("%d\n", os.Getpid())), 0)
	return &portLock{f: f}, nil
}

func (l *portLock) release() {
	if l == nil || l.f == nil {
		return
	}
	unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	l.f.Close()
	l.f = nil
}

// Busy reports whether another process holds the port now (kioskctl asks
// before touching a device; a free port is not left locked).
func Busy(port string) bool {
	l, err := lockPort(port)
	if err != nil {
		return errors.Is(err, ErrBusy)
	}
	l.release()
	return false
}
