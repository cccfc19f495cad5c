package cups

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets"
)

// ippEvePrinter starts CUPS's IPP Everywhere printer emulator on a free
// loopback port, keeping every document it receives in the returned
// directory. It does not advertise itself (-r off); it still wants a D-Bus
// system bus to reach Avahi through, so it gets a private bus with no Avahi
// on it: nothing is announced, nothing leaves the loopback interface.
func ippEvePrinter(t *testing.T) (uri, docs string) {
	t.Helper()
	for _, p := range []string{"ippeveprinter", "dbus-daemon", "pdftotext", "lpadmin"} {
		if _, err := exec.LookPath(p); err != nil {
			t.Fatalf("%s missing: run make deps (cups-ipp-utils, dbus-daemon, poppler-utils, cups in packaging/build-deps.txt)", p)
		}
	}
	dir, err := os.MkdirTemp("", "ippeve") // short: a socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bus := filepath.Join(dir, "bus")
	dbus := exec.Command("dbus-daemon", "--session", "--nofork", "--nopidfile", "--address=unix:path="+bus)
	if err := dbus.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbus.Process.Kill(); dbus.Wait() })
	waitFor(t, "dbus socket", func() bool { _, err := os.Stat(bus); return err == nil })

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	docs = filepath.Join(dir, "docs")
	os.Mkdir(docs, 0o700)
	eve := exec.Command("ippeveprinter", "-p", fmt.Sprint(port), "-r", "off", "-k", "-d", docs, "-f", "application/pdf", "-m", "KioskA4",
		"-c", "/bin/true", // "prints" at once (without a command it sleeps 5-15 s per job)
		"KioskA4")
	eve.Env = append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS=unix:path="+bus)
	var stderr bytes.Buffer
	eve.Stderr = &stderr
	if err := eve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eve.Process.Kill()
		eve.Wait()
		if t.Failed() {
			t.Logf("ippeveprinter: %s", stderr.String())
		}
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	waitFor(t, "ippeveprinter", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return "ipp://" + addr + "/ipp/print", docs
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not ready after 20 s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kioskForm is the kiosk's A4 application form for a realistic application.
func kioskForm() Form {
	a := &kiosk.Application{AcceptanceNo: "330106001-T01-20261123-0017", ItemName: "城乡居民基本养老保险参保登记",
		Station:   kiosk.Station{Name: "西湖区转塘街道双流村便民服务站", Terminal: "T01"},
		Applicant: kiosk.Identity{Name: "张秀英", IDNumber: "11010519491231002X"},
		Form:      map[string]string{"phone": "13800138000", "address": "浙江省杭州市西湖区转塘街道双流村一组十二号", "bank": "中国农业银行杭州转塘支行"},
		Materials: []kiosk.MaterialSubmission{{Name: "户口簿", Mode: kiosk.MaterialScanned}}}
	return ApplicationForm(a, []kiosk.FieldSpec{{Key: "phone", Label: "联系电话"}, {Key: "address", Label: "户籍地址"}, {Key: "bank", Label: "开户银行"}})
}

// spoolFiles lists cupsd's job files (c: control, d: document) in its
// RequestRoot.
func spoolFiles(spool string) []string {
	var out []string
	es, _ := os.ReadDir(spool)
	for _, e := range es {
		if n := e.Name(); !e.IsDir() && len(n) > 1 && (n[0] == 'c' || n[0] == 'd') && n[1] >= '0' && n[1] <= '9' {
			out = append(out, n)
		}
	}
	return out
}

// TestFormThroughCUPSToIPPEverywhere prints the kiosk's A4 form through a
// real cupsd, configured with the kiosk's shipped settings
// (packaging/cups/cupsd-kiosk.conf applied by apply-cupsd-settings.sh), to
// an IPP Everywhere printer (ippeveprinter, queue made with -m everywhere);
// the document the printer received carries every text of the form, in
// Chinese, exactly; afterwards cupsd's spool holds no job file. A control run
// with CUPS's default settings shows the same check finds the kept files.
func TestFormThroughCUPSToIPPEverywhere(t *testing.T) {
	if testing.Short() {
		t.Skip("starts cupsd and ippeveprinter")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to run cupsd")
	}
	font := assets.FontTTF()
	form := kioskForm()
	pdf, err := FormPDF(form, font)
	if err != nil {
		t.Fatal(err)
	}
	apply, _ := filepath.Abs("../../../packaging/cups/apply-cupsd-settings.sh")
	for _, kioskSettings := range []bool{true, false} {
		name := map[bool]string{true: "kiosk settings", false: "CUPS defaults (control)"}[kioskSettings]
		t.Run(name, func(t *testing.T) {
			uri, docs := ippEvePrinter(t)
			var edit func(string)
			if kioskSettings {
				edit = func(conf string) {
					if out, err := exec.Command(apply, conf).CombinedOutput(); err != nil {
						t.Fatalf("apply-cupsd-settings.sh: %v: %s", err, out)
					}
				}
			}
			host, _, spool := startCupsd(t, edit)
			if out, err := exec.Command("lpadmin", "-p", "A4", "-v", uri, "-E", "-m", "everywhere").CombinedOutput(); err != nil {
				t.Fatalf("lpadmin -m everywhere: %v: %s", err, out)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			c := &Client{Host: host, Queue: "A4", User: "kiosk"}
			t0 := time.Now()
			defer func() { t.Logf("timing: total %v", time.Since(t0)) }()
			if _, err := c.PrintPDF(ctx, "application-form", pdf); err != nil {
				t.Fatalf("print: %v", err)
			}
			// The document as the printer received it.
			var got string
			waitFor(t, "document at the printer", func() bool {
				m, _ := filepath.Glob(filepath.Join(docs, "*", "*.pdf"))
				m2, _ := filepath.Glob(filepath.Join(docs, "*.pdf"))
				for _, p := range append(m, m2...) {
					if out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output(); err == nil && len(out) > 0 {
						got = string(out)
						return true
					}
				}
				return false
			})
			t.Logf("timing: document at printer after %v", time.Since(t0))
			// The job is no longer active at cupsd.
			waitFor(t, "job done", func() bool {
				out, err := exec.Command("lpstat", "-o", "A4").Output()
				return err == nil && len(bytes.TrimSpace(out)) == 0
			})
			t.Logf("timing: job done after %v", time.Since(t0))
			history, _ := exec.Command("lpstat", "-W", "completed", "-o", "A4").Output()
			if !kioskSettings {
				// CUPS's defaults keep the form's document file (d…) and
				// the job in the history: the checks below would see them.
				if files := spoolFiles(spool); len(files) == 0 {
					t.Errorf("control: no job file kept with CUPS's defaults; the spool check proves nothing")
				}
				if len(bytes.TrimSpace(history)) == 0 {
					t.Errorf("control: no job history with CUPS's defaults; the history check proves nothing")
				}
				return
			}
			if len(bytes.TrimSpace(history)) != 0 {
				t.Errorf("cupsd keeps the job in its history: %s", history)
			}
			flat := strings.Join(strings.Fields(got), "")
			want := []string{form.Title, strings.Join(strings.Fields(form.Subtitle), ""), form.Footer, "申请人（签名）", "户口簿"}
			for _, f := range form.Fields {
				want = append(want, f.Label, f.Value)
			}
			for _, w := range want {
				if w = strings.Join(strings.Fields(w), ""); !strings.Contains(flat, w) {
					t.Errorf("the printer's document lacks %q; its text:\n%s", w, got)
				}
			}
			waitFor(t, "no job file in the spool", func() bool { return len(spoolFiles(spool)) == 0 })
		})
		if t.Failed() {
			return
		}
	}
}
