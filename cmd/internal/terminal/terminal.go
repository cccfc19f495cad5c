// Package terminal wires one kiosk together from its configuration: the
// store, the device services (or their simulators on pseudo-terminals), the
// platform client and relay (or the platform emulator in process), and the
// resident's session with adapters to its ports. Everything but the window:
// cmd/kiosk adds the Fyne UI, and the integration test drives a Terminal
// without one. Only cmd/ and its tests import it.
package terminal

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/metrics"
	"github.com/bianmin/kiosk/cmd/internal/supervise"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/idcard/findpoll"
	idsim "github.com/bianmin/kiosk/devices/idcard/sim"
	idusb "github.com/bianmin/kiosk/devices/idcard/usb"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/cups"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	prsim "github.com/bianmin/kiosk/devices/printer/escpos/sim"
	prusb "github.com/bianmin/kiosk/devices/printer/usb"
	"github.com/bianmin/kiosk/devices/printer/usblp"
	"github.com/bianmin/kiosk/devices/qrscan"
	qrsim "github.com/bianmin/kiosk/devices/qrscan/sim"
	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/scanner/escl"
	"github.com/bianmin/kiosk/devices/scanner/sane"
	scansim "github.com/bianmin/kiosk/devices/scanner/sim"
	"github.com/bianmin/kiosk/devices/scanner/v4l2"
	"github.com/bianmin/kiosk/devices/usbid"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/catalogsig"
	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
	"github.com/bianmin/kiosk/sync/relay"
)

// Options adjust a Terminal beyond the configuration file.
type Options struct {
	Logger *slog.Logger
	// Fast shortens poll and retry intervals (tests).
	Fast bool
	// Speaker speaks prompts; nil is silent.
	Speaker session.Speaker
	// Prompt translates prompt keys for the speaker.
	Prompt func(string) string
}

// Sims are the simulators of a simulated terminal (nil when real).
type Sims struct {
	Reader   *idsim.Reader
	Printer  *prsim.Printer
	Scanner  *scansim.Sim
	QR       *qrsim.Scanner
	Platform *platformsim.Server
	Net      *Switch // cuts the link to the emulator
	// CatalogKey signs catalogues the emulator serves (a key kept in the
	// data directory, so kept catalogues verify after a restart).
	CatalogKey ed25519.PrivateKey
	URL        string // the emulator's address
}

// Terminal is a running kiosk without its window.
type Terminal struct {
	Config  config.Config
	Plan    *Plan
	Session *session.Session
	Store   *offline.Store
	Relay   *relay.Relay
	// Maintenance is the nightly maintenance (Last: the night's report,
	// integrity check included); nil when the window is "off".
	Maintenance *offline.Maintenance
	Printer     *printer.Service
	Reader      *idcard.Service
	QR          *qrscan.Service
	Catalog     *kiosk.Catalog // at start; Session.Catalog() is the one in use
	Sims        Sims

	log     *slog.Logger
	sv      *supervise.Supervisor
	cancel  context.CancelFunc
	closers []func() error
	online  atomic.Bool

	scanState *atomic.Value // scanner.Status; nil without a scanner
	hub       statusHub     // device and link changes to the watcher and the UI (degraded.go)

	diskLow atomic.Bool  // the disk counted as low (hysteresis)
	freeFn  atomic.Value // func() (uint64, error): free bytes, replaced by tests
	// platform is the client of the platform (or of the emulator).
	platform *client.Client
}

// Start resolves the configuration (Resolve), checks the platform's files,
// opens the store, starts every service and returns the terminal. Stop it
// with Close. Every start-up failure is a *Failure naming the file at fault;
// whatever was started before it is stopped again.
func Start(parent context.Context, cfg config.Config, opt Options) (*Terminal, error) {
	plan, err := Resolve(cfg)
	if err != nil {
		return nil, err
	}
	return StartPlan(parent, plan, opt)
}

// StartPlan is Start on a resolved plan.
func StartPlan(parent context.Context, plan *Plan, opt Options) (term *Terminal, err error) {
	cfg := plan.Config
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(parent)
	t := &Terminal{Config: cfg, Plan: plan, log: log, sv: supervise.New(log), cancel: cancel}
	defer func() {
		if err != nil {
			t.Close() // t, never the nil result
		}
	}()
	// The platform's files first: a misconfigured terminal creates nothing.
	var plat *platformParts
	if cfg.Platform.URL != "" {
		if plat, err = plan.platform(); err != nil {
			return nil, err
		}
	}
	dataDir := plan.DataDir
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, diskFailure("data directory", dataDir, err)
	}
	st, err := plan.OpenStore(ctx, StoreOptions{Create: true, Logger: log})
	if err != nil {
		return nil, err
	}
	t.Store = st
	t.closers = append(t.closers, st.Close)

	// The catalogue key checks the kept catalogue again now. In simulation
	// it is the emulator's, kept in the data directory so that what it
	// signed before a restart still verifies.
	var catPub ed25519.PublicKey
	if plat != nil {
		catPub = plat.catKey
	} else {
		keyPath := filepath.Join(dataDir, "platformsim-catalog.key")
		if t.Sims.CatalogKey, err = catalogsig.LoadOrGenerate(keyPath); err != nil {
			return nil, diskFailure("emulator catalogue key", keyPath, err)
		}
		catPub = t.Sims.CatalogKey.Public().(ed25519.PublicKey)
	}
	t.Catalog, err = t.loadCatalog(ctx, catPub)
	if err != nil {
		return nil, err
	}
	if err := t.startPlatform(ctx, cfg, dataDir, plat, opt); err != nil {
		return nil, err
	}
	if err := t.startPrinter(ctx, cfg, dataDir, opt); err != nil {
		return nil, deviceFailure("printer", err)
	}
	scan, err := t.scanner(cfg)
	if err != nil {
		return nil, deviceFailure("scanner", err)
	}
	var scanPort session.Scanner
	if scan != nil {
		shared := &sharedScanner{Scanner: scan}
		scanPort = &scanAdapter{s: shared, dpi: cfg.Scanner.DPI}
		t.startScannerStatus(ctx, shared, opt.Fast)
	}
	var forms session.FormPrinter
	if q := cfg.Printer.CUPSQueue; q != "" {
		forms = &formAdapter{c: &cups.Client{Queue: q, Font: assets.FontTTF()}, font: assets.FontTTF()}
	}
	scfg := session.Config{
		Station:     cfg.Station,
		QueryBase:   cfg.Platform.QueryBase,
		IdleTimeout: cfg.UI.IdleTimeout.Duration,
		WarnFor:     cfg.UI.WarnFor.Duration,
		AdminIdle:   cfg.Admin.Idle(),
	}
	if opt.Fast {
		scfg.DegradedSettle = 300 * time.Millisecond
	}
	pr, authn, audit, maint := t.adminDeps(&printAdapter{p: t.Printer}) // admin.go
	t.Session = session.New(scfg, session.Deps{
		Catalog: t.Catalog,
		Store:   &storeAdapter{st: st, cat: func() *kiosk.Catalog { return t.Session.Catalog() }, kick: t.Relay.Kick},
		Printer: pr,
		Scanner: scanPort,
		Speaker: opt.Speaker,
		Forms:   forms,
		Logger:  log,
		Prompt:  opt.Prompt,
		Tickets: &ticketCounter{st: st},
		Help:    t.helpdesk(cfg, opt.Fast),
		TechQR:  t.techQR(), // techqr.go
		Admin:   authn, Staff: authn, Audit: audit, Maintenance: maint, Reader: readerPace{t},
	})
	t.Session.SetElder(cfg.UI.Elder)
	if err := t.startReader(ctx, cfg, opt); err != nil {
		return nil, deviceFailure("idcard", err)
	}
	if err := t.startQR(ctx, cfg); err != nil {
		return nil, deviceFailure("qr", err)
	}
	// The relay last: its heartbeat reads the device services.
	t.sv.Go(ctx, "relay", t.Relay)
	t.sv.Go(ctx, "session", supervise.Func(t.Session.Run))
	// The watcher wakes on device and link changes; the disk is measured
	// every diskEvery (degraded.go).
	diskEvery, settle := 30*time.Second, 3*time.Second // the session's settle time (session.Config.DegradedSettle)
	if opt.Fast {
		diskEvery, settle = 100*time.Millisecond, scfg.DegradedSettle
	}
	t.sv.Go(ctx, "degraded", supervise.Func(func(ctx context.Context) error { return t.watchDegraded(ctx, diskEvery, settle) }))
	t.sv.Go(ctx, "retention", &offline.Retention{Store: st, Retention: time.Duration(cfg.Store.RetentionDays) * 24 * time.Hour})
	if err := t.startMaintenance(ctx, cfg); err != nil {
		return nil, err
	}
	if addr := cfg.Metrics.Listen; addr != "" {
		ms, err := metrics.NewServer(addr, metrics.New(metrics.Sources{
			Queue: st.Stats, Relay: t.Relay.Status, Devices: t.DeviceStates, Catalog: t.Session.Catalog, DataDir: dataDir,
			Degraded: t.Degraded, DegradedModes: DegradedModes,
		}), log)
		if err != nil {
			return nil, err
		}
		t.sv.Go(ctx, "metrics", ms)
	}
	return t, nil
}

// platformParts are the checked pieces of a configured (not emulated) platform.
type platformParts struct {
	client *client.Client
	catKey ed25519.PublicKey
}

func (p *Plan) platform() (*platformParts, error) {
	catKey, err := p.CatalogKey()
	if err != nil {
		return nil, err
	}
	cc, err := p.PlatformConfig()
	if err != nil {
		return nil, err
	}
	cl, err := NewClient(cc)
	if err != nil {
		return nil, err
	}
	return &platformParts{client: cl, catKey: catKey}, nil
}

func deviceFailure(dev string, err error) error {
	var f *Failure
	if errors.As(err, &f) {
		return err
	}
	if isNoSpace(err) {
		return diskFailure(dev, "", err)
	}
	return &Failure{Class: ClassDevice, What: dev, Err: err, Fix: "check the [" + dev + "] section of the configuration"}
}

// loadCatalog takes the newest catalogue the relay kept, verified again by
// catalogsig (signature and expiry: the store's bytes are not trusted because
// the relay once trusted them), else the bundled sample.
func (t *Terminal) loadCatalog(ctx context.Context, pub ed25519.PublicKey) (*kiosk.Catalog, error) {
	signed, version, err := t.Store.LatestCatalog(ctx)
	if err == nil && signed != nil {
		var p *api.CatalogPayload
		if p, err = catalogsig.VerifyJSON(pub, signed, time.Now(), 0); err == nil {
			var c *kiosk.Catalog
			if c, err = assets.ParseCatalog(p.Catalog); err == nil {
				t.log.Info("catalogue from the platform", "version", version)
				return c, nil
			}
		}
	}
	if err != nil {
		t.log.Warn("kept catalogue unusable, using the bundled one", "err", err)
	}
	return assets.Catalog()
}

// Switch cuts and restores the link to the in-process platform emulator:
// while cut, every connection is closed at once, as a dead 4G link would.
type Switch struct{ down atomic.Bool }

// Set cuts (false) or restores (true) the link.
func (s *Switch) Set(up bool) { s.down.Store(!up) }

func (s *Switch) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.down.Load() {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			http.Error(w, "link down", http.StatusServiceUnavailable)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (t *Terminal) startPlatform(ctx context.Context, cfg config.Config, dataDir string, plat *platformParts, opt Options) error {
	var catKey ed25519.PublicKey
	var cl *client.Client
	if plat == nil {
		// Simulation: the emulator in process, on loopback, with its
		// catalogue key (loaded by StartPlan) and the bundled catalogue
		// signed by it.
		priv := t.Sims.CatalogKey
		pub := priv.Public().(ed25519.PublicKey)
		signed, err := catalogsig.Sign(priv, json.RawMessage(assets.CatalogJSON()), t.Catalog.Version, time.Now(), time.Now().AddDate(1, 0, 0))
		if err != nil {
			return fmt.Errorf("terminal: sign catalogue: %w", err)
		}
		raw, _ := json.Marshal(signed)
		sim, err := platformsim.New(platformsim.Config{DataDir: filepath.Join(dataDir, "platformsim"), Catalog: raw, Logger: t.log.With("part", "platformsim")})
		if err != nil {
			return diskFailure("platform emulator", filepath.Join(dataDir, "platformsim"), err)
		}
		t.closers = append(t.closers, sim.Close)
		// The emulated service desk takes every help call at once, so that
		// make run shows the whole flow; tests switch it off to hold a call.
		sim.SetHelpAutoAck("模拟服务台")
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		sw := &Switch{}
		srv := &http.Server{Handler: sw.wrap(sim.Handler()), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln) //nolint:errcheck // closed with the terminal
		t.closers = append(t.closers, srv.Close)
		url := "http://" + ln.Addr().String()
		t.Sims.Platform, t.Sims.Net, t.Sims.URL = sim, sw, url
		cc, err := t.Plan.PlatformConfig()
		if err != nil {
			return err
		}
		cc.BaseURL, cc.AllowInsecureLoopback = url, true
		if cl, err = client.New(cc); err != nil {
			return fmt.Errorf("terminal: platform client: %w", err)
		}
		catKey = pub
	} else {
		cl, catKey = plat.client, plat.catKey
	}
	rcfg := relay.Config{
		CatalogKey: catKey,
		OnCatalog: func(v int64, raw json.RawMessage) {
			c, err := assets.ParseCatalog(raw)
			if err != nil {
				t.log.Warn("new catalogue unusable; keeping the current one", "version", v, "err", err)
				return
			}
			t.log.Info("new catalogue: takes over between residents", "version", v)
			t.Session.SetCatalog(c)
		},
		Terminal: cfg.Station.Code + "-" + cfg.Station.Terminal,
		Versions: map[string]string{"kiosk": Version, "catalog": fmt.Sprint(t.Catalog.Version)},
		DeviceStates: func() []kiosk.DeviceStatus {
			return t.DeviceStates()
		},
		Facts:  t.heartbeatFacts,
		OnConn: func(relay.Conn) { t.statusChanged() }, // the status line and degraded modes follow the link
	}
	if opt.Fast {
		rcfg.BackoffBase, rcfg.BackoffCap, rcfg.PollEvery, rcfg.StatusEvery = 50*time.Millisecond, 500*time.Millisecond, 100*time.Millisecond, 200*time.Millisecond
	}
	t.Relay = relay.New(t.Store, cl, rcfg, t.log.With("part", "relay"))
	t.platform = cl
	return nil
}

// helpdesk is the session's Helpdesk: the platform's service desk through
// the platform client (the emulator's in simulation).
func (t *Terminal) helpdesk(cfg config.Config, fast bool) session.Helpdesk {
	if t.platform == nil {
		return nil
	}
	h := &helpdesk{cl: t.platform, terminal: cfg.Station.Code + "-" + cfg.Station.Terminal, poll: 2 * time.Second, raiseFor: 20 * time.Second}
	if fast {
		h.poll = 50 * time.Millisecond
	}
	return h
}

// Version is the kiosk's version, set at link time.
var Version = "dev"

// PrinterOpener opens the configured receipt printer's line: serial (the
// DLE EOT probe on every open), usblp or USB; nil for the other backends
// (none; sim, whose pty the terminal starts). kioskctl selftest opens the
// printer through it too.
func PrinterOpener(p config.Printer) (printer.Opener, error) {
	switch p.Backend {
	case config.BackendSerial:
		return printer.SerialOpener(p.Port, p.Baud), nil
	case config.BackendUSBLP:
		return func(ctx context.Context) (io.ReadWriteCloser, error) {
			return usblp.Open(ctx, usblp.Config{Path: p.LPPath})
		}, nil
	case config.BackendUSB:
		id, err := usbid.Parse(p.USB)
		if err != nil {
			return nil, fmt.Errorf("printer usb: %w", err)
		}
		return func(ctx context.Context) (io.ReadWriteCloser, error) {
			return prusb.Open(ctx, prusb.Config{ID: id, AllowVendor: true})
		}, nil
	}
	return nil, nil
}

func (t *Terminal) startPrinter(ctx context.Context, cfg config.Config, dataDir string, opt Options) error {
	profile := escpos.ProfileFor(cfg.Printer.PaperMM)
	profile.NativeQR = cfg.Printer.NativeQR
	profile.Cutter = cfg.Printer.Cutter
	var open printer.Opener
	switch cfg.Printer.Backend {
	case config.BackendSim:
		p, path, err := prsim.StartPTY(ctx, prsim.Config{Profile: profile, Font: assets.FontTTF(), Logger: t.log.With("part", "printer-sim")})
		if err != nil {
			return fmt.Errorf("terminal: printer simulator: %w", err)
		}
		t.Sims.Printer = p
		t.closers = append(t.closers, p.Close)
		// The simulator's pty is opened like a real port, probe included.
		open = printer.SerialOpener(path, cfg.Printer.Baud)
	case config.BackendNone:
		return nil
	default:
		var err error
		if open, err = PrinterOpener(cfg.Printer); err != nil {
			return fmt.Errorf("terminal: %w", err)
		}
		if open == nil {
			return fmt.Errorf("terminal: printer backend %q is not wired in the kiosk yet; use kioskctl to test it", cfg.Printer.Backend)
		}
	}
	spool, err := printer.OpenSpool(t.Plan.SpoolDir)
	if err != nil {
		return diskFailure("receipt spool", t.Plan.SpoolDir, err)
	}
	font, err := escpos.ParseFont(assets.FontTTF())
	if err != nil {
		return fmt.Errorf("terminal: printer font: %w", err)
	}
	sc := printer.ServiceConfig{Printer: printer.Config{Profile: profile, Font: font}, Spool: spool, Logger: t.log}
	if opt.Fast {
		sc.Poll, sc.Retry = 200*time.Millisecond, 200*time.Millisecond
	}
	t.Printer = printer.NewService(open, sc)
	t.sv.Go(ctx, "printer", t.Printer)
	return nil
}

func (t *Terminal) startReader(ctx context.Context, cfg config.Config, opt Options) error {
	var open idcard.Opener
	switch cfg.IDCard.Backend {
	case config.BackendSim:
		r, path, err := idsim.StartPTY(ctx, idsim.Config{Baud: 115200, SAMTime: 150 * time.Millisecond})
		if err != nil {
			return fmt.Errorf("terminal: reader simulator: %w", err)
		}
		t.Sims.Reader = r
		// The simulator's pty is opened like a real port, probe included.
		open = idcard.SerialOpener(path, cfg.IDCard.Baud)
	case config.BackendSerial:
		open = idcard.SerialOpener(cfg.IDCard.Port, cfg.IDCard.Baud)
	case config.BackendUSB:
		id, err := usbid.Parse(cfg.IDCard.USB)
		if err != nil {
			return fmt.Errorf("terminal: idcard usb: %w", err)
		}
		open = idusb.Opener(idusb.Config{VID: id.Vendor, PID: id.Product})
	case config.BackendNone:
		return nil
	default:
		return fmt.Errorf("terminal: idcard backend %q is not wired in the kiosk yet; use kioskctl to test it", cfg.IDCard.Backend)
	}
	scfg := idcard.ServiceConfig{PollInterval: cfg.IDCard.PollInterval.Duration,
		IdleInterval: cfg.IDCard.IdlePollInterval.Duration, FastFor: cfg.IDCard.FastFor.Duration,
		Watch: findpoll.Watch} // serial lines: the find-card poll thread (USB: a Go timer)
	if opt.Fast {
		scfg.PollInterval, scfg.IdleInterval = 50*time.Millisecond, 50*time.Millisecond
	}
	t.Reader = idcard.NewService(open, scfg, t.log)
	t.sv.Go(ctx, "idcard", t.Reader)
	t.sv.Go(ctx, "idcard-events", supervise.Func(func(ctx context.Context) error {
		cardOn := false // the last state was card_present
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case ev := <-t.Reader.Events():
				t.statusChanged() // the reader's state is a degraded mode
				switch {
				case ev.Identity != nil:
					t.Session.CardRead(ev.Identity)
				case ev.State == kiosk.DeviceError && ev.Err != nil:
					t.Session.CardError("notice.card_failed")
				case ev.State == kiosk.DeviceReady && cardOn:
					t.Session.CardRemoved() // the reader found no card where one was
				}
				cardOn = ev.State == kiosk.DeviceCardPresent
			}
		}
	}))
	return nil
}

// readerPace hands the session's CardPace to the ID card Service once it
// exists (it starts after the session).
type readerPace struct{ t *Terminal }

func (r readerPace) CardPace(expect bool, last time.Time) {
	if r.t.Reader != nil {
		r.t.Reader.CardPace(expect, last)
	}
}

// QROpener opens the configured QR scanner: a serial one at qr.baud
// (default 115200) or a keyboard-wedge one on evdev; nil for the other
// backends (none; sim, whose pty the terminal starts). kioskctl selftest
// opens the scanner through it too.
func QROpener(q config.QR) qrscan.Opener {
	switch q.Backend {
	case config.BackendSerial:
		return qrscan.SerialOpener(q.Port, q.Baud)
	case config.BackendEvdev:
		return qrscan.EvdevOpener(q.Port)
	}
	return nil
}

func (t *Terminal) startQR(ctx context.Context, cfg config.Config) error {
	var open qrscan.Opener
	switch cfg.QR.Backend {
	case config.BackendSim:
		q, path, err := qrsim.StartPTY(ctx)
		if err != nil {
			return fmt.Errorf("terminal: QR simulator: %w", err)
		}
		t.Sims.QR = q
		open = qrscan.SerialOpener(path, cfg.QR.Baud)
	case config.BackendNone:
		return nil
	default:
		open = QROpener(cfg.QR)
	}
	svc := qrscan.NewService(open, t.log)
	t.QR = svc
	t.sv.Go(ctx, "qr", svc)
	t.sv.Go(ctx, "qr-events", supervise.Func(func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case ev := <-svc.Events():
				if ev.Payload != "" {
					t.Session.QRScanned(ev.Payload)
				}
			}
		}
	}))
	return nil
}

func (t *Terminal) scanner(cfg config.Config) (scanner.Scanner, error) {
	switch cfg.Scanner.Backend {
	case config.BackendSim:
		s := scansim.New(scansim.Knobs{Pages: 1})
		t.Sims.Scanner = s
		return s, nil
	case config.BackendESCL:
		return escl.New(cfg.Scanner.Device, escl.WithLogger(t.log))
	case config.BackendSANE:
		// Pages go to a private directory under the store, never /tmp.
		return sane.New(sane.Config{Device: cfg.Scanner.Device, ScanDir: filepath.Join(t.Store.Dir(), "scans"), Log: t.log}), nil
	case config.BackendV4L2:
		return v4l2.New(v4l2.Config{Device: cfg.Scanner.Device, Log: t.log}), nil
	case config.BackendNone:
		return nil, nil
	}
	return nil, fmt.Errorf("terminal: unknown scanner backend %q", cfg.Scanner.Backend)
}

// DeviceStates summarises every device for heartbeats, the dock and the UI.
func (t *Terminal) DeviceStates() []kiosk.DeviceStatus {
	var out []kiosk.DeviceStatus
	if t.Reader != nil {
		out = append(out, kiosk.DeviceStatus{Device: "idcard", State: t.Reader.State()})
	}
	if t.Printer != nil {
		out = append(out, kiosk.DeviceStatus{Device: "printer", State: t.Printer.State().State})
	}
	if st := t.scannerState(); st != "" {
		out = append(out, kiosk.DeviceStatus{Device: "scanner", State: st})
	}
	if t.QR != nil {
		out = append(out, kiosk.DeviceStatus{Device: "qr", State: t.QR.State()})
	}
	return out
}

// Online reports whether the relay reached the platform lately.
func (t *Terminal) Online() bool { return t.Relay.Status().Conn != relay.Offline }

// Close stops every service and closes the store. It is safe on a terminal
// that failed half-way through Start, and on nil.
func (t *Terminal) Close() error {
	if t == nil {
		return nil
	}
	t.cancel()
	t.sv.Wait()
	var errs []error
	for i := len(t.closers) - 1; i >= 0; i-- {
		errs = append(errs, t.closers[i]())
	}
	return errors.Join(errs...)
}
