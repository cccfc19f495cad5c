package terminal

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"image/png"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/catalogsig"
)

// prodFixture is a production terminal's files: a certificate and key, a
// catalogue key, a store key, a data directory, and a config naming them.
type prodFixture struct {
	dir, data, cert, key, catKey, storeKey string
}

func newProdFixture(t *testing.T) *prodFixture {
	t.Helper()
	dir := t.TempDir()
	f := &prodFixture{dir: dir, data: filepath.Join(dir, "data"), cert: filepath.Join(dir, "terminal.crt"),
		key: filepath.Join(dir, "terminal.key"), catKey: filepath.Join(dir, "catalog.key.pub"), storeKey: filepath.Join(dir, "store.key")}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "330106001-T01"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(priv)
	os.WriteFile(f.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(f.key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	if _, err := catalogsig.GenerateKey(filepath.Join(dir, "catalog.key")); err != nil {
		t.Fatal(err)
	}
	if err := offline.GenerateKeyFile(f.storeKey); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(f.data, 0o700)
	return f
}

// toml is the production configuration (devices absent: nothing here
// pretends to be a reader).
func (f *prodFixture) toml() string {
	return fmt.Sprintf(`[platform]
url = "https://127.0.0.1:9/"
cert_file = %q
key_file = %q
catalog_key_file = %q
[store]
data_dir = %q
key_file = %q
[idcard]
backend = "none"
[printer]
backend = "none"
[scanner]
backend = "none"
[qr]
backend = "none"
`, f.cert, f.key, f.catKey, f.data, f.storeKey)
}

func (f *prodFixture) config(t *testing.T) config.Config {
	t.Helper()
	c, err := config.Parse([]byte(f.toml()))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// startupCases are the broken production terminals: each breaks one thing
// of a good fixture and names the class Start must report and a word the
// one line must contain.
var startupCases = []struct {
	name   string
	break_ func(t *testing.T, f *prodFixture)
	class  Class
	says   string
}{
	{"missing store key", func(t *testing.T, f *prodFixture) { os.Remove(f.storeKey) }, ClassStoreKey, "store key"},
	{"store key mode 0644", func(t *testing.T, f *prodFixture) { os.Chmod(f.storeKey, 0o644) }, ClassStoreKey, "chmod 0600"},
	{"missing certificate", func(t *testing.T, f *prodFixture) { os.Remove(f.cert) }, ClassCertificate, "terminal.crt"},
	{"missing catalogue key", func(t *testing.T, f *prodFixture) { os.Remove(f.catKey) }, ClassCatalogKey, "catalog.key.pub"},
	{"full disk", fillDisk, ClassDiskFull, "disk full"},
	{"newer schema", newerSchema, ClassSchema, "newer"},
}

// fillDisk mounts a 256 KiB tmpfs as the data directory and fills it.
func fillDisk(t *testing.T, f *prodFixture) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs") // CI runs as root
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", f.data).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", f.data).Run() })
	b := bytes.Repeat([]byte{1}, 4096)
	fh, err := os.Create(filepath.Join(f.data, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := fh.Write(b); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	fh.Close()
}

// newerSchema leaves a store written by a future kiosk.
func newerSchema(t *testing.T, f *prodFixture) {
	key, err := offline.LoadKey(f.storeKey)
	if err != nil {
		t.Fatal(err)
	}
	st, err := offline.Open(context.Background(), f.data, key)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	db, err := sql.Open("sqlite3", filepath.Join(f.data, "kiosk.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", offline.SchemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
}

// TestStartupFailures: each broken production terminal fails Start with its
// class and a line naming the file, and nothing panics (Start used to close
// a nil *Terminal in its deferred clean-up). Kills: the nil-terminal
// clean-up (panic), a class mapped to another, a production terminal that
// makes itself a store key.
func TestStartupFailures(t *testing.T) {
	good := newProdFixture(t)
	if _, err := Resolve(good.config(t)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range startupCases {
		t.Run(tc.name, func(t *testing.T) {
			f := newProdFixture(t)
			tc.break_(t, f)
			var term *Terminal
			var err error
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("Start panicked: %v", r)
					}
				}()
				term, err = Start(context.Background(), f.config(t), Options{Fast: true})
			}()
			if err == nil {
				term.Close()
				t.Fatal("started")
			}
			var fl *Failure
			if !errors.As(err, &fl) || fl.Class != tc.class {
				t.Fatalf("error %v: want class %d", err, tc.class)
			}
			line := err.Error()
			if strings.Contains(line, "\n") || !strings.Contains(line, tc.says) {
				t.Errorf("line %q: want one line saying %q", line, tc.says)
			}
			if tc.class == ClassStoreKey {
				if _, serr := os.Stat(filepath.Join(f.data, "kiosk.db")); serr == nil {
					t.Error("a store was made without a usable key")
				}
				if _, serr := os.Stat(filepath.Join(f.data, "store.key")); serr == nil {
					t.Error("production made itself a store key")
				}
			}
		})
	}
}

// TestProductionNeverSimulates: a production file without the platform's
// address, certificate or catalogue key, or with a simulator, is refused at
// load; simulation only when the file says so. Kills: the old "empty URL
// runs the emulator" fallback.
func TestProductionNeverSimulates(t *testing.T) {
	f := newProdFixture(t)
	for name, edit := range map[string]func(string) string{
		"no url":         func(s string) string { return strings.Replace(s, `url = "https://127.0.0.1:9/"`, "", 1) },
		"no certificate": func(s string) string { return strings.Replace(s, "cert_file", "#cert_file", 1) },
		"no catalog key": func(s string) string { return strings.Replace(s, "catalog_key_file", "#catalog_key_file", 1) },
		"a simulator": func(s string) string {
			return strings.Replace(s, "[idcard]\nbackend = \"none\"", "[idcard]\nbackend = \"sim\"", 1)
		},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := config.Parse([]byte(edit(f.toml()))); !errors.Is(err, config.ErrInvalid) {
				t.Fatalf("production config accepted: %v", err)
			}
		})
	}
	c, err := config.Parse([]byte("mode = \"simulation\"\n"))
	if err != nil || !c.Simulated() {
		t.Fatalf("simulation file: %v %v", c.Mode, err)
	}
	if c, _ := config.Parse([]byte("[ui]\nelder = true\n")); c.Simulated() {
		t.Fatal("a file without mode runs simulated")
	}
}

var kioskBuild struct {
	once sync.Once
	path string
	err  error
}

func buildKiosk(t *testing.T) string {
	t.Helper()
	kioskBuild.once.Do(func() {
		dir, err := os.MkdirTemp("", "h3-kiosk-bin-")
		if err != nil {
			kioskBuild.err = err
			return
		}
		kioskBuild.path = filepath.Join(dir, "kiosk")
		out, err := exec.Command("go", "build", "-o", kioskBuild.path, "github.com/bianmin/kiosk/cmd/kiosk").CombinedOutput()
		if err != nil {
			kioskBuild.err = fmt.Errorf("%v: %s", err, out)
		}
	})
	if kioskBuild.err != nil {
		t.Fatalf("build kiosk: %v", kioskBuild.err)
	}
	return kioskBuild.path
}

// TestKioskBinaryStartupFailures runs the real binary on each broken
// production config without a display: one line on stderr, the class's exit
// status, never a panic. Kills: os.Exit(1) for every failure, a log dump in
// place of the line, the nil clean-up panic.
func TestKioskBinaryStartupFailures(t *testing.T) {
	bin := buildKiosk(t)
	for _, tc := range startupCases {
		t.Run(tc.name, func(t *testing.T) {
			f := newProdFixture(t)
			tc.break_(t, f)
			cfg := filepath.Join(f.dir, "kiosk.toml")
			os.WriteFile(cfg, []byte(f.toml()), 0o644)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "--config", cfg)
			cmd.Env = append(os.Environ(), "DISPLAY=", "WAYLAND_DISPLAY=", "LANG=zh_CN.UTF-8") // as the unit sets it
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tc.class.ExitCode() {
				t.Fatalf("exit %v, want %d; stderr:\n%s", err, tc.class.ExitCode(), stderr.String())
			}
			out := strings.TrimRight(stderr.String(), "\n")
			if strings.Contains(out, "panic") || strings.Count(out, "\n") != 0 || !strings.HasPrefix(out, "kiosk: cannot start: ") || !strings.Contains(out, tc.says) {
				t.Errorf("stderr is not one clear line saying %q:\n%s", tc.says, out)
			}
		})
	}
}

// TestOutOfServiceScreen: with a display, a kiosk that cannot start shows
// the out-of-service screen (its red 暂停服务 title, not a black screen),
// stays up so that systemd does not restart it into a flicker, and exits
// with the failure's status when stopped. Xvfb on :121 (H3's range).
// Kills: outOfService returning before the window, an empty window.
func TestOutOfServiceScreen(t *testing.T) {
	for _, tool := range []string{"Xvfb", "xwininfo", "import"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s missing (packaging/build-deps.txt installs it): %v", tool, err)
		}
	}
	bin := buildKiosk(t)
	display := ":121"
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
	os.Remove(f.catKey)
	cfg := filepath.Join(f.dir, "kiosk.toml")
	os.WriteFile(cfg, []byte(f.toml()+"[ui]\nwidth = 540\nheight = 960\n"), 0o644)
	// systemd's notify socket: the screen is the service's steady state.
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

	shot := filepath.Join(t.TempDir(), "screen.png")
	red := 0
	waitCmd("the out-of-service screen", 60*time.Second, func() bool {
		select {
		case err := <-exited:
			t.Fatalf("kiosk exited with a display: %v\n%s", err, stderr.String())
		default:
		}
		c := exec.Command("xwininfo", "-root", "-tree")
		c.Env = env
		out, _ := c.Output()
		if !strings.Contains(string(out), "Out of service") {
			return false
		}
		c = exec.Command("import", "-window", "root", shot)
		c.Env = env
		if c.Run() != nil {
			return false
		}
		red = redPixels(t, shot)
		return red > 2000 // the big red title is painted
	})
	ready, status := false, false
	waitCmd("READY=1 and the reason as STATUS", 20*time.Second, func() bool {
		for {
			select {
			case n := <-notes:
				ready = ready || strings.Contains(n, "READY=1")
				status = status || strings.Contains(n, "STATUS=out of service: catalogue key")
				continue
			default:
			}
			return ready && status
		}
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != ClassCatalogKey.ExitCode() {
			t.Fatalf("exit after SIGTERM: %v, want %d", err, ClassCatalogKey.ExitCode())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("kiosk did not stop on SIGTERM")
	}
	if !strings.Contains(stderr.String(), "kiosk: cannot start: catalogue key") {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// redPixels counts pixels close to the theme's red (0xc8, 0x1e, 0x1e).
func redPixels(t *testing.T, path string) int {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	img, err := png.Decode(fh)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 > 0xa0 && g>>8 < 0x50 && bl>>8 < 0x50 {
				n++
			}
		}
	}
	return n
}

// TestLegacyStoreLocation: a production terminal whose queue is still in
// DATA/store/ (kiosks before the composition root) refuses to start with a
// new empty store beside it. Kills: dropping the check (a fresh store, the
// old queue never sent).
func TestLegacyStoreLocation(t *testing.T) {
	f := newProdFixture(t)
	legacy := filepath.Join(f.data, "store")
	os.MkdirAll(legacy, 0o700)
	os.WriteFile(filepath.Join(legacy, "kiosk.db"), nil, 0o600)
	_, err := Start(context.Background(), f.config(t), Options{Fast: true})
	var fl *Failure
	if !errors.As(err, &fl) || fl.Class != ClassStore || !strings.Contains(err.Error(), "old location") {
		t.Fatalf("start with the store in the old place: %v", err)
	}
	if _, serr := os.Stat(filepath.Join(f.data, "kiosk.db")); serr == nil {
		t.Error("a new store was made beside the old one")
	}
}
