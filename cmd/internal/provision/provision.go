// Package provision turns a freshly installed terminal into its station's
// terminal: the terminal's key made here, a CSR exchanged with an
// enrollment code for its certificate, the store key made when absent,
// devices discovered and tested, the network, the clock and the catalogue
// checked against the platform, and the configuration written atomically
// once it loads exactly as the kiosk loads it. kioskctl provision (flags,
// --interactive, --from-request) and its selftest verb call it; the
// touchscreen's first-boot wizard reaches it through a request file
// (request.go) that a root unit hands to kioskctl. Only cmd/ imports it.
package provision

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/bianmin/kiosk/app/provisioning"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/scanner/sane"
	"github.com/bianmin/kiosk/devices/scanner/v4l2"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/client"
)

// Exit statuses a provisioning error carries (kioskctl's).
const (
	StatusUsage  = 2 // a value missing or wrong: nothing was tried
	StatusChecks = 5 // a check failed or the code was refused: the configuration was not written
)

// Error carries the exit status of a provisioning failure.
type Error struct {
	Status int
	Err    error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Options is one provisioning: what the technician gives (flags, the
// interactive prompts, or a wizard's request for the identity fields).
type Options struct {
	Config, Data, Key                     string // the configuration file to write; store.data_dir; the store key (default store.key beside Config)
	StationCode, StationName, TerminalNo  string
	Division, Address, Phone              string
	Platform, PlatformCA, Code, QueryBase string // PlatformCA: a PEM file
	PlatformCAPEM                         []byte // or the PEM itself (a wizard's request)
	IDCard, Printer, Scanner, QR, A4      string // auto | none | kind:value, as the flags
	Paper, DPI                            int
	Ports                                 string // serial ports to probe, comma-separated
	Voice                                 bool
	Force                                 bool // a new enrollment over a valid certificate
	// Progress, when set, is told each step as it starts and ends.
	Progress func(provisioning.Step)
}

// Defaults are the flags' defaults.
func Defaults() Options {
	return Options{Config: "/etc/bianmin-kiosk/kiosk.toml", Data: "/var/lib/bianmin-kiosk", Phone: "12345",
		IDCard: "auto", Printer: "auto", A4: "auto", Scanner: "auto", QR: "none", Paper: 80, DPI: 200, Voice: true}
}

// Report is what provisioning did.
type Report struct {
	Config    string            `json:"config"`
	Terminal  string            `json:"terminal"`
	Enrolled  bool              `json:"enrolled"` // a new certificate this run
	NotAfter  time.Time         `json:"certificate_not_after,omitzero"`
	Files     map[string]string `json:"files"`
	Generated []string          `json:"generated,omitempty"` // keys made this run
	Devices   []Discovered      `json:"devices"`
	Checks    []selftest.Result `json:"checks"`
	Written   bool              `json:"written"`
}

// ValidDivision checks a 12-digit village-level division code
// (provisioning.ValidDivision).
func ValidDivision(s string) error { return provisioning.ValidDivision(s) }

// Check validates the options before anything is tried.
func (f *Options) Check() error {
	var errs []error
	req := func(name, v string) {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("--%s is required", name))
		}
	}
	req("station-code", f.StationCode)
	req("station-name", f.StationName)
	req("terminal", f.TerminalNo)
	req("division", f.Division)
	req("platform", f.Platform)
	if f.StationCode != "" {
		if err := provisioning.ValidStationCode(f.StationCode); err != nil {
			errs = append(errs, fmt.Errorf("--station-code %q: %w", f.StationCode, err))
		}
	}
	if f.TerminalNo != "" {
		if err := provisioning.ValidTerminal(f.TerminalNo); err != nil {
			errs = append(errs, fmt.Errorf("--terminal %q: %w", f.TerminalNo, err))
		}
	}
	if f.Division != "" {
		if err := provisioning.ValidDivision(f.Division); err != nil {
			errs = append(errs, fmt.Errorf("--division %s: %w", f.Division, err))
		}
	}
	if f.Platform != "" {
		if err := provisioning.ValidPlatform(f.Platform); err != nil {
			errs = append(errs, fmt.Errorf("--platform %q: %w", f.Platform, err))
		}
	}
	if f.Paper != 58 && f.Paper != 80 {
		errs = append(errs, errors.New("--paper must be 58 or 80"))
	}
	return errors.Join(errs...)
}

// Run provisions the terminal. Warnings go to stderr. Nothing is written to
// the configuration when a check fails; the certificate, once issued, is
// kept (the code is single-use), so a second run needs no new code.
func Run(ctx context.Context, f Options, stderr io.Writer) (*Report, error) {
	step := func(provisioning.Step) {}
	if f.Progress != nil {
		step = f.Progress
	}
	return run(ctx, &f, stderr, step)
}

// terminalFiles are the files provisioning installs beside the configuration.
type terminalFiles struct {
	dir, cert, key, ca, catalog, store string
}

func filesFor(f *Options) terminalFiles {
	dir := filepath.Dir(f.Config)
	t := terminalFiles{dir: dir, cert: filepath.Join(dir, "terminal.crt"), key: filepath.Join(dir, "terminal.key"),
		catalog: filepath.Join(dir, "catalog.pub"), store: filepath.Join(dir, "store.key")}
	if f.PlatformCA != "" || len(f.PlatformCAPEM) > 0 {
		t.ca = filepath.Join(dir, "platform-ca.crt")
	}
	if f.Key != "" {
		t.store = f.Key
	}
	return t
}

func run(ctx context.Context, f *Options, stderr io.Writer, step func(provisioning.Step)) (*Report, error) {
	rep := &Report{Config: f.Config, Files: map[string]string{}}
	// cur is the step under way; fail ends it with the Chinese reason.
	var cur provisioning.Step
	begin := func(name, title string) {
		cur = provisioning.Step{Name: name, Title: title, State: provisioning.StateRunning}
		step(cur)
	}
	ok := func(reason string) {
		cur.State, cur.Reason = provisioning.StateOK, reason
		step(cur)
	}
	fail := func(zh string, err error) error {
		cur.State, cur.Reason = provisioning.StateFailed, zh
		if err != nil {
			cur.Detail = err.Error()
		}
		step(cur)
		return err
	}

	begin("input", "核对开通信息")
	if err := f.Check(); err != nil {
		return rep, fail("开通信息不完整或有误", &Error{StatusUsage, err})
	}
	// The kiosk runs from another directory: every path it reads is absolute.
	for _, p := range []*string{&f.Config, &f.Data, &f.Key, &f.PlatformCA} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return rep, fail("路径无效", &Error{StatusUsage, err})
			}
			*p = abs
		}
	}
	rep.Config = f.Config
	identity := f.StationCode + "-" + f.TerminalNo
	rep.Terminal = identity
	tf := filesFor(f)
	if err := os.MkdirAll(tf.dir, 0o755); err != nil {
		return rep, fail("无法创建配置目录", fmt.Errorf("provision: %w", err))
	}
	if err := os.MkdirAll(f.Data, 0o700); err != nil {
		return rep, fail("无法创建数据目录", fmt.Errorf("provision: data directory: %w", err))
	}
	ok(identity)

	// The platform's CA first: every later step trusts the server through it.
	if f.PlatformCA != "" || len(f.PlatformCAPEM) > 0 {
		begin("ca", "平台 CA 证书")
		b := f.PlatformCAPEM
		if f.PlatformCA != "" {
			var err error
			if b, err = os.ReadFile(f.PlatformCA); err != nil {
				return rep, fail("读不到平台 CA 证书文件", &Error{StatusUsage, fmt.Errorf("--platform-ca: %w", err)})
			}
		}
		if !x509.NewCertPool().AppendCertsFromPEM(b) {
			return rep, fail("平台 CA 证书不是 PEM 格式的证书", &Error{StatusUsage, fmt.Errorf("--platform-ca %s: no PEM certificate", f.PlatformCA)})
		}
		if filepath.Clean(f.PlatformCA) != tf.ca {
			if err := writeFileAtomic0(tf.ca, b, 0o644); err != nil {
				return rep, fail("无法保存平台 CA 证书", fmt.Errorf("provision: %w", err))
			}
		}
		ok(tf.ca)
	}
	// The store key: one per terminal, made on the terminal (the first-boot
	// service makes it too, with the same rule: never overwrite). The blind
	// index key is derived from it (offline, HKDF), so there is no second
	// file to lose.
	begin("store_key", "存储密钥")
	if _, err := os.Stat(tf.store); errors.Is(err, fs.ErrNotExist) {
		if err := offline.GenerateKeyFile(tf.store); err != nil {
			return rep, fail("无法生成存储密钥", fmt.Errorf("provision: store key: %w", err))
		}
		rep.Generated = append(rep.Generated, tf.store)
	} else if err != nil {
		return rep, fail("存储密钥不可读", fmt.Errorf("provision: store key: %w", err))
	}
	if _, err := offline.LoadKey(tf.store); err != nil {
		return rep, fail("存储密钥无效（权限应为 0600）", &terminal.Failure{Class: terminal.ClassStoreKey, What: "store key", Path: tf.store, Err: err, Fix: "chmod 0600 it, or remove it before the first application is stored"})
	}
	if len(rep.Generated) > 0 {
		ok("已在本机生成")
	} else {
		ok("已有，保留")
	}
	// The certificate.
	begin("enroll", "终端开通（证书）")
	cc := client.Config{BaseURL: f.Platform, CAFile: tf.ca, Timeout: 30 * time.Second}
	enrolled, err := haveCertificate(tf, identity)
	if err != nil && !f.Force {
		if f.Code == "" {
			return rep, fail("本机还没有终端证书：请填写开通码", &Error{StatusUsage, fmt.Errorf("this terminal has no usable certificate (%v): give the enrollment code with --code", err)})
		}
	}
	if err == nil && f.Force && f.Code == "" {
		return rep, fail("重新开通需要新的开通码", &Error{StatusUsage, errors.New("--force needs a new --code")})
	}
	if err != nil || f.Force {
		res, err := enroll(ctx, cc, f.Code, tf, stderr)
		if err != nil {
			zh := "开通失败：无法连接省平台（检查网络和平台地址）"
			if errors.Is(err, client.ErrEnrollRefused) {
				zh = "开通码无效、已使用或已过期：请向省平台申请新的开通码"
			}
			return rep, fail(zh, err)
		}
		rep.Enrolled, rep.NotAfter = true, res
		if enrolled, err = haveCertificate(tf, identity); err != nil {
			return rep, fail("保存的证书无法使用", fmt.Errorf("provision: the stored certificate: %w", err))
		}
	}
	if enrolled != identity {
		return rep, fail("开通码是发给另一台终端的（证书为 "+enrolled+"）", &Error{StatusUsage, fmt.Errorf("the certificate is for %s, not %s: the enrollment code was issued for another terminal", enrolled, identity)})
	}
	for k, v := range map[string]string{"certificate": tf.cert, "certificate key": tf.key, "platform CA": tf.ca, "catalogue key": tf.catalog, "store key": tf.store} {
		if v != "" {
			rep.Files[k] = v
		}
	}
	ownByService(f.Data, tf.cert, tf.key)
	if rep.Enrolled {
		ok("证书有效期至 " + rep.NotAfter.Format(time.DateOnly))
	} else {
		ok("已有有效证书，保留")
	}

	// The configuration, over the one already there (its admin PIN and
	// staff are kept).
	begin("devices", "设备发现")
	cfg, err := baseConfig(f.Config)
	if err != nil {
		return rep, fail("现有配置文件无法读取", err)
	}
	cfg.Mode = config.ModeProduction
	cfg.Station.Code, cfg.Station.Name, cfg.Station.Terminal, cfg.Station.Division = f.StationCode, f.StationName, f.TerminalNo, f.Division
	cfg.Station.Address, cfg.Station.Phone = f.Address, f.Phone
	cfg.Platform.URL, cfg.Platform.CertFile, cfg.Platform.KeyFile, cfg.Platform.CAFile, cfg.Platform.CatalogKeyFile = f.Platform, tf.cert, tf.key, tf.ca, tf.catalog
	if f.QueryBase != "" {
		cfg.Platform.QueryBase = f.QueryBase
	}
	cfg.Store.DataDir, cfg.Store.KeyFile = f.Data, tf.store
	cfg.Printer.PaperMM = f.Paper
	cfg.Scanner.DPI = f.DPI
	cfg.UI.Voice = f.Voice
	cfg.UI.Fullscreen = true

	// Devices, probed under the data directory's port locks (a running
	// kiosk's ports are refused, not shared).
	if _, err := terminal.Resolve(cfg); err != nil {
		return rep, fail("配置无法解析", err)
	}
	devs, err := discoverDevices(ctx, f, &cfg)
	rep.Devices = devs
	if err != nil {
		return rep, fail("设备未找到（检查连线和电源）", &Error{StatusUsage, err})
	}
	var found []string
	for _, d := range devs {
		if d.Role != "found" && d.Backend != config.BackendNone {
			found = append(found, d.Role+" "+d.Path)
		}
	}
	ok(strings.Join(found, "；"))

	// The checks: each chosen device, the network, the clock, the catalogue.
	plan, closeAll, err := Checks(ctx, cfg, CheckOptions{Provisioning: true})
	if err != nil {
		begin("checks", "设备自检")
		return rep, fail("自检无法开始", err)
	}
	for _, c := range plan {
		begin("check."+c.Name, c.Title)
		r := selftest.Run(ctx, selftest.Plan{c})[0]
		rep.Checks = append(rep.Checks, r)
		if r.OK {
			ok(r.Reason)
		} else {
			cur.Detail = r.Detail
			cur.State, cur.Reason = provisioning.StateFailed, r.Reason
			step(cur)
		}
	}
	closeAll()
	if failed := selftest.Failed(rep.Checks); len(failed) > 0 {
		return rep, &Error{StatusChecks, fmt.Errorf("%d checks failed (first: %s: %s); the configuration was not written", len(failed), failed[0].Name, failed[0].Reason)}
	}

	// The file, written only once it loads as the kiosk will load it.
	begin("config", "写入配置")
	b, err := encodeConfig(cfg)
	if err != nil {
		return rep, fail("配置无法生成", err)
	}
	if err := writeConfig(f.Config, b, validateConfigFile); err != nil {
		return rep, fail("新配置校验未通过，原配置未改动", err)
	}
	rep.Written = true
	ok(f.Config)
	return rep, nil
}

// haveCertificate returns the identity of the terminal certificate and key
// in tf when they exist, belong together and are valid now.
func haveCertificate(tf terminalFiles, _ string) (string, error) {
	pair, err := tls.LoadX509KeyPair(tf.cert, tf.key)
	if err != nil {
		return "", err
	}
	c, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return "", err
	}
	if now := time.Now(); now.After(c.NotAfter) || now.Before(c.NotBefore) {
		return "", fmt.Errorf("certificate valid %s to %s only", c.NotBefore.Format(time.DateOnly), c.NotAfter.Format(time.DateOnly))
	}
	if _, err := os.Stat(tf.catalog); err != nil {
		return "", err
	}
	return c.Subject.CommonName, nil
}

// enroll makes the key, sends the CSR with the code and stores the
// certificate (0600), the key (0600) and the catalogue key.
func enroll(ctx context.Context, cc client.Config, code string, tf terminalFiles, stderr io.Writer) (time.Time, error) {
	if code == "" {
		return time.Time{}, &Error{StatusUsage, errors.New("--code is required to enroll")}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return time.Time{}, fmt.Errorf("provision: key: %w", err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "bianmin-kiosk terminal"}}, key)
	if err != nil {
		return time.Time{}, fmt.Errorf("provision: csr: %w", err)
	}
	cc.Enrolling = true
	cl, err := client.New(cc)
	if err != nil {
		return time.Time{}, &Error{StatusUsage, fmt.Errorf("platform: %w", err)}
	}
	res, err := cl.Enroll(ctx, code, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}))
	if errors.Is(err, client.ErrEnrollRefused) {
		return time.Time{}, &Error{StatusChecks, fmt.Errorf("%w (开通码无效、已使用或已过期：请向省平台申请新的开通码)", err)}
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("enroll at %s: %w", cc.BaseURL, err)
	}
	if skew := res.ServerTime.Sub(time.Now()); skew > selftest.MaxSkew || skew < -selftest.MaxSkew {
		fmt.Fprintf(stderr, "warning: the clock differs from the platform's by %v (the clock check will fail)\n", skew.Round(time.Second))
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return time.Time{}, err
	}
	if err := writeFileAtomic0(tf.key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return time.Time{}, fmt.Errorf("provision: %w", err)
	}
	if err := writeFileAtomic0(tf.cert, []byte(res.Certificate), 0o600); err != nil {
		return time.Time{}, fmt.Errorf("provision: %w", err)
	}
	if res.CatalogKey == "" {
		return time.Time{}, errors.New("provision: the platform gave no catalogue key")
	}
	if err := writeFileAtomic0(tf.catalog, []byte(res.CatalogKey), 0o644); err != nil {
		return time.Time{}, fmt.Errorf("provision: %w", err)
	}
	return res.NotAfter, nil
}

// ownByService gives files to the owner of the data directory (the service
// user) when kioskctl runs as root, so the kiosk can read its certificate.
func ownByService(dataDir string, paths ...string) {
	if os.Geteuid() != 0 {
		return
	}
	fi, err := os.Stat(dataDir)
	if err != nil {
		return
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return
	}
	for _, p := range paths {
		os.Chown(p, int(st.Uid), int(st.Gid))
	}
}

// baseConfig is the configuration file already there (strictly decoded,
// not validated: it may be the package's example), or the defaults.
func baseConfig(path string) (config.Config, error) {
	cfg := config.Default()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("provision: %w", err)
	}
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&cfg)
	if err != nil {
		return cfg, &Error{StatusUsage, fmt.Errorf("the existing %s does not parse (move it away to start afresh): %w", path, err)}
	}
	if un := md.Undecoded(); len(un) > 0 {
		return cfg, &Error{StatusUsage, fmt.Errorf("the existing %s has unknown keys %v (move it away to start afresh)", path, un)}
	}
	return cfg, nil
}

const configHeader = `# Bianmin Kiosk configuration, written by kioskctl provision on %s.
# packaging/kiosk.example.toml documents every key. Edit with care: the kiosk
# refuses unknown keys and, in production, any simulator.

`

func encodeConfig(cfg config.Config) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, configHeader, time.Now().UTC().Format(time.RFC3339))
	enc := toml.NewEncoder(&b)
	enc.Indent = ""
	if err := enc.Encode(cfg); err != nil {
		return nil, fmt.Errorf("provision: encode configuration: %w", err)
	}
	return b.Bytes(), nil
}

// validateConfigFile loads path exactly as the kiosk does (config.Load,
// terminal.Resolve) and opens what a production start opens first: the
// store key, the catalogue key, the certificate with its key and CA.
func validateConfigFile(path string) error {
	cfg, err := config.Load(path)
	if err != nil {
		return &terminal.Failure{Class: terminal.ClassConfig, What: "configuration", Path: path, Err: err}
	}
	plan, err := terminal.Resolve(cfg)
	if err != nil {
		return err
	}
	if cfg.Simulated() {
		return nil // nothing of the terminal's own: the simulation makes its throwaway key
	}
	if _, err := plan.LoadKey(false); err != nil {
		return err
	}
	if _, err := plan.CatalogKey(); err != nil {
		return err
	}
	pc, err := plan.PlatformConfig()
	if err != nil {
		return err
	}
	if _, err := terminal.NewClient(pc); err != nil {
		return err
	}
	return nil
}

// writeConfig replaces path with b atomically: a temporary file in the same
// directory, fsynced, checked by validate, renamed over path, and the
// directory fsynced. When validate fails the old file is left as it was.
func writeConfig(path string, b []byte, validate func(tmp string) error) error {
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	return writeAtomic(path, b, mode, validate)
}

// writeFileAtomic0 writes a small file (a key, a certificate) atomically
// with exactly mode.
func writeFileAtomic0(path string, b []byte, mode os.FileMode) error {
	return writeAtomic(path, b, mode, nil)
}

func writeAtomic(path string, b []byte, mode os.FileMode, validate func(tmp string) error) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".new-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	defer os.Remove(name) // nothing after the rename
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if validate != nil {
		if err := validate(name); err != nil {
			return fmt.Errorf("the new configuration does not load, %s left as it was: %w", path, err)
		}
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Discovered is one device found or chosen.
type Discovered struct {
	Role    string `json:"role"`    // idcard, printer, a4, scanner, qr, or found: a device seen but not chosen
	Backend string `json:"backend"` // serial, usb, usblp, cups, escl, sane, v4l2, evdev, none
	Path    string `json:"path,omitempty"`
	Note    string `json:"note,omitempty"`
}

// discoverDevices fills the configuration's device sections from the
// flags, probing for the "auto" ones: serial ports (GA 467 SAM status for
// the reader, DLE EOT for the printer), USB IDs, CUPS queues, SANE and V4L2
// scanners.
func discoverDevices(ctx context.Context, f *Options, cfg *config.Config) ([]Discovered, error) {
	var out []Discovered
	ports := idcard.SerialCandidates()
	if f.Ports != "" {
		ports = strings.Split(f.Ports, ",")
	}
	claimed := map[string]bool{}
	real := func(p string) string {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return r
		}
		return p
	}
	usbs := usbDevices()
	for _, u := range usbs {
		out = append(out, Discovered{Role: "found", Backend: "usb", Path: u.id, Note: u.name})
	}
	// The reader.
	kind, val, _ := strings.Cut(f.IDCard, ":")
	switch kind {
	case "auto":
		found := idcard.Discover(ctx, ports)
		if len(found) == 0 {
			for _, u := range usbs {
				if strings.EqualFold(u.id, cfg.IDCard.USB) {
					cfg.IDCard.Backend = config.BackendUSB
					out = append(out, Discovered{Role: "idcard", Backend: "usb", Path: u.id, Note: "found by VID:PID"})
				}
			}
			if cfg.IDCard.Backend != config.BackendUSB {
				return out, errors.New("--idcard auto: no GA 467 reader answers on " + strings.Join(ports, ", ") + " nor by USB ID (give --idcard serial:PORT, usb:VID:PID or none)")
			}
			break
		}
		cfg.IDCard.Backend, cfg.IDCard.Port, cfg.IDCard.Baud = config.BackendSerial, found[0].Path, found[0].Baud
		claimed[real(found[0].Path)] = true
		out = append(out, Discovered{Role: "idcard", Backend: "serial", Path: found[0].Path, Note: fmt.Sprintf("GA 467 at %d baud", found[0].Baud)})
	case "serial":
		cfg.IDCard.Backend, cfg.IDCard.Port = config.BackendSerial, val
		claimed[real(val)] = true
		out = append(out, Discovered{Role: "idcard", Backend: "serial", Path: val})
	case "usb":
		cfg.IDCard.Backend, cfg.IDCard.USB = config.BackendUSB, val
		out = append(out, Discovered{Role: "idcard", Backend: "usb", Path: val})
	case "none":
		cfg.IDCard.Backend = config.BackendNone
		out = append(out, Discovered{Role: "idcard", Backend: "none"})
	default:
		return out, fmt.Errorf("--idcard %q: auto, none, serial:PORT or usb:VID:PID", f.IDCard)
	}
	// The receipt printer.
	kind, val, _ = strings.Cut(f.Printer, ":")
	switch kind {
	case "auto":
		var hit string
		for _, p := range ports {
			if claimed[real(p)] {
				continue
			}
			rw, err := printer.SerialOpener(p, 0)(ctx)
			if err == nil {
				rw.Close()
				hit = p
				break
			}
		}
		if hit == "" {
			return out, errors.New("--printer auto: no ESC/POS printer answers on the serial ports (give --printer serial:PORT, usblp:PATH, usb:VID:PID or none)")
		}
		cfg.Printer.Backend, cfg.Printer.Port = config.BackendSerial, hit
		claimed[real(hit)] = true
		out = append(out, Discovered{Role: "printer", Backend: "serial", Path: hit, Note: "answers DLE EOT"})
	case "serial":
		cfg.Printer.Backend, cfg.Printer.Port = config.BackendSerial, val
		claimed[real(val)] = true
		out = append(out, Discovered{Role: "printer", Backend: "serial", Path: val})
	case "usblp":
		cfg.Printer.Backend, cfg.Printer.LPPath = config.BackendUSBLP, val
		out = append(out, Discovered{Role: "printer", Backend: "usblp", Path: val})
	case "usb":
		cfg.Printer.Backend, cfg.Printer.USB = config.BackendUSB, val
		out = append(out, Discovered{Role: "printer", Backend: "usb", Path: val})
	case "none":
		cfg.Printer.Backend = config.BackendNone
		out = append(out, Discovered{Role: "printer", Backend: "none"})
	default:
		return out, fmt.Errorf("--printer %q: auto, none, serial:PORT, usblp:PATH or usb:VID:PID", f.Printer)
	}
	// The A4 printer.
	queues := cupsQueues(ctx)
	for _, q := range queues {
		out = append(out, Discovered{Role: "found", Backend: "cups", Path: q})
	}
	switch f.A4 {
	case "auto":
		cfg.Printer.CUPSQueue = ""
		if len(queues) == 1 {
			cfg.Printer.CUPSQueue = queues[0]
			out = append(out, Discovered{Role: "a4", Backend: "cups", Path: queues[0], Note: "the only CUPS queue"})
		} else {
			out = append(out, Discovered{Role: "a4", Backend: "none", Note: fmt.Sprintf("%d CUPS queues: give --a4 QUEUE to choose", len(queues))})
		}
	case "none", "":
		cfg.Printer.CUPSQueue = ""
		out = append(out, Discovered{Role: "a4", Backend: "none"})
	default:
		cfg.Printer.CUPSQueue = f.A4
		out = append(out, Discovered{Role: "a4", Backend: "cups", Path: f.A4})
	}
	// The scanner.
	kind, val, _ = strings.Cut(f.Scanner, ":")
	switch kind {
	case "auto":
		// eSCL scanners on the network first (scanner_mdns.go); several:
		// the technician names one. None: SANE, then V4L2.
		d, seen, note := scannerByMDNS(ctx, "")
		out = append(out, seen...)
		if d.Backend == "" && len(seen) == 0 {
			d, note = findScanner(ctx)
		}
		if d.Backend == "" {
			cfg.Scanner.Backend = config.BackendNone
			out = append(out, Discovered{Role: "scanner", Backend: "none", Note: "none found: " + note})
			break
		}
		cfg.Scanner.Backend, cfg.Scanner.Device = d.Backend, d.Path
		out = append(out, d)
	case "mdns":
		d, seen, note := scannerByMDNS(ctx, val)
		out = append(out, seen...)
		if d.Backend == "" {
			return out, fmt.Errorf("--scanner mdns:%s: %s", val, note)
		}
		cfg.Scanner.Backend, cfg.Scanner.Device = d.Backend, d.Path
		out = append(out, d)
	case "escl", "sane", "v4l2":
		cfg.Scanner.Backend, cfg.Scanner.Device = kind, val
		out = append(out, Discovered{Role: "scanner", Backend: kind, Path: val})
	case "none":
		cfg.Scanner.Backend = config.BackendNone
		out = append(out, Discovered{Role: "scanner", Backend: "none"})
	default:
		return out, fmt.Errorf("--scanner %q: auto, none, mdns:NAME, escl:URL, sane:DEVICE or v4l2:/dev/videoN", f.Scanner)
	}
	// The QR scanner (it never answers a probe: named, not found).
	kind, val, _ = strings.Cut(f.QR, ":")
	switch kind {
	case "serial":
		if claimed[real(val)] {
			return out, fmt.Errorf("--qr %s: that port is the reader's or the printer's", val)
		}
		cfg.QR.Backend, cfg.QR.Port = config.BackendSerial, val
	case "evdev":
		cfg.QR.Backend, cfg.QR.Port = config.BackendEvdev, val
	case "none":
		cfg.QR.Backend = config.BackendNone
	default:
		return out, fmt.Errorf("--qr %q: none, serial:PORT or evdev:PATH", f.QR)
	}
	out = append(out, Discovered{Role: "qr", Backend: cfg.QR.Backend, Path: cfg.QR.Port})
	if kbds, _ := filepath.Glob("/dev/input/by-id/*-event-kbd"); len(kbds) > 0 {
		for _, k := range kbds {
			out = append(out, Discovered{Role: "found", Backend: "evdev", Path: k})
		}
	}
	return out, nil
}

// findScanner picks the first scanner SANE lists (not its test backend),
// else the first V4L2 document camera (after mDNS found no eSCL scanner).
func findScanner(ctx context.Context) (Discovered, string) {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	devs, err := sane.List(sctx, "")
	cancel()
	for _, d := range devs {
		if strings.HasPrefix(d.Name, "test") {
			continue
		}
		return Discovered{Role: "scanner", Backend: config.BackendSANE, Path: d.Name, Note: strings.TrimSpace(d.Vendor + " " + d.Model)}, ""
	}
	if v := v4l2.List(); len(v) > 0 {
		return Discovered{Role: "scanner", Backend: config.BackendV4L2, Path: v[0], Note: "V4L2 camera"}, ""
	}
	note := "scanimage -L lists no scanner"
	if err != nil {
		note = err.Error()
	}
	return Discovered{}, note
}

type usbDevice struct{ id, name string }

// usbDevices lists the USB devices the kernel sees (VID:PID and product).
func usbDevices() []usbDevice {
	var out []usbDevice
	dirs, _ := filepath.Glob("/sys/bus/usb/devices/*")
	for _, d := range dirs {
		v, err1 := os.ReadFile(filepath.Join(d, "idVendor"))
		p, err2 := os.ReadFile(filepath.Join(d, "idProduct"))
		if err1 != nil || err2 != nil {
			continue
		}
		name, _ := os.ReadFile(filepath.Join(d, "product"))
		out = append(out, usbDevice{id: strings.TrimSpace(string(v)) + ":" + strings.TrimSpace(string(p)), name: strings.TrimSpace(string(name))})
	}
	return out
}

// cupsQueues lists the CUPS queues (lpstat -e), none when CUPS is absent.
func cupsQueues(ctx context.Context) []string {
	if _, err := exec.LookPath("lpstat"); err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	b, err := exec.CommandContext(ctx, "lpstat", "-e").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}
