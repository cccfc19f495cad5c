package terminal

import (
	"context"
	"crypto/ed25519"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/devices/serialport"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/catalogsig"
	"github.com/bianmin/kiosk/sync/client"
)

// This file is the composition root's first half: it turns the configuration
// into paths, keys and clients once, for the kiosk (Start) and for kioskctl
// alike. A second place that decides where the store lives is a bug: the
// kiosk and kioskctl once kept two different stores.

// Class is the kind of a start-up failure. Each has its own exit status, so
// that a technician (or systemd's journal) tells them apart without reading
// the log.
type Class int

// Start-up failure classes and their exit statuses. 1 is any other error.
const (
	ClassConfig      Class = 2  // the configuration file is unreadable or invalid
	ClassStoreKey    Class = 10 // the store key is missing, readable by others, or malformed
	ClassCertificate Class = 11 // the terminal's certificate, its key or the platform CA
	ClassCatalogKey  Class = 12 // the catalogue signing key
	ClassDiskFull    Class = 13 // the data directory's disk is full
	ClassSchema      Class = 14 // the store was written by a newer kiosk
	ClassStore       Class = 15 // no store, or it cannot be opened (permissions, wrong key)
	ClassDevice      Class = 16 // a device backend or simulator cannot be set up
)

// ExitCode is the process exit status of the class.
func (c Class) ExitCode() int { return int(c) }

// ExitCodes lists every class with its status and meaning, for help texts.
var ExitCodes = []struct {
	Class   Class
	Meaning string
}{
	{ClassConfig, "configuration file unreadable or invalid"},
	{ClassStoreKey, "store key missing, readable by group/others, or malformed"},
	{ClassCertificate, "terminal certificate, its key or the platform CA missing or unusable"},
	{ClassCatalogKey, "catalogue signing key missing or malformed"},
	{ClassDiskFull, "disk full under the data directory"},
	{ClassSchema, "store written by a newer kiosk version"},
	{ClassStore, "no store at the resolved path, or it cannot be opened"},
	{ClassDevice, "a device backend or simulator cannot be set up"},
}

// Failure is a start-up failure a technician can act on: what failed, which
// file, and what to do. Its Error is one line.
type Failure struct {
	Class Class
	What  string // "store key", "platform certificate", …
	Path  string // the file or directory concerned, if any
	Fix   string // what to do, in a few words
	Err   error
}

func (f *Failure) Error() string {
	var b strings.Builder
	b.WriteString(f.What)
	if f.Path != "" {
		b.WriteString(" (" + f.Path + ")")
	}
	if f.Err != nil {
		b.WriteString(": " + oneLine(f.Err.Error()))
	}
	if f.Fix != "" {
		b.WriteString("; " + f.Fix)
	}
	return b.String()
}

func (f *Failure) Unwrap() error { return f.Err }

// ExitCode returns the exit status for err: the class of a Failure, 1 else.
func ExitCode(err error) int {
	var f *Failure
	if errors.As(err, &f) {
		return f.Class.ExitCode()
	}
	return 1
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Plan is the configuration resolved once: where the state lives, which key
// opens the store, how the platform is reached.
type Plan struct {
	Config config.Config
	// DataDir is the state directory: the store (kiosk.db, attachments/),
	// store.key in simulation, spool/, platformsim/.
	DataDir string
	// StoreDir is where offline.Open is pointed: the data directory itself,
	// as docs/offline.md shows it.
	StoreDir string
	// KeyFile is the store key file; with KeyFromCredential the systemd
	// credential holding the same key (LoadCredential in the unit).
	KeyFile           string
	KeyFromCredential bool
	SpoolDir          string
	// LockDir holds the serial ports' lock files (devices/serialport): the
	// kiosk holds a port's lock while it owns the device, so kioskctl
	// (selftest, idcard read) is refused instead of sharing the line.
	LockDir string
}

// SimDataDir is the simulation's state directory when the config has none.
func SimDataDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "bianmin-kiosk-sim")
}

// Resolve turns the configuration into a Plan. It checks nothing on disk;
// it points the serial port locks (devices/serialport) at the plan's LockDir,
// so the kiosk and kioskctl with one configuration share them.
func Resolve(cfg config.Config) (*Plan, error) {
	p := &Plan{Config: cfg, DataDir: cfg.Store.DataDir}
	if p.DataDir == "" {
		if !cfg.Simulated() {
			return nil, &Failure{Class: ClassConfig, What: "store data_dir", Fix: "set store.data_dir (production)"}
		}
		p.DataDir = SimDataDir()
	}
	p.StoreDir = p.DataDir
	// The service gets the key as a systemd credential; kioskctl, run by a
	// technician, reads the file the credential was loaded from.
	if dir := os.Getenv("CREDENTIALS_DIRECTORY"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, offline.CredentialName)); err == nil {
			p.KeyFile, p.KeyFromCredential = filepath.Join(dir, offline.CredentialName), true
		}
	}
	if !p.KeyFromCredential {
		p.KeyFile = cfg.Store.KeyFile
		if p.KeyFile == "" {
			p.KeyFile = filepath.Join(p.DataDir, "store.key")
		}
	}
	p.SpoolDir = cfg.Printer.SpoolDir
	if p.SpoolDir == "" {
		p.SpoolDir = filepath.Join(p.DataDir, "spool")
	}
	p.LockDir = filepath.Join(p.DataDir, "locks")
	serialport.SetLockDir(p.LockDir)
	return p, nil
}

// LoadKey loads the store key. Only in simulation, and only with create, is
// a missing key made (a throwaway key for a throwaway store); production
// keys are installed at provisioning.
func (p *Plan) LoadKey(create bool) (offline.Key, error) {
	fail := func(err error, fix string) (offline.Key, error) {
		return offline.Key{}, &Failure{Class: ClassStoreKey, What: "store key", Path: p.KeyFile, Fix: fix, Err: err}
	}
	if _, err := os.Stat(p.KeyFile); errors.Is(err, fs.ErrNotExist) {
		if !create || !p.Config.Simulated() || p.KeyFromCredential {
			return fail(err, "install the terminal's store key there at provisioning (mode 0600, owned by the service user), or set store.key_file")
		}
		if err := os.MkdirAll(filepath.Dir(p.KeyFile), 0o700); err != nil {
			return offline.Key{}, diskFailure("store key", filepath.Dir(p.KeyFile), err)
		}
		if err := offline.GenerateKeyFile(p.KeyFile); err != nil {
			return offline.Key{}, diskFailure("store key", p.KeyFile, err)
		}
	}
	k, err := offline.LoadKey(p.KeyFile)
	switch {
	case errors.Is(err, offline.ErrKeyPermissions):
		return fail(err, "chmod 0600 it (a key readable by others is refused)")
	case errors.Is(err, offline.ErrKeyFormat):
		return fail(err, "it must hold 32 bytes or 64 hex characters")
	case err != nil:
		return fail(err, "check its owner and mode")
	}
	return k, nil
}

// StoreOptions adjust OpenStore.
type StoreOptions struct {
	// Create makes the store when absent (the kiosk). kioskctl leaves it
	// false: a tool that creates an empty store where it expected the
	// kiosk's reports success on nothing.
	Create bool
	Logger *slog.Logger
	// Key, when set, is used instead of loading the plan's key (kioskctl
	// loads it before dropping privileges).
	Key *offline.Key
}

// StoreExists reports whether the store is where the plan says.
func (p *Plan) StoreExists() bool {
	_, err := os.Stat(filepath.Join(p.StoreDir, "kiosk.db"))
	return err == nil
}

// OpenStore opens the store at the plan's path with the plan's key.
func (p *Plan) OpenStore(ctx context.Context, o StoreOptions) (*offline.Store, error) {
	if !p.StoreExists() {
		// Kiosks before the composition root kept the store one level down;
		// a production queue there is moved by hand, never left behind
		// (a simulation's is throwaway).
		if legacy := filepath.Join(p.DataDir, "store", "kiosk.db"); !p.Config.Simulated() && fileExists(legacy) {
			return nil, &Failure{Class: ClassStore, What: "store in the old location", Path: filepath.Dir(legacy),
				Fix: "stop the kiosk and move kiosk.db* and attachments/ from there into " + p.StoreDir}
		}
		if !o.Create {
			return nil, &Failure{Class: ClassStore, What: "no store", Path: filepath.Join(p.StoreDir, "kiosk.db"),
				Fix: "check --config/--data: this is where the kiosk with this configuration keeps its queue"}
		}
	}
	var key offline.Key
	if o.Key != nil {
		key = *o.Key
	} else {
		k, err := p.LoadKey(o.Create)
		if err != nil {
			return nil, err
		}
		key = k
	}
	opts := []offline.Option{}
	if o.Logger != nil {
		opts = append(opts, offline.WithLogger(o.Logger))
	}
	st, err := offline.Open(ctx, p.StoreDir, key, opts...)
	switch {
	case errors.Is(err, offline.ErrDiskFull):
		return nil, diskFailure("store", p.StoreDir, err)
	case errors.Is(err, offline.ErrSchemaTooNew):
		return nil, &Failure{Class: ClassSchema, What: "store schema newer than this kiosk", Path: p.StoreDir, Err: err,
			Fix: "install the kiosk version that wrote it (never downgrade over a live queue)"}
	case errors.Is(err, fs.ErrPermission):
		return nil, &Failure{Class: ClassStore, What: "store not accessible", Path: p.StoreDir, Err: err,
			Fix: "chown -R the data directory to the service user"}
	case err != nil:
		return nil, &Failure{Class: ClassStore, What: "store cannot be opened", Path: p.StoreDir, Err: err,
			Fix: "check the disk, the key and the file modes"}
	}
	return st, nil
}

func diskFailure(what, path string, err error) error {
	if errors.Is(err, offline.ErrDiskFull) || isNoSpace(err) {
		return &Failure{Class: ClassDiskFull, What: what + ": disk full", Path: path, Err: err,
			Fix: "free space on that file system (queued applications are kept)"}
	}
	return &Failure{Class: ClassStore, What: what, Path: path, Err: err, Fix: "check the data directory's owner and mode"}
}

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// PlatformConfig is the client configuration for the platform the
// configuration names; "" URL (simulation) is the in-process emulator and
// has no client configuration here.
func (p *Plan) PlatformConfig() (client.Config, error) {
	pc := p.Config.Platform
	cc := client.Config{BaseURL: pc.URL, CertFile: pc.CertFile, KeyFile: pc.KeyFile, CAFile: pc.CAFile, Timeout: pc.Timeout.Duration}
	if strings.HasPrefix(pc.URL, "http://") {
		cc.AllowInsecureLoopback = true // Validate allowed it only on loopback
	}
	if pc.RateLimit != "" {
		bits, err := client.ParseRate(pc.RateLimit)
		if err != nil {
			return cc, &Failure{Class: ClassConfig, What: "platform rate_limit", Err: err, Fix: `write it like "512kbit"`}
		}
		cc.RateLimitBits = bits
	}
	return cc, nil
}

// NewClient makes the platform client, naming the file at fault when the
// certificate, its key or the CA cannot be used.
func NewClient(cc client.Config) (*client.Client, error) {
	for _, f := range []struct{ what, path string }{{"platform certificate", cc.CertFile}, {"platform certificate key", cc.KeyFile}, {"platform CA", cc.CAFile}} {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			return nil, &Failure{Class: ClassCertificate, What: f.what, Path: f.path, Err: err,
				Fix: "install the terminal's certificate files issued at provisioning"}
		}
	}
	cl, err := client.New(cc)
	if err != nil {
		return nil, &Failure{Class: ClassCertificate, What: "platform client", Path: cc.CertFile, Err: err,
			Fix: "check that the certificate and key are PEM and belong together"}
	}
	return cl, nil
}

// CatalogKey loads the catalogue signing key the configuration names (nil
// when none is configured, which Validate allows only in simulation).
func (p *Plan) CatalogKey() (ed25519.PublicKey, error) {
	path := p.Config.Platform.CatalogKeyFile
	if path == "" {
		return nil, nil
	}
	k, err := catalogsig.LoadPublic(path)
	if err != nil {
		return nil, &Failure{Class: ClassCatalogKey, What: "catalogue key", Path: path, Err: err,
			Fix: "install the platform's ed25519 public key (PEM) issued with the catalogue"}
	}
	return k, nil
}
