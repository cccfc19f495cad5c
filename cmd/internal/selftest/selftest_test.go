package selftest_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/devices/idcard"
	idsim "github.com/bianmin/kiosk/devices/idcard/sim"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	prsim "github.com/bianmin/kiosk/devices/printer/escpos/sim"
	"github.com/bianmin/kiosk/devices/qrscan"
	qrsim "github.com/bianmin/kiosk/devices/qrscan/sim"
	scansim "github.com/bianmin/kiosk/devices/scanner/sim"
	"github.com/bianmin/kiosk/devices/serialport"
)

func byName(rs []selftest.Result) map[string]selftest.Result {
	m := map[string]selftest.Result{}
	for _, r := range rs {
		m[r.Name] = r
	}
	return m
}

// TestSimulatorsPassAndFaultsFail runs the device checks against the
// simulators over their ptys, through the kiosk's own openers: a card on
// the reader, a ready printer, a scanner, a QR code; then the same with
// the printer out of paper, no card, a full disk, and the reasons say so
// in Chinese.
func TestSimulatorsPassAndFaultsFail(t *testing.T) {
	serialport.SetLockDir(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reader, rpath, err := idsim.StartPTY(ctx, idsim.Config{Baud: 115200, SAMTime: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	card, _ := testcards.Get("resident")
	reader.PlaceCard(card)
	prof := escpos.ProfileFor(80)
	pr, ppath, err := prsim.StartPTY(ctx, prsim.Config{Profile: prof, Font: assets.FontTTF()})
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	font, err := escpos.ParseFont(assets.FontTTF())
	if err != nil {
		t.Fatal(err)
	}
	qr, qpath, err := qrsim.StartPTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() { // the technician holds the receipt under the scanner until it beeps
		for ctx.Err() == nil {
			qr.Send("https://zwfw.example.gov.cn/track?n=TEST")
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	plan := selftest.Plan{
		selftest.Card(selftest.Opener(idcard.SerialOpener(rpath, 115200))),
		selftest.Receipt(selftest.Opener(printer.SerialOpener(ppath, 115200)), printer.Config{Profile: prof, Font: font}),
		selftest.Scan(scansim.New(scansim.Knobs{Pages: 1}), 200),
		selftest.QR(qrscan.SerialOpener(qpath, 115200), 10*time.Second),
		selftest.Disk(t.TempDir(), 1<<20),
	}
	rs := byName(selftest.Run(ctx, plan))
	for _, n := range []string{"idcard", "receipt", "scan", "qr", "disk"} {
		if r := rs[n]; !r.OK || r.Reason != selftest.ReasonPass {
			t.Errorf("%s: %+v", n, r)
		}
	}
	if d := rs["idcard"].Detail; strings.Contains(d, card.IDNumber) || !strings.Contains(d, card.IDNumber[len(card.IDNumber)-4:]) {
		t.Errorf("card detail %q: want the number masked", d)
	}
	if pr.LastReceipt() == nil {
		t.Error("the printer simulator printed no test receipt")
	}

	reader.RemoveCard()
	pr.SetPaperOut(true)
	plan[0].Timeout = 2 * time.Second
	plan[4] = selftest.Disk(t.TempDir(), 1<<62)
	rs = byName(selftest.Run(ctx, plan[:1:1]))
	rs2 := byName(selftest.Run(ctx, selftest.Plan{plan[1], plan[4]}))
	for n, want := range map[string]string{"idcard": "未读到身份证", "receipt": "打印机缺纸", "disk": "磁盘空间不足"} {
		r, ok := rs[n]
		if !ok {
			r = rs2[n]
		}
		if r.OK || !strings.Contains(r.Reason, want) {
			t.Errorf("%s: %+v, want a failure saying %q", n, r, want)
		}
	}
}

// TestBusyDevice: while another open holds the reader's port (the running
// kiosk), the card check fails saying the terminal is using the device,
// without touching the reader.
func TestBusyDevice(t *testing.T) {
	serialport.SetLockDir(t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reader, rpath, err := idsim.StartPTY(ctx, idsim.Config{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	held, err := idcard.SerialOpener(rpath, 115200)(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	before := reader.Commands()
	r := selftest.Run(ctx, selftest.Plan{selftest.Card(selftest.Opener(idcard.SerialOpener(rpath, 115200)))})[0]
	if r.OK || r.Reason != selftest.ReasonBusy || !strings.Contains(r.Reason, "终端正在使用该设备") {
		t.Errorf("busy reader: %+v", r)
	}
	if reader.Commands() != before {
		t.Error("the check talked to a reader another process holds")
	}
}

// TestRunKeepsGoing: a failing, a panicking and a passing check each get
// their result; a plain error gets the generic reason, a timeout says so.
func TestRunKeepsGoing(t *testing.T) {
	rs := selftest.Run(context.Background(), selftest.Plan{
		{Name: "a", Title: "甲", Run: func(context.Context) (string, error) { return "", errors.New("boom") }},
		{Name: "b", Title: "乙", Run: func(context.Context) (string, error) { panic("oops") }},
		{Name: "c", Title: "丙", Timeout: 10 * time.Millisecond, Run: func(ctx context.Context) (string, error) { <-ctx.Done(); return "", ctx.Err() }},
		{Name: "d", Title: "丁", Run: func(context.Context) (string, error) { return "fine", nil }},
	})
	want := []struct {
		ok     bool
		reason string
	}{{false, "甲失败"}, {false, "乙检查出错"}, {false, "丙超时未完成"}, {true, selftest.ReasonPass}}
	for i, w := range want {
		if rs[i].OK != w.ok || rs[i].Reason != w.reason {
			t.Errorf("%d: %+v, want %v %q", i, rs[i], w.ok, w.reason)
		}
	}
	if len(selftest.Failed(rs)) != 3 {
		t.Errorf("failed: %d", len(selftest.Failed(rs)))
	}
}
