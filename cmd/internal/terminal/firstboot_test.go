package terminal

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestFirstBootWizardScreen: with a display, a production configuration
// whose terminal certificate is not there yet (a fresh install: what
// kioskctl provision writes is missing) shows the first-boot wizard (its
// window "终端开通 / Terminal setup"), never the simulator nor the
// out-of-service screen; it is the service's steady state (READY=1, the
// reason as STATUS) and a SIGHUP (the restart path after provisioning and
// upgrades) ends it with status 0 so that systemd starts the provisioned
// kiosk. Xvfb on :341 (helper B's range).
// Kills: the Unprovisioned branch in kioskMain missing (out-of-service
// shows, exit 4-class), Unprovisioned treating a missing certificate as
// provisioned, the wizard not serving SIGHUP.
func TestFirstBootWizardScreen(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xwininfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s missing (packaging/build-deps.txt installs it): %v", tool, err)
		}
	}
	bin := buildKiosk(t)
	display := ":341"
	x := exec.Command("Xvfb", display, "-screen", "0", "540x960x24", "-nolisten", "tcp")
	if err := x.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { x.Process.Kill(); x.Wait() }()
	env := append(os.Environ(), "DISPLAY="+display, "LANG=zh_CN.UTF-8")
	waitCmd := func(what string, d time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(d)
		for time.Now().Before(deadline) {
			if cond() {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
	}
	waitCmd("Xvfb", 10*time.Second, func() bool {
		c := exec.Command("xwininfo", "-root")
		c.Env = env
		return c.Run() == nil
	})

	f := newProdFixture(t)
	os.Remove(f.cert) // not provisioned yet: no certificate
	cfg := filepath.Join(f.dir, "kiosk.toml")
	os.WriteFile(cfg, []byte(f.toml()+"[ui]\nwidth = 540\nheight = 960\nfullscreen = false\n"), 0o644)
	sock := filepath.Join(t.TempDir(), "notify")
	nc, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	notes := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := nc.ReadFromUnix(buf)
			if err != nil {
				return
			}
			notes <- string(buf[:n])
		}
	}()
	cmd := exec.Command(bin, "--config", cfg)
	cmd.Env = append(env, "NOTIFY_SOCKET="+sock)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer cmd.Process.Kill()

	waitCmd("the first-boot wizard's window", 60*time.Second, func() bool {
		select {
		case err := <-exited:
			t.Fatalf("kiosk exited: %v\n%s", err, stderr.String())
		default:
		}
		c := exec.Command("xwininfo", "-root", "-tree")
		c.Env = env
		out, _ := c.Output()
		if strings.Contains(string(out), "Out of service") {
			t.Fatalf("the out-of-service screen, not the wizard:\n%s", stderr.String())
		}
		return strings.Contains(string(out), "Terminal setup")
	})
	ready, status := false, false
	waitCmd("READY=1 and the wizard as STATUS", 20*time.Second, func() bool {
		for {
			select {
			case n := <-notes:
				ready = ready || strings.Contains(n, "READY=1")
				status = status || strings.Contains(n, "STATUS=first-boot wizard: no terminal certificate")
				continue
			default:
			}
			return ready && status
		}
	})
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatalf("exit after SIGHUP: %v, want 0\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the wizard did not restart on SIGHUP")
	}
}
