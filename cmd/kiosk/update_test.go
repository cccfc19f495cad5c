package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A restart requested while a resident uses the kiosk waits for them:
// quit is called only once the session is back on the attract screen.
func TestRestartWaitsForTheResident(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	var present atomic.Bool
	present.Store(true)
	checks := make(chan struct{}, 100)
	quit := make(chan struct{})
	noResident := func() bool {
		checks <- struct{}{}
		return !present.Load()
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go restartWhenIdle(ctx, hup, noResident, time.Millisecond, func() { close(quit) }, log)

	select {
	case <-checks:
		t.Fatal("the presence was checked before any restart was asked for")
	default:
	}
	hup <- syscall.SIGHUP
	// Several checks with the resident present, and no quit.
	for i := 0; i < 5; i++ {
		select {
		case <-checks:
		case <-quit:
			t.Fatal("the kiosk quit while a resident was using it")
		}
	}
	select {
	case <-quit:
		t.Fatal("the kiosk quit while a resident was using it")
	default:
	}
	present.Store(false)
	select {
	case <-quit:
	case <-time.After(time.Minute):
		t.Fatal("no restart once the resident left")
	}
}

// A request and then a stop (the service stopped): no quit, no leak.
func TestRestartGivesUpWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	hup := make(chan os.Signal, 1)
	done := make(chan struct{})
	quitCalled := false
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	go func() {
		restartWhenIdle(ctx, hup, func() bool { return false }, time.Millisecond, func() { quitCalled = true }, log)
		close(done)
	}()
	hup <- syscall.SIGHUP
	cancel()
	<-done
	if quitCalled {
		t.Fatal("quit after the context ended")
	}
}

// The real binary under Xvfb, as systemd runs it: it writes its PID into
// RUNTIME_DIRECTORY; `systemctl reload` (ExecReload: SIGHUP to that PID)
// on an idle kiosk ends the process cleanly (exit 0), so that Restart=always
// starts the upgraded binary.
func TestReloadRestartsAnIdleKiosk(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the kiosk binary under Xvfb")
	}
	dir := t.TempDir()
	bin := buildShipped(t) // with Fyne's idle loop, as shipped
	display := startXvfb(t)
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--data", filepath.Join(dir, "data"))
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "LANG=zh_CN.UTF-8", "RUNTIME_DIRECTORY="+run)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { cmd.Process.Kill(); <-exited })

	var pid int
	for deadline := time.Now().Add(3 * time.Minute); pid == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("no pid file in RUNTIME_DIRECTORY")
		}
		select {
		case <-exited:
			t.Fatalf("the kiosk ended before writing its pid file: %v", waitErr)
		default:
		}
		b, err := os.ReadFile(filepath.Join(run, pidFile))
		if err == nil {
			pid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	if pid != cmd.Process.Pid {
		t.Fatalf("pid file says %d, the kiosk is %d", pid, cmd.Process.Pid)
	}
	// What the shipped unit's ExecReload runs, with this test's PID file.
	unit, err := os.ReadFile("../../packaging/systemd/bianmin-kiosk.service")
	if err != nil {
		t.Fatal(err)
	}
	var reload string
	for _, l := range strings.Split(string(unit), "\n") {
		if v, ok := strings.CutPrefix(l, "ExecReload="); ok {
			reload = v
		}
	}
	if !strings.Contains(reload, "/run/bianmin-kiosk/"+pidFile) {
		t.Fatalf("the unit's ExecReload %q does not read /run/bianmin-kiosk/%s", reload, pidFile)
	}
	reload = strings.ReplaceAll(reload, "/run/bianmin-kiosk/"+pidFile, filepath.Join(run, pidFile))
	if out, err := exec.Command("/bin/sh", "-c", reload).CombinedOutput(); err != nil {
		t.Fatalf("ExecReload %s: %v %s", reload, err, out)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("the kiosk did not end cleanly on reload: %v", waitErr)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("an idle kiosk did not restart on reload")
	}
}
