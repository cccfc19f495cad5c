// Package config reads the terminal's one TOML configuration file: the
// station's identity, every device backend and port, the platform address and
// the store. The zero file is valid: defaults run the whole kiosk on simulated
// devices with the platform emulator in-process. cmd/ imports it.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	kiosk "github.com/bianmin/kiosk"
)

// Backend names shared by the device sections.
const (
	BackendSim    = "sim"    // simulator on a pseudo-terminal or in process
	BackendSerial = "serial" // serial port (USB-serial, CDC-ACM, UART)
	BackendUSB    = "usb"    // vendor bulk or printer class through libusb
	BackendUSBLP  = "usblp"  // kernel usblp device /dev/usb/lpN
	BackendCUPS   = "cups"   // A4 through CUPS
	BackendESCL   = "escl"   // network or ipp-usb scanner
	BackendSANE   = "sane"   // scanimage
	BackendV4L2   = "v4l2"   // UVC document camera
	BackendEvdev  = "evdev"  // HID keyboard-wedge QR scanner
	BackendNone   = "none"   // device absent
)

// Duration is a time.Duration written as "300ms", "60s" in TOML.
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Modes of a terminal.
const (
	// ModeProduction: real devices (or none), the provincial platform over
	// mutual TLS. Nothing is ever simulated.
	ModeProduction = "production"
	// ModeSimulation: simulators where the file says sim, the platform
	// emulator in process when platform.url is empty, a throwaway store key.
	ModeSimulation = "simulation"
)

// Config is the whole file.
type Config struct {
	// Mode is production or simulation. Default: simulation without a
	// file, production with one.
	Mode     string        `toml:"mode"`
	Station  kiosk.Station `toml:"station"`
	Platform Platform      `toml:"platform"`
	Store    Store         `toml:"store"`
	IDCard   IDCard        `toml:"idcard"`
	Printer  Printer       `toml:"printer"`
	Scanner  Scanner       `toml:"scanner"`
	QR       QR            `toml:"qr"`
	UI       UI            `toml:"ui"`
	Log      Log           `toml:"log"`
	Metrics  Metrics       `toml:"metrics"`
	// Admin is the technicians' admin mode; Staff the assisting agents
	// (帮办代办). Their PINs are argon2id hashes (credentials.go).
	Admin Admin         `toml:"admin"`
	Staff []StaffMember `toml:"staff"`
}

// Platform is the provincial platform. An empty URL runs the emulator in
// process (simulation); production requires https with mutual TLS.
type Platform struct {
	URL       string `toml:"url"`
	CertFile  string `toml:"cert_file"`
	KeyFile   string `toml:"key_file"`
	CAFile    string `toml:"ca_file"`
	QueryBase string `toml:"query_base"` // receipt QR tracking page
	// CatalogKeyFile is the platform's ed25519 public key that signs the
	// catalogue; empty: catalogue updates are not pulled.
	CatalogKeyFile string   `toml:"catalog_key_file"`
	Timeout        Duration `toml:"timeout"`
	RateLimit      string   `toml:"rate_limit"` // optional upload cap, e.g. "512kbit"
}

// Store is the offline store.
type Store struct {
	DataDir       string `toml:"data_dir"`
	KeyFile       string `toml:"key_file"` // empty: systemd credential kiosk-store-key, else DataDir/store.key
	RetentionDays int    `toml:"retention_days"`
	// MaintenanceWindow is the nightly maintenance period in China time
	// ("02:00-04:00"): checkpoint, integrity check, vacuum, trimming.
	MaintenanceWindow string `toml:"maintenance_window"`
}

// IDCard is the GA 467 reader.
type IDCard struct {
	Backend      string   `toml:"backend"`
	Port         string   `toml:"port"`
	Baud         int      `toml:"baud"`
	USB          string   `toml:"usb"`           // VID:PID
	PollInterval Duration `toml:"poll_interval"` // find-card period where a card is imminent

	// IdlePollInterval is the find-card period on an idle attract screen,
	// FastFor how long PollInterval holds after a touch, a card read or
	// taken away (docs/idcard.md, "Cadence").
	IdlePollInterval Duration `toml:"idle_poll_interval"`
	FastFor          Duration `toml:"fast_for"`
}

// Printer is the receipt printer.
type Printer struct {
	Backend   string `toml:"backend"`
	Port      string `toml:"port"`
	Baud      int    `toml:"baud"`
	LPPath    string `toml:"lp_path"`
	USB       string `toml:"usb"`
	PaperMM   int    `toml:"paper_mm"` // 58 or 80
	NativeQR  bool   `toml:"native_qr"`
	Cutter    bool   `toml:"cutter"`
	SpoolDir  string `toml:"spool_dir"`
	CUPSQueue string `toml:"cups_queue"` // A4 printer, optional
}

// Scanner is the document scanner or camera.
type Scanner struct {
	Backend string `toml:"backend"`
	Device  string `toml:"device"` // eSCL URL, SANE device name, /dev/videoN
	DPI     int    `toml:"dpi"`
}

// QR is the QR / barcode scanner.
type QR struct {
	Backend string `toml:"backend"`
	Port    string `toml:"port"` // serial port or /dev/input/eventN
	Baud    int    `toml:"baud"` // serial speed (backend serial and sim)
}

// UI is the touchscreen.
type UI struct {
	Language    string   `toml:"language"` // zh-CN or en
	Elder       bool     `toml:"elder"`    // start in 长辈模式
	Voice       bool     `toml:"voice"`
	Volume      int      `toml:"volume"` // 0–200, espeak-ng amplitude
	Fullscreen  bool     `toml:"fullscreen"`
	Width       int      `toml:"width"`
	Height      int      `toml:"height"`
	IdleTimeout Duration `toml:"idle_timeout"` // per screen, before the warning
	WarnFor     Duration `toml:"warn_for"`     // length of the visible countdown
}

// Log is logging.
type Log struct {
	Level string `toml:"level"` // debug, info, warn, error
}

// Metrics is the Prometheus endpoint (docs/operations.md). Empty Listen: off.
type Metrics struct {
	Listen string `toml:"listen"` // a loopback host:port, e.g. 127.0.0.1:9464
}

// Default returns the configuration that runs everything simulated.
func Default() Config {
	return Config{
		Mode: ModeSimulation,
		Station: kiosk.Station{Code: "330106001", Name: "西湖区转塘街道双流村便民服务站", Terminal: "T01",
			Division: "330106013201", Address: "双流村村民委员会一楼", Phone: "12345"},
		Platform: Platform{QueryBase: "https://zwfw.example.gov.cn/track", Timeout: Duration{30 * time.Second}},
		Store:    Store{DataDir: "", RetentionDays: 7, MaintenanceWindow: "02:00-04:00"},
		IDCard:   IDCard{Backend: BackendSim, Baud: 115200, USB: "0400:C35A", PollInterval: Duration{50 * time.Millisecond}, IdlePollInterval: Duration{150 * time.Millisecond}, FastFor: Duration{10 * time.Second}},
		Printer:  Printer{Backend: BackendSim, Baud: 115200, PaperMM: 80, NativeQR: true, Cutter: true},
		Scanner:  Scanner{Backend: BackendSim, DPI: 200},
		QR:       QR{Backend: BackendSim, Baud: 115200},
		UI: UI{Language: "zh-CN", Voice: true, Volume: 100, Width: 1080, Height: 1920,
			IdleTimeout: Duration{90 * time.Second}, WarnFor: Duration{20 * time.Second}},
		Log: Log{Level: "info"},
	}
}

// Load reads path over the defaults. An empty path returns the defaults.
func Load(path string) (Config, error) {
	c := Default()
	if path == "" {
		return c, c.Validate()
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return Parse(b)
}

// Parse reads TOML bytes over the defaults. Unknown keys are errors, so a
// misspelt key is not silently ignored. A file that does not say
// mode = "simulation" is a production terminal.
func Parse(b []byte) (Config, error) {
	c := Default()
	c.Mode = ModeProduction
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&c)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		keys := make([]string, len(un))
		for i, k := range un {
			keys[i] = k.String()
		}
		return c, fmt.Errorf("config: unknown keys: %s", strings.Join(keys, ", "))
	}
	return c, c.Validate()
}

// ErrInvalid marks a configuration that cannot run.
var ErrInvalid = errors.New("invalid configuration")

// Validate checks the values that would otherwise fail late.
func (c *Config) Validate() error {
	var errs []error
	bad := func(f string, a ...any) {
		errs = append(errs, fmt.Errorf("config: %w: "+f, append([]any{ErrInvalid}, a...)...))
	}
	switch c.Mode {
	case ModeProduction:
		c.validateProduction(bad)
	case ModeSimulation:
	default:
		bad("mode %q is not production or simulation", c.Mode)
	}
	if c.Station.Code == "" || c.Station.Terminal == "" {
		bad("station code and terminal are required")
	}
	oneOf := func(name, v string, allowed ...string) {
		for _, a := range allowed {
			if v == a {
				return
			}
		}
		bad("%s backend %q is not one of %s", name, v, strings.Join(allowed, ", "))
	}
	oneOf("idcard", c.IDCard.Backend, BackendSim, BackendSerial, BackendUSB, BackendNone)
	oneOf("printer", c.Printer.Backend, BackendSim, BackendSerial, BackendUSBLP, BackendUSB, BackendNone)
	oneOf("scanner", c.Scanner.Backend, BackendSim, BackendESCL, BackendSANE, BackendV4L2, BackendNone)
	oneOf("qr", c.QR.Backend, BackendSim, BackendSerial, BackendEvdev, BackendNone)
	if c.IDCard.Backend == BackendSerial && c.IDCard.Port == "" {
		bad("idcard backend serial needs a port")
	}
	if (c.Printer.Backend == BackendSerial && c.Printer.Port == "") || (c.Printer.Backend == BackendUSBLP && c.Printer.LPPath == "") {
		bad("printer backend %s needs a port or lp_path", c.Printer.Backend)
	}
	if c.Printer.PaperMM != 58 && c.Printer.PaperMM != 80 {
		bad("printer paper_mm must be 58 or 80")
	}
	if u := c.Platform.URL; u != "" && !strings.HasPrefix(u, "https://") &&
		!strings.HasPrefix(u, "http://127.0.0.1") && !strings.HasPrefix(u, "http://localhost") && !strings.HasPrefix(u, "http://[::1]") {
		bad("platform url must be https (plain http only on loopback, for development)")
	}
	if strings.HasPrefix(c.Platform.URL, "https://") && (c.Platform.CertFile == "" || c.Platform.KeyFile == "") {
		bad("an https platform needs cert_file and key_file for mutual TLS")
	}
	if c.UI.Language != "zh-CN" && c.UI.Language != "en" {
		bad("ui language must be zh-CN or en")
	}
	if c.UI.IdleTimeout.Duration < 10*time.Second {
		bad("ui idle_timeout must be at least 10s (residents need time)")
	}
	if c.Store.RetentionDays < 1 {
		bad("store retention_days must be at least 1")
	}
	c.validateCredentials(bad)
	return errors.Join(errs...)
}

// validateProduction refuses what would make a production terminal pretend:
// simulators, the in-process emulator, a platform without mutual TLS, a
// catalogue nobody can verify, a store without a home.
func (c *Config) validateProduction(bad func(string, ...any)) {
	for _, d := range []struct{ name, backend string }{{"idcard", c.IDCard.Backend}, {"printer", c.Printer.Backend},
		{"scanner", c.Scanner.Backend}, {"qr", c.QR.Backend}} {
		if d.backend == BackendSim {
			bad("%s backend sim in production (set mode = \"simulation\" for a test terminal)", d.name)
		}
	}
	if c.Platform.URL == "" {
		bad("production needs platform.url (the province's address; mode = \"simulation\" runs the emulator)")
	} else if !strings.HasPrefix(c.Platform.URL, "https://") {
		bad("production needs an https platform.url")
	}
	if c.Platform.CertFile == "" || c.Platform.KeyFile == "" {
		bad("production needs platform.cert_file and platform.key_file (this terminal's certificate for mutual TLS)")
	}
	if c.Platform.CatalogKeyFile == "" {
		bad("production needs platform.catalog_key_file (the platform's catalogue signing key)")
	}
	if c.Store.DataDir == "" {
		bad("production needs store.data_dir")
	}
}

// Simulated reports whether the terminal runs in simulation mode, which
// allows simulators, the emulator and the developer dock.
func (c *Config) Simulated() bool { return c.Mode == ModeSimulation }

// Simulate turns the configuration into a simulation of the same station:
// every device a simulator, the platform the emulator in process, and the
// store in the simulation's own directory (never the production queue).
func (c *Config) Simulate() {
	c.Mode = ModeSimulation
	c.Platform.URL, c.Platform.CertFile, c.Platform.KeyFile, c.Platform.CAFile, c.Platform.CatalogKeyFile = "", "", "", "", ""
	c.IDCard.Backend, c.Printer.Backend, c.Scanner.Backend, c.QR.Backend = BackendSim, BackendSim, BackendSim, BackendSim
	c.Printer.SpoolDir = ""
	c.Store.DataDir, c.Store.KeyFile = "", ""
}
