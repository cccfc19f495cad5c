package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWatchdogRestartsHungUI is systemd's side of Type=notify with
// WatchdogSec, played by the test: it starts the real kiosk binary under Xvfb
// with NOTIFY_SOCKET and WATCHDOG_USEC, waits for READY=1 and pings, hangs the
// UI loop for real (SIGUSR2 with the test hook enabled), sees the pings stop,
// kills the process as systemd does when WatchdogSec passes without a ping,
// restarts it (Restart=always) and sees the new process become ready.
func TestWatchdogRestartsHungUI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the kiosk binary under Xvfb")
	}
	dir := t.TempDir()
	bin := buildShipped(t) // with Fyne's idle loop, as shipped (idleloop_test.go)
	display := startXvfb(t)

	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	type msg struct{ state string }
	msgs := make(chan msg, 256)
	go func() {
		buf := make([]byte, 4096)
		oob := make([]byte, 1024)
		for {
			n, _, _, _, err := conn.ReadMsgUnix(buf, oob)
			if err != nil {
				return
			}
			for _, line := range strings.Split(string(buf[:n]), "\n") {
				if line != "" {
					msgs <- msg{state: line}
				}
			}
		}
	}()
	const watchdogSec = 4 * time.Second
	data := filepath.Join(dir, "data")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--data", data)
		cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=zh_CN.UTF-8", "NOTIFY_SOCKET="+sock,
			fmt.Sprintf("WATCHDOG_USEC=%d", watchdogSec.Microseconds()), "KIOSK_TEST_HANG_ON_SIGUSR2=1")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd
	}
	wait := func(want string, within time.Duration) {
		t.Helper()
		deadline := time.After(within)
		for {
			select {
			case m := <-msgs:
				if m.state == want {
					return
				}
			case <-deadline:
				t.Fatalf("no %s within %s", want, within)
			}
		}
	}
	first := start()
	wait("READY=1", 3*time.Minute)
	wait("WATCHDOG=1", 2*watchdogSec)
	wait("WATCHDOG=1", 2*watchdogSec)
	if err := first.Process.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	// A ping already on its way may still arrive; after that, none for a
	// whole WatchdogSec: that is when systemd gives up on the service.
	hung := time.Now()
	quiet := time.NewTimer(watchdogSec)
	for waiting := true; waiting; {
		select {
		case m := <-msgs:
			if m.state != "WATCHDOG=1" {
				continue
			}
			if time.Since(hung) > 2*watchdogSec {
				t.Fatal("watchdog pings go on with the UI loop blocked")
			}
			if !quiet.Stop() {
				<-quiet.C
			}
			quiet.Reset(watchdogSec)
		case <-quiet.C:
			waiting = false
		}
	}
	// systemd: SIGABRT for the watchdog timeout, then the restart.
	first.Process.Signal(syscall.SIGABRT)
	first.Process.Kill()
	first.Wait()
	start()
	wait("READY=1", 3*time.Minute)
	wait("WATCHDOG=1", 2*watchdogSec)
}

func startXvfb(t *testing.T) string {
	t.Helper()
	for n := 190; n < 200; n++ {
		display := fmt.Sprintf(":%d", n)
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			// In use, unless left by a server that was killed.
			b, _ := os.ReadFile(fmt.Sprintf("/tmp/.X%d-lock", n))
			if pid, _ := strconv.Atoi(strings.TrimSpace(string(b))); pid <= 0 || syscall.Kill(pid, 0) == nil {
				continue
			}
			os.Remove(fmt.Sprintf("/tmp/.X%d-lock", n))
			os.Remove(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
		}
		x := exec.Command("Xvfb", display, "-screen", "0", "1080x1920x24", "-nolisten", "tcp")
		if err := x.Start(); err != nil {
			t.Fatalf("Xvfb (installed by make deps): %v", err)
		}
		t.Cleanup(func() { // SIGTERM: Xvfb removes its lock and socket
			x.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { x.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				x.Process.Kill()
				<-done
			}
		})
		sock := fmt.Sprintf("/tmp/.X11-unix/X%d", n)
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if _, err := os.Stat(sock); err == nil {
				return display
			}
		}
		t.Fatalf("Xvfb %s did not come up", display)
	}
	t.Fatal("no free X display in :190-:199")
	return ""
}
