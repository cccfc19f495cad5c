package provision

import (
	"context"
	"errors"
	"fmt"
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
	"github.com/bianmin/kiosk/devices/usbid"
	"github.com/bianmin/kiosk/offline"
)

// CheckOptions shape the self-test plan.
type CheckOptions struct {
	Plan         *terminal.Plan // nil: resolved from the configuration
	Provisioning bool           // presence checks for the reader and the QR scanner (no test card at hand yet), no store
	CardWait     time.Duration
	QRWait       time.Duration
	Skip         []string
	// OpenStore opens the store for its integrity check (not when
	// provisioning); nil: the store is not checked.
	OpenStore func(ctx context.Context, plan *terminal.Plan) (*offline.Store, error)
}

// Checks builds the self-test plan of the configuration's devices and
// platform. The returned function closes what the plan opened.
func Checks(ctx context.Context, cfg config.Config, o CheckOptions) (selftest.Plan, func(), error) {
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	plan := o.Plan
	if plan == nil {
		var err error
		if plan, err = terminal.Resolve(cfg); err != nil {
			return nil, closeAll, err
		}
	}
	if o.CardWait <= 0 {
		o.CardWait = 30 * time.Second
	}
	if o.QRWait <= 0 {
		o.QRWait = 30 * time.Second
	}
	skip := map[string]bool{}
	for _, s := range o.Skip {
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
			return nil, closeAll, &Error{StatusUsage, fmt.Errorf("idcard usb: %w", err)}
		}
		reader = selftest.Opener(idusb.Opener(idusb.Config{VID: id.Vendor, PID: id.Product}))
	}
	if reader != nil {
		if o.Provisioning {
			add(readerAnswers(reader))
		} else {
			c := selftest.Card(reader)
			c.Timeout = o.CardWait
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
		return nil, closeAll, &Error{StatusUsage, err}
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
			return nil, closeAll, &Error{StatusUsage, fmt.Errorf("scanner: %w", err)}
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
		if o.Provisioning {
			add(qrOpens(qr))
		} else {
			add(selftest.QR(qr, o.QRWait))
		}
	}
	// Voice.
	if cfg.UI.Voice && !o.Provisioning {
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
	if !o.Provisioning && !skip["store"] && o.OpenStore != nil {
		if plan.StoreExists() {
			st, err := o.OpenStore(ctx, plan)
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
