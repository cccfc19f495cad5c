package selftest

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/sys/unix"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/cups"
	"github.com/bianmin/kiosk/devices/qrscan"
	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/serialport"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/catalogsig"
	"github.com/bianmin/kiosk/sync/client"
)

// The checks. Device checks open their device themselves (kioskctl, with
// the kiosk stopped or not holding the device: the serial opener's lock
// refuses otherwise) or are handed the running kiosk's (the touchscreen).

// Opener opens a device's stream (idcard.SerialOpener, printer.SerialOpener …).
type Opener func(ctx context.Context) (io.ReadWriteCloser, error)

// Card reads a card (the technician's test card) from the reader open
// opens: the SAM answers, a card is found and read through the GA 467
// codec. The detail names the card masked.
func Card(open Opener) Check {
	return Check{Name: "idcard", Title: "读卡", Timeout: 30 * time.Second, Run: func(ctx context.Context) (string, error) {
		rw, err := open(ctx)
		if err != nil {
			return "", Fail("读卡器无应答（检查连线和电源）", err)
		}
		defer rw.Close()
		c := idcard.NewClient(rw)
		defer c.Close()
		if err := c.SAMStatus(ctx); err != nil {
			return "", Fail("读卡器安全模块（SAM）异常", err)
		}
		var last error
		for {
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			id, err := c.ReadCard(cctx)
			cancel()
			switch {
			case err == nil:
				return "read " + kiosk.MaskID(id.IDNumber), nil
			case idcard.IsSAMFault(err):
				return "", Fail("读卡器安全模块（SAM）异常", err)
			}
			last = err
			select {
			case <-ctx.Done():
				return "", Fail("未读到身份证（请把测试卡放在读卡器上）", last)
			case <-time.After(200 * time.Millisecond):
			}
		}
	}}
}

// printerReason is the Chinese reason for a printer error.
func printerReason(err error) string {
	switch {
	case errors.Is(err, printer.ErrPaperOut):
		return "打印机缺纸"
	case errors.Is(err, printer.ErrCoverOpen):
		return "打印机盖未合上"
	case errors.Is(err, printer.ErrDisconnected):
		return "打印机无应答（检查连线和电源）"
	case errors.Is(err, printer.ErrFault):
		return "打印机故障"
	}
	return "回执打印失败"
}

// Receipt prints the test receipt (printer.TestPage) on the ESC/POS printer
// open opens, checking its status before and after.
func Receipt(open Opener, cfg printer.Config) Check {
	return Check{Name: "receipt", Title: "回执打印", Timeout: 30 * time.Second, Run: func(ctx context.Context) (string, error) {
		rw, err := open(ctx)
		if err != nil {
			return "", Fail(printerReason(err), err)
		}
		defer rw.Close()
		p := printer.NewESCPOS(rw, cfg)
		st, err := p.Status(ctx)
		if err != nil {
			return "", Fail(printerReason(err), err)
		}
		if !printer.CanPrint(st.State) {
			err := &printer.StateError{Status: st}
			return string(st.State), Fail(printerReason(err), err)
		}
		data, err := printer.TestPage(cfg.Profile, cfg.Font)
		if err != nil {
			return "", err
		}
		if err := p.PrintRaw(ctx, data); err != nil {
			return "", Fail(printerReason(err), err)
		}
		detail := fmt.Sprintf("test receipt printed, %d bytes", len(data))
		if st.State == kiosk.DevicePaperLow {
			detail += " (paper low)"
		}
		return detail, nil
	}}
}

// PDFPrinter is the A4 printer (cups.Client).
type PDFPrinter interface {
	PrintPDF(ctx context.Context, jobName string, pdf []byte) (int, error)
}

// A4 prints an A4 test page (a form in the bundled font) through CUPS.
func A4(p PDFPrinter, queue string, font []byte) Check {
	return Check{Name: "a4", Title: "A4 打印", Timeout: 60 * time.Second, Run: func(ctx context.Context) (string, error) {
		form := cups.Form{Title: "A4 打印测试页", Subtitle: "便民自助终端自检", Fields: []cups.Field{
			{Label: "队列", Value: queue}, {Label: "中文", Value: "便民服务 政务 受理回执 申请表"},
			{Label: "时间", Value: time.Now().In(printer.PrintZone).Format("2006-01-02 15:04")}}}
		pdf, err := cups.FormPDF(form, font)
		if err != nil {
			return "", err
		}
		id, err := p.PrintPDF(ctx, "selftest", pdf)
		if err != nil {
			return "", Fail("A4 打印机不可用（检查 CUPS 队列 "+queue+"）", err)
		}
		return fmt.Sprintf("job %d on %s", id, queue), nil
	}}
}

// Scan scans one page from the platen.
func Scan(s scanner.Scanner, dpi int) Check {
	return Check{Name: "scan", Title: "扫描", Timeout: 90 * time.Second, Run: func(ctx context.Context) (string, error) {
		pages, err := s.Scan(ctx, scanner.Settings{Source: scanner.Platen, DPI: dpi})
		switch {
		case errors.Is(err, scanner.ErrDisconnected):
			return "", Fail("扫描仪无应答（检查连线和电源）", err)
		case errors.Is(err, scanner.ErrCoverOpen):
			return "", Fail("扫描仪盖未合上", err)
		case errors.Is(err, scanner.ErrJam):
			return "", Fail("扫描仪卡纸", err)
		case errors.Is(err, scanner.ErrBusy):
			return "", Fail(ReasonBusy, err)
		case err != nil:
			return "", Fail("扫描失败", err)
		case len(pages) == 0 || pages[0].Image == nil:
			return "", Fail("扫描仪没有返回图像", errors.New("no page"))
		}
		b := pages[0].Image.Bounds()
		if b.Dx() < 100 || b.Dy() < 100 {
			return "", Fail("扫描图像不完整", fmt.Errorf("page of %dx%d pixels", b.Dx(), b.Dy()))
		}
		return fmt.Sprintf("page %dx%d px at %d dpi", b.Dx(), b.Dy(), pages[0].DPI), nil
	}}
}

// QR waits for one QR code (the test receipt's) on the scanner open opens.
func QR(open qrscan.Opener, wait time.Duration) Check {
	return Check{Name: "qr", Title: "扫码", Timeout: wait, Run: func(ctx context.Context) (string, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		s := qrscan.NewService(open, nil)
		done := make(chan struct{})
		go func() { s.Serve(ctx); close(done) }()
		defer func() { cancel(); <-done }()
		var last error
		for {
			select {
			case <-ctx.Done():
				if last != nil {
					return "", Fail("扫码器无应答（检查连线）", last)
				}
				return "", Fail("未扫到二维码（请扫描测试回执上的二维码）", ctx.Err())
			case ev := <-s.Events():
				switch {
				case ev.Payload != "":
					return fmt.Sprintf("%s code, %d characters", ev.Kind, len(ev.Payload)), nil
				case ev.State == kiosk.DeviceDisconnected && ev.Err != nil:
					last = ev.Err
					if errors.Is(ev.Err, serialport.ErrBusy) {
						return "", ev.Err
					}
				}
			}
		}
	}}
}

// Say speaks a text.
type Say func(ctx context.Context, text string) error

// Voice plays a prompt through the speaker.
func Voice(say Say) Check {
	return Check{Name: "voice", Title: "语音播报", Timeout: 20 * time.Second, Run: func(ctx context.Context) (string, error) {
		if err := say(ctx, "自检：语音播报正常"); err != nil {
			return "", Fail("语音播报失败（检查扬声器和 espeak-ng）", err)
		}
		return "prompt played", nil
	}}
}

// Integrity is the store (offline.Store).
type Integrity interface {
	IntegrityCheck(ctx context.Context) ([]string, error)
}

// Store runs the store's integrity check.
func Store(st Integrity) Check {
	return Check{Name: "store", Title: "数据库完整性", Timeout: 60 * time.Second, Run: func(ctx context.Context) (string, error) {
		problems, err := st.IntegrityCheck(ctx)
		if err != nil {
			return "", Fail("数据库无法检查", err)
		}
		if len(problems) > 0 {
			return fmt.Sprintf("%d problems, first: %s", len(problems), problems[0]), Fail("数据库损坏（请导出队列并联系运维）", errors.New("integrity_check failed"))
		}
		return "integrity_check ok", nil
	}}
}

// MinFree is the free space Disk requires by default.
const MinFree = 512 << 20

// Disk checks the free space under dir (the data directory) for the
// kiosk's user.
func Disk(dir string, min uint64) Check {
	return Check{Name: "disk", Title: "磁盘空间", Timeout: 5 * time.Second, Run: func(ctx context.Context) (string, error) {
		var fs unix.Statfs_t
		if err := unix.Statfs(dir, &fs); err != nil {
			return "", Fail("无法读取磁盘空间", fmt.Errorf("statfs %s: %w", dir, err))
		}
		free := fs.Bavail * uint64(fs.Bsize)
		detail := fmt.Sprintf("%d MiB free of %d MiB under %s", free>>20, (fs.Blocks*uint64(fs.Bsize))>>20, dir)
		if free < min {
			return detail, Fail(fmt.Sprintf("磁盘空间不足（剩余 %d MB，至少需要 %d MB）", free>>20, min>>20), errors.New("disk low"))
		}
		return detail, nil
	}}
}

// Platform is the platform client (client.Client).
type Platform interface {
	Whoami(ctx context.Context) (*api.Whoami, error)
	Catalog(ctx context.Context) (*api.SignedCatalog, error)
}

func platformReason(err error) string {
	switch {
	case errors.Is(err, client.ErrUnauthorized):
		return "平台不认可本终端证书（重新申请开通码并重新开通）"
	case errors.Is(err, client.ErrNotPlatform):
		return "连到的不是政务平台（网络被劫持或需要认证上网）"
	case errors.Is(err, context.DeadlineExceeded):
		return "平台连接超时（检查网络）"
	}
	return "无法连接平台（检查网络和平台地址）"
}

// PlatformTLS checks the mutual TLS handshake: the platform answers and
// takes this terminal for want (station code + "-" + terminal number).
func PlatformTLS(p Platform, want string) Check {
	return Check{Name: "platform", Title: "平台连接（双向 TLS）", Timeout: 30 * time.Second, Run: func(ctx context.Context) (string, error) {
		w, err := p.Whoami(ctx)
		if err != nil {
			return "", Fail(platformReason(err), err)
		}
		if w.Terminal != want {
			return "certificate of " + w.Terminal, Fail("终端证书与本机配置不符（证书为 "+w.Terminal+"）", fmt.Errorf("platform says %q, configuration %q", w.Terminal, want))
		}
		return "the platform knows this terminal as " + w.Terminal, nil
	}}
}

// MaxSkew is the clock difference Clock tolerates.
const MaxSkew = 2 * time.Minute

// Clock compares the terminal's clock with the platform's (receipts carry
// the time, certificates are checked against it).
func Clock(p Platform, now func() time.Time, max time.Duration) Check {
	return Check{Name: "clock", Title: "时钟", Timeout: 30 * time.Second, Run: func(ctx context.Context) (string, error) {
		before := now()
		w, err := p.Whoami(ctx)
		if err != nil {
			return "", Fail("无法与平台对时："+platformReason(err), err)
		}
		after := now()
		local := before.Add(after.Sub(before) / 2)
		skew := w.ServerTime.Sub(local)
		detail := fmt.Sprintf("platform minus terminal: %v", skew.Round(time.Millisecond))
		if skew > max || skew < -max {
			return detail, Fail(fmt.Sprintf("终端时钟与平台相差 %d 秒（检查 NTP 对时）", int(skew.Abs().Seconds())), errors.New("clock skew"))
		}
		return detail, nil
	}}
}

// MinCatalogLeft is how long before its expiry a catalogue counts as stale.
const MinCatalogLeft = 72 * time.Hour

// Catalog fetches the signed catalogue, verifies it with the configured
// key and checks that it is not about to expire.
func Catalog(p Platform, pub ed25519.PublicKey, now func() time.Time, minLeft time.Duration) Check {
	return Check{Name: "catalog", Title: "事项目录", Timeout: 60 * time.Second, Run: func(ctx context.Context) (string, error) {
		sc, err := p.Catalog(ctx)
		if err != nil {
			return "", Fail("无法获取事项目录："+platformReason(err), err)
		}
		pl, err := catalogsig.Verify(pub, sc, now(), 0)
		if err != nil {
			return "", Fail("事项目录签名无效或已过期（检查目录公钥）", err)
		}
		left := pl.Expires.Sub(now())
		detail := fmt.Sprintf("version %d, expires %s", pl.Version, pl.Expires.UTC().Format(time.RFC3339))
		if left < minLeft {
			return detail, Fail(fmt.Sprintf("事项目录将在 %d 小时内过期", int(left.Hours())), errors.New("catalogue about to expire"))
		}
		return detail, nil
	}}
}
