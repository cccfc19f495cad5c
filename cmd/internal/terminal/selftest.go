package terminal

import (
	"context"
	"crypto/ed25519"
	"errors"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/devices/printer"
)

// SelfTestPlan is the self-test of the running kiosk, for the touchscreen's
// maintenance page: the kiosk holds its devices (kioskctl selftest would be
// refused their ports), so the device checks go through its own services:
// the reader and the QR scanner answer their supervision loops, the printer
// prints a test slip through the printer service, the scanner answers its
// status poller. The store, the disk and the platform are checked as
// kioskctl selftest checks them.
func (t *Terminal) SelfTestPlan() selftest.Plan {
	var p selftest.Plan
	state := func(name, title string, get func() kiosk.DeviceState) selftest.Check {
		return selftest.Check{Name: name, Title: title, Timeout: 5 * time.Second, Run: func(ctx context.Context) (string, error) {
			switch st := get(); st {
			case kiosk.DeviceReady, kiosk.DeviceCardPresent, kiosk.DeviceBusy, kiosk.DevicePaperLow:
				return string(st), nil
			case kiosk.DeviceDisconnected:
				return string(st), selftest.Fail(title+"无应答（检查连线和电源）", errors.New("disconnected"))
			default:
				return string(st), selftest.Fail(title+"状态异常："+string(st), errors.New(string(st)))
			}
		}}
	}
	if t.Reader != nil {
		p = append(p, state("idcard", "读卡器", t.Reader.State))
	}
	if t.Printer != nil {
		p = append(p, selftest.Check{Name: "receipt", Title: "回执打印", Timeout: 30 * time.Second, Run: func(ctx context.Context) (string, error) {
			st := t.Config.Station
			err := t.Printer.Print(ctx, kiosk.Receipt{Kind: kiosk.ReceiptProgress, StationName: st.Name, StationCode: st.Code,
				Terminal: st.Terminal, Time: time.Now(), Status: "自检测试回执：打印正常", Phone: st.Phone})
			switch {
			case errors.Is(err, printer.ErrPaperOut):
				return "", selftest.Fail("打印机缺纸", err)
			case errors.Is(err, printer.ErrCoverOpen):
				return "", selftest.Fail("打印机盖未合上", err)
			case errors.Is(err, printer.ErrDisconnected):
				return "", selftest.Fail("打印机无应答（检查连线和电源）", err)
			case err != nil:
				return "", selftest.Fail("回执打印失败", err)
			}
			return "test slip printed", nil
		}})
	}
	if t.scanState != nil {
		p = append(p, state("scan", "扫描仪", t.scannerState))
	}
	if t.QR != nil {
		p = append(p, state("qr", "扫码器", t.QR.State))
	}
	if t.Store != nil {
		p = append(p, selftest.Store(t.Store))
	}
	p = append(p, selftest.Disk(t.Plan.DataDir, selftest.MinFree))
	if t.platform != nil {
		want := t.Config.Station.Code + "-" + t.Config.Station.Terminal
		if t.Sims.Platform != nil {
			want = "dev" // the in-process emulator over plain HTTP on loopback
		}
		p = append(p, selftest.PlatformTLS(t.platform, want), selftest.Clock(t.platform, time.Now, selftest.MaxSkew))
		var pub ed25519.PublicKey
		if t.Sims.CatalogKey != nil {
			pub = t.Sims.CatalogKey.Public().(ed25519.PublicKey)
		} else if k, err := t.Plan.CatalogKey(); err == nil {
			pub = k
		}
		if pub != nil {
			p = append(p, selftest.Catalog(t.platform, pub, time.Now, selftest.MinCatalogLeft))
		}
	}
	return p
}

// SelfTest runs SelfTestPlan.
func (t *Terminal) SelfTest(ctx context.Context) []selftest.Result {
	return selftest.Run(ctx, t.SelfTestPlan())
}
