package screens

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/provisioning"
	"github.com/bianmin/kiosk/app/widgets"
)

// fakeProvisioner is the request file in memory: the requests submitted, a
// result the test sets, the restarts asked for.
type fakeProvisioner struct {
	mu       sync.Mutex
	reqs     []provisioning.Request
	res      *provisioning.Result
	restarts int
}

func (f *fakeProvisioner) Submit(ctx context.Context, r provisioning.Request) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r)
	f.res = nil
	return nil
}

func (f *fakeProvisioner) Result(ctx context.Context, id string) (provisioning.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.res == nil || f.res.RequestID != id {
		return provisioning.Result{}, provisioning.ErrNoResult
	}
	return *f.res, nil
}

func (f *fakeProvisioner) LoadCA(path string) (string, error) {
	if path == "/media/usb/platform-ca.crt" {
		return "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", nil
	}
	return "", errors.New("no such file")
}

func (f *fakeProvisioner) Restart() {
	f.mu.Lock()
	f.restarts++
	f.mu.Unlock()
}

func (f *fakeProvisioner) set(r provisioning.Result) {
	f.mu.Lock()
	f.res = &r
	f.mu.Unlock()
}

func newWizard(t *testing.T, size fyne.Size) (*ProvisionWizard, *fakeProvisioner, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	w.Resize(size)
	p := &fakeProvisioner{}
	n := 0
	wiz := ShowProvisionWizard(w, p, ProvisionOptions{Platform: "https://zwfw-kiosk.example.gov.cn",
		Reason: "unprovisioned: no terminal certificate: open /etc/bianmin-kiosk/terminal.crt: no such file or directory",
		NewID:  func() string { n++; return fmt.Sprintf("req-%d", n) }})
	w.Resize(size)
	return wiz, p, w
}

// fill types a valid terminal into the wizard's first three pages.
func fill(wiz *ProvisionWizard) {
	wiz.SetField(provisioning.FieldStationCode, "330106001")
	wiz.SetField(provisioning.FieldTerminal, "t09")
	wiz.SetField(provisioning.FieldDivision, "330106013201")
	wiz.SetField(provisioning.FieldStationName, "西湖区转塘街道双流村便民服务站")
	wiz.SetField(fieldAddress, "双流村村委会一楼")
	wiz.SetField(provisioning.FieldCode, "k7qx-3mpa-9wze-tt4r")
}

// TestProvisionWizardValidation: the technician taps 下一步 with a bad
// division code (a township's, 000 village digits), a plain-http platform
// URL, an empty enrollment code, a CA file that is not there: each page
// stays, the field says why in Chinese, and nothing is submitted; once
// corrected the request sent carries the values as typed, normalised.
// Kills: ValidDivision accepting village digits 000; ValidPlatform
// accepting http; the code's empty check; validate() not consulted by
// 下一步.
func TestProvisionWizardValidation(t *testing.T) {
	wiz, p, w := newWizard(t, fyne.NewSize(1080, 1920))
	tapButton(t, w, "下一步")
	if wiz.Page() != 0 || !strings.Contains(wiz.FieldError(provisioning.FieldStationCode), "请填写站点编码") {
		t.Fatalf("empty first page: page %d, %q", wiz.Page(), wiz.FieldError(provisioning.FieldStationCode))
	}
	fill(wiz)
	tapButton(t, w, "下一步")
	if wiz.Page() != 1 {
		t.Fatalf("page %d after a valid first page", wiz.Page())
	}
	wiz.SetField(provisioning.FieldDivision, "330106013000")
	tapButton(t, w, "下一步")
	if wiz.Page() != 1 || !strings.Contains(wiz.FieldError(provisioning.FieldDivision), "不是村级") {
		t.Fatalf("a township's code: page %d, %q", wiz.Page(), wiz.FieldError(provisioning.FieldDivision))
	}
	for _, bad := range []string{"33010601320", "3301060132a1"} {
		wiz.SetField(provisioning.FieldDivision, bad)
		tapButton(t, w, "下一步")
		if wiz.Page() != 1 || !strings.Contains(wiz.FieldError(provisioning.FieldDivision), "12 位数字") {
			t.Fatalf("division %s: page %d, %q", bad, wiz.Page(), wiz.FieldError(provisioning.FieldDivision))
		}
	}
	wiz.SetField(provisioning.FieldDivision, "330106013201")
	tapButton(t, w, "下一步")
	if wiz.Page() != 2 || wiz.FieldError(provisioning.FieldDivision) != "" {
		t.Fatalf("page %d, division error %q", wiz.Page(), wiz.FieldError(provisioning.FieldDivision))
	}
	wiz.SetField(provisioning.FieldPlatform, "http://zwfw-kiosk.example.gov.cn")
	wiz.SetField(provisioning.FieldCode, "")
	wiz.SetField(provisioning.FieldPlatformCA, "/media/usb/missing.crt")
	tapButton(t, w, "下一步")
	if wiz.Page() != 2 || !strings.Contains(wiz.FieldError(provisioning.FieldPlatform), "https://") ||
		!strings.Contains(wiz.FieldError(provisioning.FieldCode), "请填写开通码") ||
		!strings.Contains(wiz.FieldError(provisioning.FieldPlatformCA), "读不到") {
		t.Fatalf("page %d, platform %q, code %q, ca %q", wiz.Page(), wiz.FieldError(provisioning.FieldPlatform),
			wiz.FieldError(provisioning.FieldCode), wiz.FieldError(provisioning.FieldPlatformCA))
	}
	if len(p.reqs) != 0 {
		t.Fatal("an invalid request was submitted")
	}
	wiz.SetField(provisioning.FieldPlatform, " https://zwfw-kiosk.example.gov.cn ")
	wiz.SetField(provisioning.FieldCode, "k7qx-3mpa-9wze-tt4r")
	wiz.SetField(provisioning.FieldPlatformCA, "/media/usb/platform-ca.crt")
	tapButton(t, w, "下一步")
	if wiz.Page() != provReview {
		t.Fatalf("page %d, want the review", wiz.Page())
	}
	tapButton(t, w, "开始开通")
	if len(p.reqs) != 1 {
		t.Fatalf("%d requests submitted", len(p.reqs))
	}
	r := p.reqs[0]
	if r.Version != provisioning.Version || r.ID != "req-1" || r.Identity() != "330106001-T09" || r.Division != "330106013201" ||
		r.Platform != "https://zwfw-kiosk.example.gov.cn" || r.Code != "K7QX-3MPA-9WZE-TT4R" || !strings.Contains(r.PlatformCA, "BEGIN CERTIFICATE") {
		t.Errorf("request %+v", r)
	}
	if errs := r.Check(); len(errs) != 0 {
		t.Errorf("the submitted request does not validate: %v", errs)
	}
}

var wizardSteps = []provisioning.Step{
	{Name: "request", Title: "读取开通请求", State: provisioning.StateOK, Reason: "330106001-T09"},
	{Name: "input", Title: "核对开通信息", State: provisioning.StateOK, Reason: "330106001-T09"},
	{Name: "ca", Title: "平台 CA 证书", State: provisioning.StateOK, Reason: "/etc/bianmin-kiosk/platform-ca.crt"},
	{Name: "store_key", Title: "存储密钥", State: provisioning.StateOK, Reason: "已在本机生成"},
	{Name: "enroll", Title: "终端开通（证书）", State: provisioning.StateOK, Reason: "证书有效期至 2027-12-02"},
	{Name: "devices", Title: "设备发现", State: provisioning.StateOK, Reason: "idcard /dev/ttyUSB0；printer /dev/ttyS1；scanner escl"},
	{Name: "check.idcard", Title: "读卡器", State: provisioning.StateOK, Reason: "通过"},
}

// TestProvisionWizardGoldens: every step of the wizard in portrait and
// landscape (testdata/provision/*.png, -update rewrites): the three field
// pages filled (the second with a bad division code's message), the review,
// the progress while running, a failure with its Chinese reason and the
// retry that needs no new code once the certificate was issued, and the
// success that restarts the kiosk exactly once.
func TestProvisionWizardGoldens(t *testing.T) {
	for _, size := range []fyne.Size{fyne.NewSize(1080, 1920), fyne.NewSize(1920, 1080)} {
		name := fmt.Sprintf("%dx%d", int(size.Width), int(size.Height))
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			wiz, p, w := newWizard(t, size)
			shot := func(step string) { assertGolden(t, "provision/"+step+"-"+name+".png", capture(w)) }
			shot("1-empty")
			fill(wiz)
			shot("1-terminal")
			tapButton(t, w, "下一步")
			wiz.SetField(provisioning.FieldDivision, "330106013000")
			tapButton(t, w, "下一步")
			shot("2-station-bad-division")
			wiz.SetField(provisioning.FieldDivision, "330106013201")
			tapButton(t, w, "下一步")
			shot("3-platform")
			tapButton(t, w, "下一步")
			shot("4-review")
			tapButton(t, w, "开始开通")
			if wiz.Poll(ctx) {
				t.Fatal("finished before any result")
			}
			shot("5-waiting")
			running := append([]provisioning.Step(nil), wizardSteps...)
			running = append(running, provisioning.Step{Name: "check.receipt", Title: "回执打印", State: provisioning.StateRunning})
			p.set(provisioning.Result{RequestID: "req-1", State: provisioning.StateRunning, Terminal: "330106001-T09", Steps: running})
			if wiz.Poll(ctx) {
				t.Fatal("finished while running")
			}
			shot("6-running")
			failed := append([]provisioning.Step(nil), wizardSteps...)
			failed = append(failed, provisioning.Step{Name: "check.receipt", Title: "回执打印", State: provisioning.StateFailed, Reason: "打印机缺纸"})
			p.set(provisioning.Result{RequestID: "req-1", State: provisioning.StateFailed, Terminal: "330106001-T09", Steps: failed, Reason: "回执打印：打印机缺纸"})
			if !wiz.Poll(ctx) {
				t.Fatal("a failure did not finish the wait")
			}
			shot("7-failed")
			// Paper in, retry: the code is spent, the certificate kept.
			tapButton(t, w, "重新开通")
			if len(p.reqs) != 2 || p.reqs[1].Code != "" || p.reqs[1].ID != "req-2" {
				t.Fatalf("retry requests %+v", p.reqs)
			}
			done := append([]provisioning.Step(nil), wizardSteps...)
			done = append(done, provisioning.Step{Name: "check.receipt", Title: "回执打印", State: provisioning.StateOK, Reason: "通过"},
				provisioning.Step{Name: "config", Title: "写入配置", State: provisioning.StateOK, Reason: "/etc/bianmin-kiosk/kiosk.toml"})
			p.set(provisioning.Result{RequestID: "req-2", State: provisioning.StateSucceeded, Terminal: "330106001-T09", Steps: done})
			if !wiz.Poll(ctx) {
				t.Fatal("success did not finish the wait")
			}
			shot("8-succeeded")
			wiz.Poll(ctx)
			waitFor(t, func() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.restarts == 1 })
			p.mu.Lock()
			if p.restarts != 1 {
				t.Errorf("%d restarts", p.restarts)
			}
			p.mu.Unlock()
		})
	}
}

// TestProvisionWizardKeyboard: the 键盘 button beside the division code
// opens the numeric pad below the form; its keys type into the field, 确定
// closes it (portrait and landscape goldens: testdata/provision/keyboard-*).
func TestProvisionWizardKeyboard(t *testing.T) {
	for _, size := range []fyne.Size{fyne.NewSize(1080, 1920), fyne.NewSize(1920, 1080)} {
		name := fmt.Sprintf("%dx%d", int(size.Width), int(size.Height))
		t.Run(name, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewWindow(nil)
			w.Resize(size)
			wiz := ShowProvisionWizard(w, &fakeProvisioner{}, ProvisionOptions{Platform: "https://zwfw-kiosk.example.gov.cn",
				Keyboard: TouchKeyboard{}})
			w.Resize(size)
			fill(wiz)
			wiz.SetField(provisioning.FieldDivision, "")
			tapButton(t, w, "下一步")
			buttons := 0
			walk(w.Content(), func(o fyne.CanvasObject) {
				if b, ok := o.(*widget.Button); ok && b.Text == "键盘" {
					buttons++
					if buttons == 1 { // the division code's, the page's first field
						test.Tap(b)
					}
				}
			})
			pad := find[*widgets.NumericPad](w.Content())
			if pad == nil {
				t.Fatal("键盘 opened no numeric pad")
			}
			for _, k := range "330106013201" {
				test.Tap(pad.Key(string(k)))
			}
			if got := wiz.entries[provisioning.FieldDivision].Text; got != "330106013201" {
				t.Fatalf("the pad typed %q", got)
			}
			assertGolden(t, "provision/keyboard-"+name+".png", capture(w))
			test.Tap(pad.Key(widgets.LabelConfirm))
			if find[*widgets.NumericPad](w.Content()) != nil {
				t.Error("确定 left the pad open")
			}
			tapButton(t, w, "下一步")
			if wiz.Page() != 2 {
				t.Fatalf("page %d after typing the code on the pad", wiz.Page())
			}
		})
	}
}

// TestProvisionWizardSilentUnit: a request nobody answers (the path unit
// not enabled) is not "waiting" forever: after Silent the wizard says which
// unit to check. Kills: the silence never reported.
func TestProvisionWizardSilentUnit(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1080, 1920))
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	wiz := ShowProvisionWizard(w, &fakeProvisioner{}, ProvisionOptions{Platform: "https://zwfw-kiosk.example.gov.cn",
		Now: func() time.Time { return now }, Silent: time.Minute})
	fill(wiz)
	for _, b := range []string{"下一步", "下一步", "下一步", "开始开通"} {
		tapButton(t, w, b)
	}
	wiz.Poll(context.Background())
	if wiz.status.Text == ProvisionSilent {
		t.Fatal("silent at once")
	}
	now = now.Add(61 * time.Second)
	if wiz.Poll(context.Background()) {
		t.Fatal("finished without a result")
	}
	if wiz.status.Text != ProvisionSilent {
		t.Errorf("status %q after a minute without a result", wiz.status.Text)
	}
}
