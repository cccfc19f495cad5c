package serialport_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/serialport"
	"golang.org/x/sys/unix"
)

// TestDetachAttach: a detached port hands out a working non-blocking
// descriptor and keeps its lock; attached again it reads and writes through
// the Go poller; Close closes whichever descriptor it holds and frees the
// lock.
func TestDetachAttach(t *testing.T) {
	path := echoDevice(t)
	p, err := serialport.Open(context.Background(), serialport.Config{Path: path, Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	fd, err := p.Detach()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := serialport.Open(context.Background(), serialport.Config{Path: path}); !errors.Is(err, serialport.ErrBusy) {
		t.Fatalf("open while detached: %v, want ErrBusy", err)
	}
	if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err != nil || fl&unix.O_NONBLOCK == 0 {
		t.Fatalf("detached descriptor flags %#x (%v), want O_NONBLOCK", fl, err)
	}
	if _, err := unix.Write(fd, []byte{'?'}); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 8)
	for deadline := time.Now().Add(10 * time.Second); ; {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		unix.Poll(pfd, 100)
		n, _ := unix.Read(fd, b)
		if n == 1 && b[0] == '!' {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no answer on the detached descriptor")
		}
	}
	if err := p.Attach(); err != nil {
		t.Fatal(err)
	}
	p.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := p.Write([]byte{'?'}); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Read(b); err != nil || n != 1 || b[0] != '!' {
		t.Fatalf("read after attach: %q %v", b[:n], err)
	}
	if _, err := p.Detach(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	q, err := serialport.Open(context.Background(), serialport.Config{Path: path})
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	q.Close()
}
