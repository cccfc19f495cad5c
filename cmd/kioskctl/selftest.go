package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bianmin/kiosk/app/voice"
	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/devices/idcard"
	idusb "github.com/bianmin/kiosk/devices/idcard/usb"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/cups"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	"github.com/bianmin/kiosk/devices/qrscan"
	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/scanner/escl"
	"github.com/bianmin/kiosk/devices/scanner/sane"
	"github.com/bianmin/kiosk/devices/scanner/v4l2"
	"github.com/bianmin/kiosk/devices/serialport"
	"github.com/bianmin/kiosk/devices/usbid"
)

// kioskctl selftest: every device and the platform, as the configuration
// names them, each pass or fail with the reason in Chinese; exit 1 when
// anything failed. It opens the devices itself: a port the running kiosk
// holds fails with 终端正在使用该设备 (the serial opener's lock), never
// shared. The touchscreen's maintenance page runs the same checks
// (cmd/internal/selftest) through the kiosk's own devices.

func init() {
	register("selftest", "", "test every device and the platform; reasons in Chinese; exit 1 on any failure", selftestCmd)
}

// Exit status of selftest when a check failed.
const exitSelftestFailed = 1

func selftestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("selftest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "the kiosk's configuration (default "+defaultConfigPath+")")
	data := fs.String("data", "", "the state directory, over the configuration's")
	key := fs.String("key", "", "the store key file")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	skip := fs.String("skip", "", "checks to leave out, comma-separated (idcard,receipt,a4,scan,qr,voice,store,disk,platform,clock,catalog)")
	cardWait := fs.Duration("card-wait", 30*time.Second, "how long to wait for the test card")
	qrWait := fs.Duration("qr-wait", 30*time.Second, "how long to wait for a QR code (scan the test receipt's)")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	plan, err := ctlPlan(*cfgPath, *data, *key)
	if err != nil {
		return err
	}
	if plan.Config.Simulated() {
		return &exitError{2, errors.New("a simulated terminal's devices run inside the kiosk: use the touchscreen's maintenance page, or give --config with the production configuration")}
	}
	checks, closeAll, err := checksFor(ctx, plan.Config, checkOptions{plan: plan, key: *key, cardWait: *cardWait, qrWait: *qrWait, skip: strings.Split(*skip, ",")})
	if err != nil {
		return err
	}
	defer closeAll()
	rs := selftest.Run(ctx, checks)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(rs)
	} else {
		printResults(stdout, rs)
	}
	if failed := selftest.Failed(rs); len(failed) > 0 {
		return &exitError{exitSelftestFailed, fmt.Errorf("%d of %d checks failed", len(failed), len(rs))}
	}
	return nil
}

func printResults(w io.Writer, rs []selftest.Result) {
	for _, r := range rs {
		mark := "PASS"
		if !r.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s  %-9s %s：%s", mark, r.Name, r.Title, r.Reason)
		if r.Detail != "" {
			fmt.Fprintf(w, "  (%s)", r.Detail)
		}
		fmt.Fprintln(w)
	}
}

type checkOptions struct {
	plan         *terminal.Plan // nil: resolved from the configuration
	key          string
	provisioning bool // presence checks for the reader and the QR scanner (no test card at hand yet), no store
	cardWait     time.Duration
	qrWait       time.Duration
	skip         []string
}

// checksFor builds the self-test plan of the configuration's devices and
// platform. The returned function closes what the plan opened.
func checksFor(ctx context.Context, cfg config.Config, o checkOptions) (selftest.Plan, func(), error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	plan := o.plan
	if plan == nil {
		var err error
		if plan, err = terminal.Resolve(cfg); err != nil {
			return nil, closeAll, err
		}
	}
	if o.cardWait <= 0 {
		o.cardWait = 30 * time.Second
	}
	if o.qrWait <= 0 {
		o.qrWait = 30 * time.Second
	}
	skip := map[string]bool{}
	for _, s := range o.skip {
		if s = strings.TrimSpace(s); s != "" {
			skip[s] = true
		}
	}
	var p selftest.Plan
	add := func(c selftest.Check) {
		if !skip[c.Name] {
			p = append(p, c)
		}
	}
	// The reader.
	var reader selftest.Opener
	switch cfg.IDCard.Backend {
	case config.BackendSerial:
		reader = selftest.Opener(idcard.SerialOpener(cfg.IDCard.Port, cfg.IDCard.Baud))
	case config.BackendUSB:
		id, err := usbid.Parse(cfg.IDCard.USB)
		if err != nil {
			return nil, closeAll, &exitError{2, fmt.Errorf("idcard usb: %w", err)}
		}
		reader = selftest.Opener(idusb.Opener(idusb.Config{VID: id.Vendor, PID: id.Product}))
	}
	if reader != nil {
		if o.provisioning {
			add(readerAnswers(reader))
		} else {
			c := selftest.Card(reader)
			c.Timeout = o.cardWait
			add(c)
		}
	}
	// The receipt printer.
	font, err := escpos.ParseFont(assets.FontTTF())
	if err != nil {
		return nil, closeAll, err
	}
	profile := escpos.ProfileFor(cfg.Printer.PaperMM)
	profile.NativeQR, profile.Cutter = cfg.Printer.NativeQR, cfg.Printer.Cutter
	pr, err := terminal.PrinterOpener(cfg.Printer)
	if err != nil {
		return nil, closeAll, &exitError{2, err}
	}
	if pr != nil {
		add(selftest.Receipt(selftest.Opener(pr), printer.Config{Profile: profile, Font: font}))
	}
	if q := cfg.Printer.CUPSQueue; q != "" {
		add(selftest.A4(&cups.Client{Queue: q, Font: assets.FontTTF()}, q, assets.FontTTF()))
	}
	// The scanner.
	var sc scanner.Scanner
	switch cfg.Scanner.Backend {
	case config.BackendESCL:
		c, err := escl.New(cfg.Scanner.Device)
		if err != nil {
			return nil, closeAll, &exitError{2, fmt.Errorf("scanner: %w", err)}
		}
		sc = c
	case config.BackendSANE:
		dir, err := os.MkdirTemp(plan.DataDir, ".selftest-scan-")
		if err != nil {
			return nil, closeAll, fmt.Errorf("scanner: %w", err)
		}
		closers = append(closers, func() { os.RemoveAll(dir) })
		sc = sane.New(sane.Config{Device: cfg.Scanner.Device, ScanDir: dir})
	case config.BackendV4L2:
		sc = v4l2.New(v4l2.Config{Device: cfg.Scanner.Device})
	}
	if sc != nil {
		add(selftest.Scan(sc, cfg.Scanner.DPI))
	}
	// The QR scanner.
	if qr := terminal.QROpener(cfg.QR); qr != nil {
		if o.provisioning {
			add(qrOpens(qr))
		} else {
			add(selftest.QR(qr, o.qrWait))
		}
	}
	// Voice.
	if cfg.UI.Voice && !o.provisioning {
		add(selftest.Voice(func(ctx context.Context, text string) error {
			player, ok := voice.DefaultPlayer()
			if !ok {
				return errors.New("no audio player (aplay, paplay, pw-play) on this system")
			}
			v := voice.New(voice.ESpeak{}, player, voice.Settings{Enabled: true, Volume: min(cfg.UI.Volume, 100), Rate: voice.DefaultRate}, nil)
			return v.Say(ctx, text)
		}))
	}
	// The store and the disk.
	if !o.provisioning && !skip["store"] {
		if plan.StoreExists() {
			st, err := ctlOpenStore(ctx, plan, false)
			if err != nil {
				return nil, closeAll, err
			}
			closers = append(closers, func() { st.Close() })
			add(selftest.Store(st))
		} else {
			add(selftest.Check{Name: "store", Title: "数据库完整性", Run: func(context.Context) (string, error) {
				return "no store yet: the kiosk makes it at its first start (" + filepath.Join(plan.StoreDir, "kiosk.db") + ")", nil
			}})
		}
	}
	add(selftest.Disk(plan.DataDir, selftest.MinFree))
	// The platform.
	if cfg.Platform.URL != "" {
		pub, err := plan.CatalogKey()
		if err != nil {
			return nil, closeAll, err
		}
		pc, err := plan.PlatformConfig()
		if err != nil {
			return nil, closeAll, err
		}
		cl, err := terminal.NewClient(pc)
		if err != nil {
			return nil, closeAll, err
		}
		add(selftest.PlatformTLS(cl, cfg.Station.Code+"-"+cfg.Station.Terminal))
		add(selftest.Clock(cl, time.Now, selftest.MaxSkew))
		if pub != nil {
			add(selftest.Catalog(cl, pub, time.Now, selftest.MinCatalogLeft))
		}
	}
	return p, closeAll, nil
}

// readerAnswers: the reader answers SAM status (provisioning: no test card
// needed yet).
func readerAnswers(open selftest.Opener) selftest.Check {
	return selftest.Check{Name: "idcard", Title: "读卡器", Timeout: 15 * time.Second, Run: func(ctx context.Context) (string, error) {
		rw, err := open(ctx)
		if err != nil {
			return "", selftest.Fail("读卡器无应答（检查连线和电源）", err)
		}
		defer rw.Close()
		c := idcard.NewClient(rw)
		defer c.Close()
		if err := c.SAMStatus(ctx); err != nil {
			return "", selftest.Fail("读卡器安全模块（SAM）异常", err)
		}
		return "SAM answers", nil
	}}
}

// qrOpens: the QR scanner's port opens (a scanner in line mode never
// answers; reading a code is kioskctl selftest's).
func qrOpens(open qrscan.Opener) selftest.Check {
	return selftest.Check{Name: "qr", Title: "扫码器", Timeout: 10 * time.Second, Run: func(ctx context.Context) (string, error) {
		rw, err := open(ctx)
		if err != nil {
			return "", selftest.Fail("扫码器无法打开（检查连线）", err)
		}
		rw.Close()
		return "port opens", nil
	}}
}

// useTerminalLocks points the serial port locks at the data directory of
// the configuration the verb works on (its --config/--data, else the
// appliance's file), so that every kioskctl verb sees the ports the running
// kiosk holds.
func useTerminalLocks(verbArgs []string) {
	cfgPath, data := "", ""
	for _, a := range verbArgs {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			cfgPath = v
		}
		if v, ok := strings.CutPrefix(a, "--data="); ok {
			data = v
		}
	}
	plan, err := ctlPlan(cfgPath, data, "")
	if err != nil {
		return // the verb reports a bad configuration itself
	}
	serialport.SetLockDir(plan.LockDir)
}
