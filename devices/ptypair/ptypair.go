// Package ptypair makes pseudo-terminal pairs for device simulators: the
// simulator holds the master side and the code under test opens the slave
// path exactly as it would open /dev/ttyUSB0. Simulators and tests import it.
package ptypair

import (
	"fmt"
	"os"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Pair is an open pseudo-terminal.
type Pair struct {
	Master *os.File // the simulator's end
	slave  *os.File // kept open so the line does not hang up between clients
	Path   string   // the slave's path, for serialport.Open
}

// Open makes a pair in raw mode (no echo, no line discipline), so that binary
// protocols pass unchanged.
func Open() (*Pair, error) {
	m, s, err := pty.Open()
	if err != nil {
		return nil, fmt.Errorf("ptypair: open: %w", err)
	}
	if err := makeRaw(int(s.Fd())); err != nil {
		m.Close()
		s.Close()
		return nil, fmt.Errorf("ptypair: raw mode: %w", err)
	}
	pm, err := pollable(m)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("ptypair: %w", err)
	}
	return &Pair{Master: pm, slave: s, Path: s.Name()}, nil
}

// pollable returns f as a non-blocking file that waits in the Go runtime's
// poller (pty.Open hands out a blocking master: a simulator's reader would
// hold a thread in read(2) and keep the runtime's monitor spinning). f is
// closed.
func pollable(f *os.File) (*os.File, error) {
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	nfd := -1
	var derr error
	if err := rc.Control(func(fd uintptr) {
		if nfd, derr = unix.Dup(int(fd)); derr == nil {
			derr = unix.SetNonblock(nfd, true)
		}
	}); err != nil {
		return nil, err
	}
	if derr != nil {
		if nfd >= 0 {
			unix.Close(nfd)
		}
		return nil, derr
	}
	unix.CloseOnExec(nfd)
	return os.NewFile(uintptr(nfd), f.Name()), nil
}

func makeRaw(fd int) error {
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON | unix.IXOFF
	t.Oflag &^= unix.OPOST
	t.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
	t.Cflag &^= unix.CSIZE | unix.PARENB
	t.Cflag |= unix.CS8
	t.Cc[unix.VMIN] = 1
	t.Cc[unix.VTIME] = 0
	return unix.IoctlSetTermios(fd, unix.TCSETS, t)
}

// Close closes both ends.
func (p *Pair) Close() error {
	err := p.Master.Close()
	if e := p.slave.Close(); err == nil {
		err = e
	}
	return err
}
