package main

import (
	"bytes"
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

// buildShipped builds the kiosk as the product ships it: with Fyne's idle
// loop (packaging/scripts/fyne-overlay.sh, docs/ARCHITECTURE.md "Fyne's
// idle loop"). The patched module copy lives in the repository's build/fyne,
// as for make build, so the build cache keeps it between runs.
func buildShipped(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	flag, err := exec.Command(filepath.Join(root, "packaging/scripts/fyne-overlay.sh"), filepath.Join(root, "build/fyne")).Output()
	if err != nil {
		t.Fatalf("fyne-overlay.sh: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "kiosk")
	build := exec.Command("go", "build", strings.TrimSpace(string(flag)), "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The binary must carry the patched module, not the module cache's.
	info, err := exec.Command("go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(info, []byte("=>\t"+filepath.Join(root, "build/fyne"))) {
		t.Fatalf("the kiosk was not built with the patched Fyne:\n%s", info)
	}
	return bin
}

// threadSwitches is the main thread's context switches so far: the Fyne
// loop runs there (it is locked to the process's first thread).
func threadSwitches(t *testing.T, pid int) int {
	t.Helper()
	s, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/status", pid, pid))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(s), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "voluntary_ctxt_switches") {
			c, _ := strconv.Atoi(strings.TrimSpace(v))
			n += c
		}
	}
	return n
}

// TestIdleLoopSleepsAndWakes runs the shipped kiosk (patched Fyne loop)
// under Xvfb with the loop's idle wait set to an hour, so that any lost
// wake-up is a hang rather than a delay: on the still attract screen the
// loop's thread must be nearly asleep (stock Fyne ticks it 60 times a
// second); fyne.Do from other goroutines must still run while it sleeps
// (the watchdog heartbeat pings only after a fyne.Do ran); and an X tap
// must still be handled and painted (the next screen appears).
func TestIdleLoopSleepsAndWakes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the kiosk binary under Xvfb")
	}
	bin := buildShipped(t)
	display := startXvfb(t)
	dn, err := strconv.Atoi(strings.TrimPrefix(display, ":"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pings := make(chan time.Time, 1024)
	ready := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		isReady := false
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			for _, line := range strings.Split(string(buf[:n]), "\n") {
				switch {
				case line == "READY=1" && !isReady:
					isReady = true
					close(ready)
				case line == "WATCHDOG=1":
					pings <- time.Now()
				}
			}
		}
	}()
	var log bytes.Buffer
	cmd := exec.Command(bin, "--data", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=zh_CN.UTF-8", "FYNE_IDLE_WAIT=1h",
		"NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=1000000") // a heartbeat (fyne.Do) every 500 ms
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("kiosk log:\n%s", log.String())
		}
	})
	select {
	case <-ready:
	case <-time.After(3 * time.Minute):
		t.Fatal("the kiosk did not become ready")
	}
	x, err := dialX(dn, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if _, err := waitPainted(x, time.Minute); err != nil {
		t.Fatal(err)
	}
	// The first tile, found with the pointer moved off every control; the
	// attract screen as it then looks.
	p, err := x.tile(60, firstLike)
	if err != nil {
		t.Fatal(err)
	}
	attract, err := waitStable(x, 2*time.Second, time.Minute)
	if err != nil {
		t.Fatal(err)
	}

	// Asleep on the still screen, yet fyne.Do runs: count the loop
	// thread's switches and the heartbeats over the same window.
	for len(pings) > 0 {
		<-pings
	}
	const window = 4 * time.Second
	pid := cmd.Process.Pid
	s0, t0 := threadSwitches(t, pid), time.Now()
	time.Sleep(window) // a measuring window, not a synchronisation
	s1, el := threadSwitches(t, pid), time.Since(t0)
	rate := float64(s1-s0) / el.Seconds()
	t.Logf("loop thread: %.1f switches/s on the attract screen; %d heartbeats in %v", rate, len(pings), el.Round(time.Millisecond))
	if rate > 20 {
		t.Errorf("the loop thread switched %.1f times a second on a still screen: it is not waiting (stock Fyne: 60+)", rate)
	}
	// One heartbeat every 500 ms: at least half of them must have come.
	if n := len(pings); n < int(window/time.Second) {
		t.Errorf("%d watchdog heartbeats in %v: fyne.Do does not wake the waiting loop", n, window)
	}

	// A tap while the loop waits is handled and painted: with the pointer
	// off the controls again (no hover), the screen is no longer the
	// attract screen.
	if _, err := x.tap(p.X, p.Y); err != nil {
		t.Fatal(err)
	}
	if err := x.move(screenW/2, 4); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		f, err := x.xframe()
		if err != nil {
			t.Fatal(err)
		}
		if !sameFrame(f, attract) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a tap on the attract screen's first tile while the loop waits: the screen did not change")
		}
	}
}
