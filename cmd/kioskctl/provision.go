package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"

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

// kioskctl provision: turn a freshly installed terminal into this station's
// terminal, non-interactively (a technician's script gives every flag):
//
//	kioskctl provision --station-code 330106001 --station-name 双流村便民服务站 \
//	  --division 330106013201 --terminal T01 --platform https://zwfw-kiosk.example.gov.cn \
//	  --platform-ca /media/usb/platform-ca.crt --code K7QX-3MPA-9WZE-TT4R \
//	  --idcard auto --printer auto --scanner auto --qr serial:/dev/ttyACM0
//
// It generates the terminal's key (ECDSA P-256) on the terminal, exchanges
// the enrollment code and a CSR for its certificate, makes the store key if
// the first-boot service has not, discovers and tests the devices, checks
// the network, the clock and the catalogue against the platform, and writes
// the configuration atomically once it loads through config and
// terminal.Resolve exactly as the kiosk will load it. Nothing is written to
// the configuration when a check fails; the certificate, once issued, is
// kept (the code is single-use), so a second run needs no new code.

func init() {
	register("provision", "", "set this terminal up: enrollment code → certificate, keys, devices, checks, configuration", provision)
}

// Exit status of provision when a check failed (the configuration is not written).
const exitProvisionChecks = 5

type provisionFlags struct {
	config, data, key                     string
	stationCode, stationName, terminalNo  string
	division, address, phone              string
	platform, platformCA, code, queryBase string
	idcard, printer, scanner, qr, a4      string
	paper, dpi                            int
	ports                                 string
	voice                                 bool
	force, asJSON, interactive            bool
	timeout                               time.Duration
}

var (
	divisionCode = regexp.MustCompile(`^[1-9][0-9]{11}$`)
	terminalNo   = regexp.MustCompile(`^[A-Za-z0-9]{1,8}$`)
	stationCode  = regexp.MustCompile(`^[A-Za-z0-9]{4,24}$`)
)

// validDivision checks a 12-digit statistics division code down to the
// village level: province, city, county (2+2+2 digits, none 00 but the
// city of a directly-administered municipality may be 01/02), township
// (3 digits, not 000) and village (3 digits, not 000).
func validDivision(s string) error {
	if !divisionCode.MatchString(s) {
		return errors.New("the division code must be 12 digits (统计用区划代码, village level)")
	}
	switch {
	case s[2:4] == "00" || s[4:6] == "00":
		return errors.New("the division code names a province or city, not a village")
	case s[6:9] == "000":
		return errors.New("the division code names a county, not a village (township digits 000)")
	case s[9:12] == "000":
		return errors.New("the division code names a township, not a village (village digits 000)")
	}
	return nil
}

func provision(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f provisionFlags
	fs.StringVar(&f.config, "config", defaultConfigPath, "configuration file to write (certificates and keys go beside it)")
	fs.StringVar(&f.data, "data", "/var/lib/bianmin-kiosk", "the terminal's data directory (store.data_dir)")
	fs.StringVar(&f.key, "key", "", "store key file (default: store.key beside the configuration); made when absent")
	fs.StringVar(&f.stationCode, "station-code", "", "station code (required)")
	fs.StringVar(&f.stationName, "station-name", "", "station name, e.g. 双流村便民服务站 (required)")
	fs.StringVar(&f.terminalNo, "terminal", "", "terminal number within the station, e.g. T01 (required)")
	fs.StringVar(&f.division, "division", "", "12-digit village-level statistics division code (required)")
	fs.StringVar(&f.address, "address", "", "where the terminal stands (printed on receipts)")
	fs.StringVar(&f.phone, "phone", "12345", "enquiry phone printed on receipts")
	fs.StringVar(&f.platform, "platform", "", "the province's platform URL, https (required)")
	fs.StringVar(&f.platformCA, "platform-ca", "", "CA certificate (PEM) the platform's server certificate chains to; empty: the system's roots")
	fs.StringVar(&f.code, "code", "", "one-time enrollment code from the province (not needed when this terminal already holds its certificate)")
	fs.StringVar(&f.queryBase, "query-base", "", "receipt QR tracking page (default: the configuration's)")
	fs.StringVar(&f.idcard, "idcard", "auto", "ID card reader: auto | none | serial:PORT | usb:VID:PID")
	fs.StringVar(&f.printer, "printer", "auto", "receipt printer: auto | none | serial:PORT | usblp:/dev/usb/lpN | usb:VID:PID")
	fs.StringVar(&f.a4, "a4", "auto", "A4 printer: auto (the only CUPS queue) | none | QUEUE")
	fs.StringVar(&f.scanner, "scanner", "auto", "scanner: auto | none | escl:URL | sane:DEVICE | v4l2:/dev/videoN")
	fs.StringVar(&f.qr, "qr", "none", "QR scanner: none | serial:PORT | evdev:/dev/input/by-id/…-event-kbd (cannot be found by probing)")
	fs.IntVar(&f.paper, "paper", 80, "receipt paper width in mm (58 or 80)")
	fs.IntVar(&f.dpi, "dpi", 200, "scan resolution")
	fs.StringVar(&f.ports, "ports", "", "serial ports to probe for auto, comma-separated (default /dev/serial/by-id/*, ttyUSB*, ttyACM*)")
	fs.BoolVar(&f.voice, "voice", true, "spoken prompts")
	fs.BoolVar(&f.interactive, "interactive", false, "ask for each required value not given as a flag")
	fs.BoolVar(&f.force, "force", false, "replace this terminal's certificate with a new enrollment (a new --code)")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fs.DurationVar(&f.timeout, "timeout", 3*time.Minute, "overall limit")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	if f.interactive {
		if err := f.ask(provisionInput, stderr); err != nil {
			return &exitError{2, err}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	rep, err := runProvision(ctx, &f, stderr)
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		rep.print(stdout)
	}
	return err
}

// provisionReport is what provision did.
type provisionReport struct {
	Config    string            `json:"config"`
	Terminal  string            `json:"terminal"`
	Enrolled  bool              `json:"enrolled"` // a new certificate this run
	NotAfter  time.Time         `json:"certificate_not_after,omitzero"`
	Files     map[string]string `json:"files"`
	Generated []string          `json:"generated,omitempty"` // keys made this run
	Devices   []discovered      `json:"devices"`
	Checks    []selftest.Result `json:"checks"`
	Written   bool              `json:"written"`
}

func (r *provisionReport) print(w io.Writer) {
	fmt.Fprintf(w, "terminal %s\n", r.Terminal)
	if r.Enrolled {
		fmt.Fprintf(w, "enrolled: certificate valid until %s\n", r.NotAfter.Format("2006-01-02"))
	}
	for _, g := range r.Generated {
		fmt.Fprintf(w, "generated %s\n", g)
	}
	for _, d := range r.Devices {
		fmt.Fprintf(w, "device  %-8s %-8s %s %s\n", d.Role, d.Backend, d.Path, d.Note)
	}
	printResults(w, r.Checks)
	if r.Written {
		fmt.Fprintf(w, "configuration written: %s\n", r.Config)
	} else {
		fmt.Fprintf(w, "configuration NOT written (%s)\n", r.Config)
	}
}

// provisionInput is where --interactive reads the answers.
var provisionInput io.Reader = os.Stdin

// ask prompts for each required value left empty, one line each; a
// division code is asked again until it is valid.
func (f *provisionFlags) ask(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	for _, q := range []struct {
		v        *string
		prompt   string
		valid    func(string) error
		optional bool // asked once; empty is an answer
	}{
		{&f.stationCode, "站点编码 station code", nil, false},
		{&f.stationName, "站点名称 station name", nil, false},
		{&f.terminalNo, "终端编号 terminal number (T01)", nil, false},
		{&f.division, "12 位区划代码 division code", validDivision, false},
		{&f.address, "安装地址 address", nil, true},
		{&f.platform, "平台地址 platform URL (https://…)", nil, false},
		{&f.platformCA, "平台 CA 证书文件 platform CA file (empty: system roots)", nil, true},
		{&f.code, "开通码 enrollment code (empty: keep this terminal's certificate)", nil, true},
	} {
		for asked := false; strings.TrimSpace(*q.v) == "" && !(q.optional && asked); asked = true {
			fmt.Fprintf(out, "%s: ", q.prompt)
			if !sc.Scan() {
				return errors.New("provision: input ended before every value was given")
			}
			v := strings.TrimSpace(sc.Text())
			if q.valid != nil && v != "" {
				if err := q.valid(v); err != nil {
					fmt.Fprintln(out, err)
					continue
				}
			}
			*q.v = v
		}
	}
	return nil
}

func (f *provisionFlags) check() error {
	var errs []error
	req := func(name, v string) {
		if strings.TrimSpace(v) == "" {
			errs = append(errs, fmt.Errorf("--%s is required", name))
		}
	}
	req("station-code", f.stationCode)
	req("station-name", f.stationName)
	req("terminal", f.terminalNo)
	req("division", f.division)
	req("platform", f.platform)
	if f.stationCode != "" && !stationCode.MatchString(f.stationCode) {
		errs = append(errs, fmt.Errorf("--station-code %q: 4 to 24 letters or digits", f.stationCode))
	}
	if f.terminalNo != "" && !terminalNo.MatchString(f.terminalNo) {
		errs = append(errs, fmt.Errorf("--terminal %q: 1 to 8 letters or digits, e.g. T01", f.terminalNo))
	}
	if f.division != "" {
		if err := validDivision(f.division); err != nil {
			errs = append(errs, fmt.Errorf("--division %s: %w", f.division, err))
		}
	}
	if f.platform != "" {
		if u, err := url.Parse(f.platform); err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("--platform %q: an https:// URL", f.platform))
		}
	}
	if f.paper != 58 && f.paper != 80 {
		errs = append(errs, errors.New("--paper must be 58 or 80"))
	}
	return errors.Join(errs...)
}

// terminalFiles are the files provisioning installs beside the configuration.
type terminalFiles struct {
	dir, cert, key, ca, catalog, store string
}

func filesFor(f *provisionFlags) terminalFiles {
	dir := filepath.Dir(f.config)
	t := terminalFiles{dir: dir, cert: filepath.Join(dir, "terminal.crt"), key: filepath.Join(dir, "terminal.key"),
		catalog: filepath.Join(dir, "catalog.pub"), store: filepath.Join(dir, "store.key")}
	if f.platformCA != "" {
		t.ca = filepath.Join(dir, "platform-ca.crt")
	}
	if f.key != "" {
		t.store = f.key
	}
	return t
}

func runProvision(ctx context.Context, f *provisionFlags, stderr io.Writer) (*provisionReport, error) {
	rep := &provisionReport{Config: f.config, Files: map[string]string{}}
	if err := f.check(); err != nil {
		return rep, &exitError{2, err}
	}
	// The kiosk runs from another directory: every path it reads is absolute.
	for _, p := range []*string{&f.config, &f.data, &f.key, &f.platformCA} {
		if *p != "" {
			abs, err := filepath.Abs(*p)
			if err != nil {
				return rep, &exitError{2, err}
			}
			*p = abs
		}
	}
	rep.Config = f.config
	identity := f.stationCode + "-" + f.terminalNo
	rep.Terminal = identity
	tf := filesFor(f)
	if err := os.MkdirAll(tf.dir, 0o755); err != nil {
		return rep, fmt.Errorf("provision: %w", err)
	}
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return rep, fmt.Errorf("provision: data directory: %w", err)
	}
	// The platform's CA first: every later step trusts the server through it.
	if f.platformCA != "" {
		b, err := os.ReadFile(f.platformCA)
		if err != nil {
			return rep, &exitError{2, fmt.Errorf("--platform-ca: %w", err)}
		}
		if !x509.NewCertPool().AppendCertsFromPEM(b) {
			return rep, &exitError{2, fmt.Errorf("--platform-ca %s: no PEM certificate", f.platformCA)}
		}
		if filepath.Clean(f.platformCA) != tf.ca {
			if err := writeFileAtomic0(tf.ca, b, 0o644); err != nil {
				return rep, fmt.Errorf("provision: %w", err)
			}
		}
	}
	// The store key: one per terminal, made on the terminal (the first-boot
	// service makes it too, with the same rule: never overwrite). The blind
	// index key is derived from it (offline, HKDF), so there is no second
	// file to lose.
	if _, err := os.Stat(tf.store); errors.Is(err, fs.ErrNotExist) {
		if err := offline.GenerateKeyFile(tf.store); err != nil {
			return rep, fmt.Errorf("provision: store key: %w", err)
		}
		rep.Generated = append(rep.Generated, tf.store)
	} else if err != nil {
		return rep, fmt.Errorf("provision: store key: %w", err)
	}
	if _, err := offline.LoadKey(tf.store); err != nil {
		return rep, &terminal.Failure{Class: terminal.ClassStoreKey, What: "store key", Path: tf.store, Err: err, Fix: "chmod 0600 it, or remove it before the first application is stored"}
	}
	// The certificate.
	cc := client.Config{BaseURL: f.platform, CAFile: tf.ca, Timeout: 30 * time.Second}
	enrolled, err := haveCertificate(tf, identity)
	if err != nil && !f.force {
		if f.code == "" {
			return rep, &exitError{2, fmt.Errorf("this terminal has no usable certificate (%v): give the enrollment code with --code", err)}
		}
	}
	if err == nil && f.force && f.code == "" {
		return rep, &exitError{2, errors.New("--force needs a new --code")}
	}
	if err != nil || f.force {
		res, err := enroll(ctx, cc, f.code, tf, stderr)
		if err != nil {
			return rep, err
		}
		rep.Enrolled, rep.NotAfter = true, res
		if enrolled, err = haveCertificate(tf, identity); err != nil {
			return rep, fmt.Errorf("provision: the stored certificate: %w", err)
		}
	}
	if enrolled != identity {
		return rep, &exitError{2, fmt.Errorf("the certificate is for %s, not %s: the enrollment code was issued for another terminal", enrolled, identity)}
	}
	for k, v := range map[string]string{"certificate": tf.cert, "certificate key": tf.key, "platform CA": tf.ca, "catalogue key": tf.catalog, "store key": tf.store} {
		if v != "" {
			rep.Files[k] = v
		}
	}
	ownByService(f.data, tf.cert, tf.key)

	// The configuration, over the one already there (its admin PIN and
	// staff are kept).
	cfg, err := baseConfig(f.config)
	if err != nil {
		return rep, err
	}
	cfg.Mode = config.ModeProduction
	cfg.Station.Code, cfg.Station.Name, cfg.Station.Terminal, cfg.Station.Division = f.stationCode, f.stationName, f.terminalNo, f.division
	cfg.Station.Address, cfg.Station.Phone = f.address, f.phone
	cfg.Platform.URL, cfg.Platform.CertFile, cfg.Platform.KeyFile, cfg.Platform.CAFile, cfg.Platform.CatalogKeyFile = f.platform, tf.cert, tf.key, tf.ca, tf.catalog
	if f.queryBase != "" {
		cfg.Platform.QueryBase = f.queryBase
	}
	cfg.Store.DataDir, cfg.Store.KeyFile = f.data, tf.store
	cfg.Printer.PaperMM = f.paper
	cfg.Scanner.DPI = f.dpi
	cfg.UI.Voice = f.voice
	cfg.UI.Fullscreen = true

	// Devices, probed under the data directory's port locks (a running
	// kiosk's ports are refused, not shared).
	if _, err := terminal.Resolve(cfg); err != nil {
		return rep, err
	}
	devs, err := discoverDevices(ctx, f, &cfg)
	rep.Devices = devs
	if err != nil {
		return rep, &exitError{2, err}
	}

	// The checks: each chosen device, the network, the clock, the catalogue.
	plan, closeAll, err := checksFor(ctx, cfg, checkOptions{provisioning: true})
	if err != nil {
		return rep, err
	}
	rep.Checks = selftest.Run(ctx, plan)
	closeAll()
	if failed := selftest.Failed(rep.Checks); len(failed) > 0 {
		return rep, &exitError{exitProvisionChecks, fmt.Errorf("%d checks failed (first: %s: %s); the configuration was not written", len(failed), failed[0].Name, failed[0].Reason)}
	}

	// The file, written only once it loads as the kiosk will load it.
	b, err := encodeConfig(cfg)
	if err != nil {
		return rep, err
	}
	if err := writeConfig(f.config, b, validateConfigFile); err != nil {
		return rep, err
	}
	rep.Written = true
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
		return time.Time{}, &exitError{2, errors.New("--code is required to enroll")}
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
		return time.Time{}, &exitError{2, fmt.Errorf("platform: %w", err)}
	}
	res, err := cl.Enroll(ctx, code, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr}))
	if errors.Is(err, client.ErrEnrollRefused) {
		return time.Time{}, &exitError{exitProvisionChecks, fmt.Errorf("%w (开通码无效、已使用或已过期：请向省平台申请新的开通码)", err)}
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
		return cfg, &exitError{2, fmt.Errorf("the existing %s does not parse (move it away to start afresh): %w", path, err)}
	}
	if un := md.Undecoded(); len(un) > 0 {
		return cfg, &exitError{2, fmt.Errorf("the existing %s has unknown keys %v (move it away to start afresh)", path, un)}
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

// discovered is one device found or chosen.
type discovered struct {
	Role    string `json:"role"`    // idcard, printer, a4, scanner, qr, or found: a device seen but not chosen
	Backend string `json:"backend"` // serial, usb, usblp, cups, escl, sane, v4l2, evdev, none
	Path    string `json:"path,omitempty"`
	Note    string `json:"note,omitempty"`
}

// discoverDevices fills the configuration's device sections from the
// flags, probing for the "auto" ones: serial ports (GA 467 SAM status for
// the reader, DLE EOT for the printer), USB IDs, CUPS queues, SANE and V4L2
// scanners.
func discoverDevices(ctx context.Context, f *provisionFlags, cfg *config.Config) ([]discovered, error) {
	var out []discovered
	ports := idcard.SerialCandidates()
	if f.ports != "" {
		ports = strings.Split(f.ports, ",")
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
		out = append(out, discovered{Role: "found", Backend: "usb", Path: u.id, Note: u.name})
	}
	// The reader.
	kind, val, _ := strings.Cut(f.idcard, ":")
	switch kind {
	case "auto":
		found := idcard.Discover(ctx, ports)
		if len(found) == 0 {
			for _, u := range usbs {
				if strings.EqualFold(u.id, cfg.IDCard.USB) {
					cfg.IDCard.Backend = config.BackendUSB
					out = append(out, discovered{Role: "idcard", Backend: "usb", Path: u.id, Note: "found by VID:PID"})
				}
			}
			if cfg.IDCard.Backend != config.BackendUSB {
				return out, errors.New("--idcard auto: no GA 467 reader answers on " + strings.Join(ports, ", ") + " nor by USB ID (give --idcard serial:PORT, usb:VID:PID or none)")
			}
			break
		}
		cfg.IDCard.Backend, cfg.IDCard.Port, cfg.IDCard.Baud = config.BackendSerial, found[0].Path, found[0].Baud
		claimed[real(found[0].Path)] = true
		out = append(out, discovered{Role: "idcard", Backend: "serial", Path: found[0].Path, Note: fmt.Sprintf("GA 467 at %d baud", found[0].Baud)})
	case "serial":
		cfg.IDCard.Backend, cfg.IDCard.Port = config.BackendSerial, val
		claimed[real(val)] = true
		out = append(out, discovered{Role: "idcard", Backend: "serial", Path: val})
	case "usb":
		cfg.IDCard.Backend, cfg.IDCard.USB = config.BackendUSB, val
		out = append(out, discovered{Role: "idcard", Backend: "usb", Path: val})
	case "none":
		cfg.IDCard.Backend = config.BackendNone
		out = append(out, discovered{Role: "idcard", Backend: "none"})
	default:
		return out, fmt.Errorf("--idcard %q: auto, none, serial:PORT or usb:VID:PID", f.idcard)
	}
	// The receipt printer.
	kind, val, _ = strings.Cut(f.printer, ":")
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
		out = append(out, discovered{Role: "printer", Backend: "serial", Path: hit, Note: "answers DLE EOT"})
	case "serial":
		cfg.Printer.Backend, cfg.Printer.Port = config.BackendSerial, val
		claimed[real(val)] = true
		out = append(out, discovered{Role: "printer", Backend: "serial", Path: val})
	case "usblp":
		cfg.Printer.Backend, cfg.Printer.LPPath = config.BackendUSBLP, val
		out = append(out, discovered{Role: "printer", Backend: "usblp", Path: val})
	case "usb":
		cfg.Printer.Backend, cfg.Printer.USB = config.BackendUSB, val
		out = append(out, discovered{Role: "printer", Backend: "usb", Path: val})
	case "none":
		cfg.Printer.Backend = config.BackendNone
		out = append(out, discovered{Role: "printer", Backend: "none"})
	default:
		return out, fmt.Errorf("--printer %q: auto, none, serial:PORT, usblp:PATH or usb:VID:PID", f.printer)
	}
	// The A4 printer.
	queues := cupsQueues(ctx)
	for _, q := range queues {
		out = append(out, discovered{Role: "found", Backend: "cups", Path: q})
	}
	switch f.a4 {
	case "auto":
		cfg.Printer.CUPSQueue = ""
		if len(queues) == 1 {
			cfg.Printer.CUPSQueue = queues[0]
			out = append(out, discovered{Role: "a4", Backend: "cups", Path: queues[0], Note: "the only CUPS queue"})
		} else {
			out = append(out, discovered{Role: "a4", Backend: "none", Note: fmt.Sprintf("%d CUPS queues: give --a4 QUEUE to choose", len(queues))})
		}
	case "none", "":
		cfg.Printer.CUPSQueue = ""
		out = append(out, discovered{Role: "a4", Backend: "none"})
	default:
		cfg.Printer.CUPSQueue = f.a4
		out = append(out, discovered{Role: "a4", Backend: "cups", Path: f.a4})
	}
	// The scanner.
	kind, val, _ = strings.Cut(f.scanner, ":")
	switch kind {
	case "auto":
		d, note := findScanner(ctx)
		if d.Backend == "" {
			cfg.Scanner.Backend = config.BackendNone
			out = append(out, discovered{Role: "scanner", Backend: "none", Note: "none found: " + note})
			break
		}
		cfg.Scanner.Backend, cfg.Scanner.Device = d.Backend, d.Path
		out = append(out, d)
	case "escl", "sane", "v4l2":
		cfg.Scanner.Backend, cfg.Scanner.Device = kind, val
		out = append(out, discovered{Role: "scanner", Backend: kind, Path: val})
	case "none":
		cfg.Scanner.Backend = config.BackendNone
		out = append(out, discovered{Role: "scanner", Backend: "none"})
	default:
		return out, fmt.Errorf("--scanner %q: auto, none, escl:URL, sane:DEVICE or v4l2:/dev/videoN", f.scanner)
	}
	// The QR scanner (it never answers a probe: named, not found).
	kind, val, _ = strings.Cut(f.qr, ":")
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
		return out, fmt.Errorf("--qr %q: none, serial:PORT or evdev:PATH", f.qr)
	}
	out = append(out, discovered{Role: "qr", Backend: cfg.QR.Backend, Path: cfg.QR.Port})
	if kbds, _ := filepath.Glob("/dev/input/by-id/*-event-kbd"); len(kbds) > 0 {
		for _, k := range kbds {
			out = append(out, discovered{Role: "found", Backend: "evdev", Path: k})
		}
	}
	return out, nil
}

// findScanner picks the first scanner SANE lists (not its test backend),
// else the first V4L2 document camera. eSCL scanners are named with
// --scanner escl:URL (no mDNS browsing here).
func findScanner(ctx context.Context) (discovered, string) {
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	devs, err := sane.List(sctx, "")
	cancel()
	for _, d := range devs {
		if strings.HasPrefix(d.Name, "test") {
			continue
		}
		return discovered{Role: "scanner", Backend: config.BackendSANE, Path: d.Name, Note: strings.TrimSpace(d.Vendor + " " + d.Model)}, ""
	}
	if v := v4l2.List(); len(v) > 0 {
		return discovered{Role: "scanner", Backend: config.BackendV4L2, Path: v[0], Note: "V4L2 camera"}, ""
	}
	note := "scanimage -L lists no scanner"
	if err != nil {
		note = err.Error()
	}
	return discovered{}, note
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
