package printer_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	"github.com/bianmin/kiosk/devices/printer/escpos/sim"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func sampleReceipt() kiosk.Receipt {
	return kiosk.Receipt{
		Kind:          kiosk.ReceiptAcceptance,
		StationName:   "杭州市西湖区转塘街道某某村便民服务站",
		StationCode:   "330106001",
		Terminal:      "T01",
		AcceptanceNo:  "3301060012026112300017",
		ItemName:      "城乡居民基本养老保险参保登记（含个人身份信息变更及缴费档次调整）",
		ItemCode:      "330106-SB-0012",
		ApplicantName: "张*丰",
		ApplicantID:   "330***********123X",
		Time:          time.Date(2026, 11, 23, 3, 4, 0, 0, time.UTC),
		Received:      []string{"居民身份证（读卡）", "户口簿首页及本人页"},
		Committed:     []string{"无犯罪记录证明"},
		Deferred:      []kiosk.DeferredMaterial{{Name: "银行卡复印件", Due: kiosk.Date{Year: 2026, Month: 12, Day: 7}}},
		Exempted:      []string{"结婚证（电子证照）"},
		PromisedDays:  5,
		QueryHint:     "扫描二维码或在本机“进度查询”中放置身份证查询办理进度",
		QRPayload:     "https://zwfw.example.gov.cn/q?no=3301060012026112300017",
		Phone:         "0571-12345678",
	}
}

func testFont(t testing.TB) ([]byte, *escpos.Font) {
	t.Helper()
	b := assets.FontTTF() // the bundled subset: no system font needed
	f, err := escpos.ParseFont(b)
	if err != nil {
		t.Fatal(err)
	}
	return b, f
}

// Wrap is kiosk.WrapColumns at the printer's widths (the breaking rules
// are tested there): escpos display columns and at least 4 columns.
func TestWrap(t *testing.T) {
	tests := []struct {
		in   string
		cols int
		want []string
	}{
		{"ab一二", 4, []string{"ab一", "二"}},
		{"一二。三", 4, []string{"一", "二。", "三"}},
		{"一二三四五", 2, []string{"一二", "三四", "五"}},
	}
	for _, tt := range tests {
		got := printer.Wrap(tt.in, tt.cols)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.cols, got, tt.want)
		}
	}
}

func TestSummarise(t *testing.T) {
	tests := []struct {
		name string
		s    escpos.Status
		want kiosk.DeviceState
	}{
		{"ready", escpos.Status{}, kiosk.DeviceReady},
		{"near end", escpos.Status{PaperNearEnd: true}, kiosk.DevicePaperLow},
		{"paper end", escpos.Status{PaperEnd: true, PaperNearEnd: true}, kiosk.DevicePaperOut},
		{"stopped by paper end", escpos.Status{PaperEndStop: true}, kiosk.DevicePaperOut},
		{"cover beats paper", escpos.Status{CoverOpen: true, PaperEnd: true}, kiosk.DeviceCoverOpen},
		{"cutter", escpos.Status{CutterError: true}, kiosk.DeviceError},
		{"offline", escpos.Status{Offline: true}, kiosk.DeviceError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := printer.Summarise(tt.s)
			if got.State != tt.want {
				t.Errorf("state %s, want %s", got.State, tt.want)
			}
			if got.Detail == "" {
				t.Error("no detail (the raw status bytes)")
			}
		})
	}
}

func receiptsFor(t *testing.T, r kiosk.Receipt, p escpos.Profile, f *escpos.Font, rasterQR bool) []*image.Gray {
	t.Helper()
	data, err := printer.Encode(r, p, f, rasterQR)
	if err != nil {
		t.Fatal(err)
	}
	return escpos.Render(data, p, f)
}

func TestLayoutGolden(t *testing.T) {
	_, f := testFont(t)
	acc := sampleReceipt()
	queue := kiosk.Receipt{Kind: kiosk.ReceiptQueue, StationName: acc.StationName, Terminal: "T01",
		TicketNo: "A023", ItemName: "社会保障卡补换", Window: "3号", Waiting: 4, WaitingKnown: true, Time: acc.Time}
	prog := acc
	prog.Kind, prog.Status = kiosk.ReceiptProgress, "已受理，审核中"
	tests := []struct {
		name string
		r    kiosk.Receipt
		p    escpos.Profile
	}{
		{"acceptance-80", acc, escpos.Profile80},
		{"acceptance-58", acc, escpos.Profile58},
		{"queue-80", queue, escpos.Profile80},
		{"queue-58", queue, escpos.Profile58},
		{"progress-58", prog, escpos.Profile58},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			imgs := receiptsFor(t, tt.r, tt.p, f, false)
			if len(imgs) != 1 {
				t.Fatalf("%d receipts, want 1", len(imgs))
			}
			if w := imgs[0].Bounds().Dx(); w != tt.p.Dots {
				t.Errorf("width %d, want %d", w, tt.p.Dots)
			}
			golden(t, tt.name+".png", imgs[0])
			if tt.r.QRPayload != "" {
				if got := decodeQR(t, imgs[0]); got != tt.r.QRPayload {
					t.Errorf("QR %q, want %q", got, tt.r.QRPayload)
				}
			}
		})
	}
}

func TestLayoutRasterQRDecodes(t *testing.T) {
	r := sampleReceipt()
	imgs := receiptsFor(t, r, escpos.Profile58, nil, true)
	if got := decodeQR(t, imgs[0]); got != r.QRPayload {
		t.Errorf("QR %q, want %q", got, r.QRPayload)
	}
}

func TestLayoutUnknownKind(t *testing.T) {
	_, err := printer.Encode(kiosk.Receipt{Kind: "bogus"}, escpos.Profile80, nil, false)
	if err == nil {
		t.Fatal("no error for unknown kind")
	}
}

func golden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join("testdata", name)
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		out := filepath.Join(t.TempDir(), name)
		os.WriteFile(out, buf.Bytes(), 0o644)
		t.Errorf("%s differs from golden; got %s", name, out)
	}
}

func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

// pipeSim connects a printer end to an emulator over net.Pipe.
func pipeSim(t *testing.T, s *sim.Printer) net.Conn {
	t.Helper()
	a, b := net.Pipe()
	go s.Serve(context.Background(), b)
	t.Cleanup(func() { a.Close(); b.Close() })
	return a
}

func newSim(t *testing.T, cfg sim.Config) *sim.Printer {
	t.Helper()
	s, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestESCPOSScenarios(t *testing.T) {
	tests := []struct {
		name      string
		set       func(*sim.Printer)
		wantErr   error
		wantState kiosk.DeviceState
		printed   int
	}{
		{"ready", func(*sim.Printer) {}, nil, kiosk.DeviceReady, 1},
		{"paper low still prints", func(s *sim.Printer) { s.SetNearEnd(true) }, nil, kiosk.DevicePaperLow, 1},
		{"paper out refused", func(s *sim.Printer) { s.SetPaperOut(true) }, printer.ErrPaperOut, kiosk.DevicePaperOut, 0},
		{"cover open refused", func(s *sim.Printer) { s.SetCoverOpen(true) }, printer.ErrCoverOpen, kiosk.DeviceCoverOpen, 0},
		{"cutter error refused", func(s *sim.Printer) { s.SetCutterError(true) }, printer.ErrFault, kiosk.DeviceError, 0},
		{"silent is disconnected", func(s *sim.Printer) { s.SetSilent(true) }, printer.ErrDisconnected, kiosk.DeviceDisconnected, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSim(t, sim.Config{})
			tt.set(s)
			p := printer.NewESCPOS(pipeSim(t, s), printer.Config{Profile: escpos.Profile80, StatusTimeout: 300 * time.Millisecond})
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := p.Print(ctx, sampleReceipt())
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Print err = %v, want %v", err, tt.wantErr)
			}
			st, _ := p.Status(ctx)
			if st.State != tt.wantState {
				t.Errorf("state %s, want %s", st.State, tt.wantState)
			}
			if tt.printed > 0 {
				if err := s.WaitReceipt(ctx, tt.printed); err != nil {
					t.Fatal(err)
				}
			}
			if n, dropped := s.Printed(); n != tt.printed || dropped != 0 {
				t.Errorf("printed %d dropped %d, want %d and 0 (refusal must send nothing)", n, dropped, tt.printed)
			}
		})
	}
}

func TestPaperRunsOutDuringJob(t *testing.T) {
	s := newSim(t, sim.Config{PaperOutAfter: 1})
	p := printer.NewESCPOS(pipeSim(t, s), printer.Config{Profile: escpos.Profile80, StatusTimeout: 5 * time.Second})
	ctx := context.Background()
	if err := p.Print(ctx, sampleReceipt()); !errors.Is(err, printer.ErrPaperOut) {
		t.Fatalf("err = %v, want ErrPaperOut after the roll ran out", err)
	}
}

func TestSpoolPersists(t *testing.T) {
	dir := t.TempDir()
	sp, err := printer.OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := sp.Add(sampleReceipt(), printer.ErrPaperOut)
	if err != nil {
		t.Fatal(err)
	}
	sp2, err := printer.OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	l := sp2.List()
	if len(l) != 1 || l[0].ID != e.ID || l[0].Receipt.AcceptanceNo != sampleReceipt().AcceptanceNo {
		t.Fatalf("reloaded %+v", l)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, e.ID+".json"))
	if bytes.Contains(raw, []byte("张三丰")) || !bytes.Contains(raw, []byte("张*丰")) {
		t.Errorf("spool file must hold only the masked receipt")
	}
	if _, err := sp2.Get(e.ID[:8]); err != nil {
		t.Errorf("prefix lookup: %v", err)
	}
	if err := sp2.Remove(e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sp2.Get(e.ID); !errors.Is(err, printer.ErrNotFound) {
		t.Errorf("after remove: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*")); len(m) != 0 {
		t.Errorf("files left: %v", m)
	}
}

// plugs is an Opener onto one emulator; unplugged makes opening fail.
type plugs struct {
	s         *sim.Printer
	mu        sync.Mutex
	unplugged bool
	opens     int
	tries     int // every call, failed or not
}

func (p *plugs) open(ctx context.Context) (io.ReadWriteCloser, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tries++
	if p.unplugged {
		return nil, errors.New("no such device")
	}
	p.opens++
	a, b := net.Pipe()
	go func() { p.s.Serve(ctx, b); b.Close() }()
	return a, nil
}

func (p *plugs) set(unplugged bool) {
	p.mu.Lock()
	p.unplugged = unplugged
	p.mu.Unlock()
}

func waitState(t *testing.T, ch <-chan printer.Status, want kiosk.DeviceState) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case st := <-ch:
			if st.State == want {
				return
			}
		case <-timeout:
			t.Fatalf("state %s never reached", want)
		}
	}
}

func TestServiceUnplugSpoolReprint(t *testing.T) {
	s := newSim(t, sim.Config{})
	pl := &plugs{s: s}
	sp, _ := printer.OpenSpool(t.TempDir())
	svc := printer.NewService(pl.open, printer.ServiceConfig{
		Printer: printer.Config{Profile: escpos.Profile80, StatusTimeout: 200 * time.Millisecond},
		Poll:    20 * time.Millisecond, Retry: 20 * time.Millisecond, DisconnectHold: 100 * time.Millisecond, Spool: sp,
	})
	ch, unsub := svc.Subscribe()
	defer unsub()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- svc.Serve(ctx) }()

	waitState(t, ch, kiosk.DeviceReady)
	if err := svc.Print(ctx, sampleReceipt()); err != nil {
		t.Fatal(err)
	}

	// Paper out: the receipt is refused and kept.
	s.SetPaperOut(true)
	waitState(t, ch, kiosk.DevicePaperOut)
	err := svc.Print(ctx, sampleReceipt())
	var se *printer.SpooledError
	if !errors.As(err, &se) || !errors.Is(err, printer.ErrPaperOut) {
		t.Fatalf("err = %v, want a SpooledError matching ErrPaperOut", err)
	}
	if p := svc.Pending(); len(p) != 1 || p[0].ID != se.ID {
		t.Fatalf("pending %+v", p)
	}

	// Unplug: it stops answering and cannot be opened; then comes back.
	s.SetSilent(true)
	pl.set(true)
	waitState(t, ch, kiosk.DeviceDisconnected)
	s.SetSilent(false)
	s.Refill()
	pl.set(false)
	waitState(t, ch, kiosk.DeviceReady)

	if err := svc.Reprint(ctx, se.ID); err != nil {
		t.Fatalf("reprint: %v", err)
	}
	if len(svc.Pending()) != 0 {
		t.Error("spool not emptied")
	}
	if err := s.WaitReceipt(ctx, 2); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve returned %v", err)
	}
	if pl.opens < 2 {
		t.Errorf("transport opened %d times, want a reopen", pl.opens)
	}
}

// cancelAfter cancels its context once n bytes have gone through.
type cancelAfter struct {
	net.Conn
	n      int
	cancel context.CancelFunc
}

func (c *cancelAfter) Write(p []byte) (int, error) {
	m, err := c.Conn.Write(p)
	c.n -= m
	if c.n <= 0 {
		c.cancel()
	}
	return m, err
}

// An aborted job must not leave the printer inside a raster command, where
// it would swallow the next status query and look unplugged.
func TestAbortedJobResyncs(t *testing.T) {
	s := newSim(t, sim.Config{})
	conn := pipeSim(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	rw := &cancelAfter{Conn: conn, n: 12 + 4096, cancel: cancel} // after the status query and one chunk
	p := printer.NewESCPOS(rw, printer.Config{Profile: escpos.Profile80, RasterQR: true})
	data, err := printer.Encode(sampleReceipt(), escpos.Profile80, nil, true)
	if err != nil || len(data) <= 4096 {
		t.Fatalf("need a long job: %d bytes, %v", len(data), err)
	}
	if err := p.PrintRaw(ctx, data); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	rw.n = 1 << 30
	st, err := p.Status(context.Background())
	if err != nil || st.State != kiosk.DeviceReady {
		t.Fatalf("after aborted job: %+v %v", st, err)
	}
}

// The printer is shown disconnected only after DisconnectHold without an
// answer, measured on the injected clock: a silent spell shorter than the
// hold is never shown, however many polls it spans (issue: 3 false
// "disconnected" flaps in 7 minutes on a loaded machine). Kills: the
// service not passing its hold or clock to the state, no debounce at all.
func TestServiceDebouncesDisconnected(t *testing.T) {
	s := newSim(t, sim.Config{})
	pl := &plugs{s: s}
	var mu sync.Mutex
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc := printer.NewService(pl.open, printer.ServiceConfig{
		Printer: printer.Config{Profile: escpos.Profile80, StatusTimeout: 50 * time.Millisecond},
		Poll:    10 * time.Millisecond, Retry: 10 * time.Millisecond,
		DisconnectHold: time.Minute, Now: clock,
	})
	ch, unsub := svc.Subscribe()
	defer unsub()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go svc.Serve(ctx)
	waitState(t, ch, kiosk.DeviceReady)

	s.SetSilent(true)
	pl.set(true)
	tries := func() int { pl.mu.Lock(); defer pl.mu.Unlock(); return pl.tries }
	// Many failed reopen attempts later (real time), the clock has not
	// moved: still ready.
	start := tries()
	deadline := time.Now().Add(10 * time.Second)
	for tries() < start+5 {
		if st := svc.State(); st.State != kiosk.DeviceReady {
			t.Fatalf("shown %s before the hold passed", st.State)
		}
		if time.Now().After(deadline) {
			t.Fatal("the service stopped reopening")
		}
		time.Sleep(5 * time.Millisecond) // pacing the check, not synchronising
	}
	if st := svc.State(); st.State != kiosk.DeviceReady {
		t.Fatalf("shown %s before the hold passed", st.State)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	waitState(t, ch, kiosk.DeviceDisconnected)

	// Back: ready at once.
	s.SetSilent(false)
	pl.set(false)
	waitState(t, ch, kiosk.DeviceReady)
}
