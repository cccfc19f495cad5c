package mdns_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/scanner/escl"
	"github.com/bianmin/kiosk/devices/scanner/escl/esclsim"
	"github.com/bianmin/kiosk/devices/scanner/mdns"
	"github.com/bianmin/kiosk/devices/scanner/sim"
)

// TestAvahiPublishedScanner browses a real, third-party mDNS responder:
// Debian's avahi-daemon with a service published by avahi-publish, as a
// network scanner's firmware or ipp-usb would advertise it. The daemon runs
// on its own D-Bus (a private dbus-daemon in a temporary directory) and on
// the loopback interface only, so the test touches neither the machine's
// system bus nor the network; the browser uses the real group and port
// (224.0.0.251:5353) and gets avahi's legacy-unicast answers. The published
// port is the eSCL emulator's, so the URL built from avahi's SRV and TXT
// records must reach it.
func TestAvahiPublishedScanner(t *testing.T) {
	for _, tool := range []string{"avahi-daemon", "avahi-publish", "dbus-daemon", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s missing: run make deps (avahi-daemon, avahi-utils, dbus-daemon in packaging/build-deps.txt)", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("avahi-daemon refuses to run as another user than root (and the test mounts its pid directory)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lo := loopback(t)
	// Names of this run only: another avahi-daemon on the machine (or a
	// test's running at the same time) caches what it heard on loopback.
	id := fmt.Sprintf("%d-%d", os.Getpid(), time.Now().UnixNano()%1e9)
	// Two avahi-daemons on one interface (another test's at the same time)
	// can see conflicts and rename the host (…-N, N+1…): the SRV target is
	// checked by its prefix.
	env := privateAvahi(t, ctx, lo, "bianmin-avahi-test-"+id)
	ifaces := []net.Interface{lo}

	srv := esclsim.New(sim.New(sim.Knobs{Pages: 1}), nil)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := base[strings.LastIndex(base, ":")+1 : strings.LastIndex(base, "/")]
	pub := start(t, ctx, env, "avahi-publish", "-s", "Test Scanner "+id, mdns.ServiceESCL, port, "rs=eSCL", "ty=Avahi Published", "note=一楼")
	name := regexp.MustCompile(`Established under name '(.*)'`).FindStringSubmatch(pub.wait(t, "Established under name"))[1]

	b := &mdns.Browser{Interfaces: ifaces, NoIPv6: true}
	bctx, bcancel := context.WithTimeout(ctx, 20*time.Second)
	began := time.Now()
	found, err := b.Browse(bctx, func(s mdns.Scanner) bool { return s.Instance == name })
	bcancel()
	t.Logf("avahi's answer complete after %v", time.Since(began))
	if err != nil {
		t.Fatal(err)
	}
	var s *mdns.Scanner
	for i := range found {
		if found[i].Instance == name {
			s = &found[i]
		}
	}
	if s == nil {
		t.Fatalf("avahi's %q not found; found %+v", name, found)
	}
	if p, _ := strconv.Atoi(port); s.Port != p || s.RS != "eSCL" || s.Model != "Avahi Published" || s.Note != "一楼" || !strings.HasPrefix(s.Host, fmt.Sprintf("bianmin-avahi-test-%d-", os.Getpid())) || !s.Complete {
		t.Errorf("scanner %+v", s)
	}
	if s.URL != base {
		t.Fatalf("URL %s, want the emulator's %s", s.URL, base)
	}
	c, err := escl.New(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	if caps, err := c.Capabilities(ctx); err != nil || caps.MakeAndModel != "Bianmin eSCL Emulator" {
		t.Fatalf("capabilities through the discovered URL: %+v, %v", caps, err)
	}
}

// privateAvahi starts a dbus-daemon and an avahi-daemon (host name host)
// on lo only, for this test, and returns the environment that reaches
// them. avahi-daemon runs in a mount namespace of its own with a private
// /run/avahi-daemon, so its pid file is its own: the machine's avahi-daemon
// or another test's may run at the same time (they share port 5353).
func privateAvahi(t *testing.T, ctx context.Context, lo net.Interface, host string) []string {
	t.Helper()
	dir, err := os.MkdirTemp("", "avahi") // short: a unix socket path is at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bus := filepath.Join(dir, "bus")
	write(t, filepath.Join(dir, "bus.conf"), `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=`+bus+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`)
	write(t, filepath.Join(dir, "avahi.conf"), `[server]
host-name=`+host+`
domain-name=local
use-ipv4=yes
use-ipv6=no
allow-interfaces=`+lo.Name+`
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
`)
	env := append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS=unix:path="+bus)
	dbus := start(t, ctx, nil, "dbus-daemon", "--config-file="+filepath.Join(dir, "bus.conf"), "--nofork", "--print-address")
	dbus.wait(t, "unix:path=")
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	avahi := start(t, ctx, env, "unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
		`mkdir -p /run/avahi-daemon && mount --bind "$1" /run/avahi-daemon && exec avahi-daemon -f "$2" --no-drop-root --no-chroot --no-rlimits --no-proc-title`,
		"sh", run, filepath.Join(dir, "avahi.conf"))
	avahi.wait(t, "Server startup complete")
	return env
}

func loopback(t *testing.T) net.Interface {
	t.Helper()
	all, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range all {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			return i
		}
	}
	t.Fatal("no loopback interface")
	return net.Interface{}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// proc is a started helper process whose output lines are watched.
type proc struct {
	name  string
	lines chan string
	seen  []string
}

// start runs a command until the test ends (SIGTERM, then the context's
// kill), with stdout and stderr read line by line.
func start(t *testing.T, ctx context.Context, env []string, name string, args ...string) *proc {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 5 * time.Second
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	p := &proc{name: name, lines: make(chan string, 256)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default: // nobody waits any more: drop
			}
		}
		close(p.lines)
	}()
	go func() { cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() {
			for range p.lines {
			}
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	return p
}

// wait returns the first output line containing s, failing the test when
// the process ends first or after 20 s.
func (p *proc) wait(t *testing.T, s string) string {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("%s ended before %q:\n%s", p.name, s, strings.Join(p.seen, "\n"))
			}
			p.seen = append(p.seen, l)
			if strings.Contains(l, s) {
				return l
			}
		case <-deadline:
			t.Fatalf("%s: no %q in 20 s:\n%s", p.name, s, strings.Join(p.seen, "\n"))
		}
	}
}
