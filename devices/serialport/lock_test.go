package serialport_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/devices/serialport"
)

// TestSecondOpenIsRefused: while one open holds a port, a second open of the
// same port (also through another name of it, a by-id style symlink) fails
// with ErrBusy and a message saying so, without probing the device; after
// Close the port opens again.
func TestSecondOpenIsRefused(t *testing.T) {
	prev := serialport.LockDir()
	serialport.SetLockDir(t.TempDir())
	t.Cleanup(func() { serialport.SetLockDir(prev) })
	path := echoDevice(t)
	ctx := context.Background()
	cfg := serialport.Config{Path: path, Baud: 9600, Probe: ask}
	first, err := serialport.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "usb-1a86_USB_Serial-if00-port0")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, link} {
		probed := false
		_, err := serialport.Open(ctx, serialport.Config{Path: p, Baud: 9600,
			Probe: func(context.Context, io.ReadWriter) error { probed = true; return nil }})
		if !errors.Is(err, serialport.ErrBusy) {
			t.Fatalf("second open of %s: %v, want ErrBusy", p, err)
		}
		if !strings.Contains(err.Error(), "in use") {
			t.Errorf("error %q does not say the port is in use", err)
		}
		if probed {
			t.Error("the second open probed the device")
		}
		if !serialport.Busy(p) {
			t.Errorf("Busy(%s) = false while held", p)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	if serialport.Busy(path) {
		t.Error("Busy after Close")
	}
	again, err := serialport.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	again.Close()
}

// TestOtherProcessHoldsThePort: a second process (this test binary again,
// as the running kiosk) holds the port; this process's open is refused
// until that process exits, when the kernel drops its lock.
func TestOtherProcessHoldsThePort(t *testing.T) {
	dir := t.TempDir()
	prev := serialport.LockDir()
	serialport.SetLockDir(dir)
	t.Cleanup(func() { serialport.SetLockDir(prev) })
	path := echoDevice(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldPort$")
	cmd.Env = append(os.Environ(), "SERIALPORT_HOLD="+path, "SERIALPORT_LOCKDIR="+dir)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "held") {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child: %q %v", line, err)
	}
	_, err = serialport.Open(context.Background(), serialport.Config{Path: path, Baud: 9600, Probe: ask})
	if !errors.Is(err, serialport.ErrBusy) {
		t.Errorf("open while another process holds the port: %v, want ErrBusy", err)
	}
	stdin.Close() // the child exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	p, err := serialport.Open(context.Background(), serialport.Config{Path: path, Baud: 9600, Probe: ask})
	if err != nil {
		t.Fatalf("open after the holder exited: %v", err)
	}
	p.Close()
}

// TestHelperHoldPort is the child of TestOtherProcessHoldsThePort.
func TestHelperHoldPort(t *testing.T) {
	path := os.Getenv("SERIALPORT_HOLD")
	if path == "" {
		return // only as the child of TestOtherProcessHoldsThePort
	}
	serialport.SetLockDir(os.Getenv("SERIALPORT_LOCKDIR"))
	p, err := serialport.Open(context.Background(), serialport.Config{Path: path, Baud: 9600})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("held")
	io.Copy(io.Discard, os.Stdin)
	p.Close()
	os.Exit(0)
}
