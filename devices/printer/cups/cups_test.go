package cups

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/OpenPrinting/goipp"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/devices/printer"
)

// font is the bundled subset the kiosk prints forms with.
func font(t *testing.T) []byte {
	t.Helper()
	return assets.FontTTF()
}

func TestMapState(t *testing.T) {
	tests := []struct {
		state   int
		reasons []string
		want    kiosk.DeviceState
	}{
		{3, []string{"none"}, kiosk.DeviceReady},
		{4, []string{"none"}, kiosk.DeviceBusy},
		{3, []string{"media-low-warning"}, kiosk.DevicePaperLow},
		{3, []string{"toner-low"}, kiosk.DevicePaperLow},
		{5, []string{"media-empty-error"}, kiosk.DevicePaperOut},
		{4, []string{"media-needed"}, kiosk.DevicePaperOut},
		{5, []string{"media-jam"}, kiosk.DeviceJam},
		{5, []string{"cover-open", "media-empty"}, kiosk.DeviceCoverOpen},
		{3, []string{"door-open-error"}, kiosk.DeviceCoverOpen},
		{5, []string{"paused"}, kiosk.DeviceError},
		{5, []string{"offline-report"}, kiosk.DeviceError},
		{5, []string{"offline"}, kiosk.DeviceDisconnected},
		{3, []string{"media-empty-report"}, kiosk.DeviceReady},
		{0, nil, kiosk.DeviceDisconnected},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.state, tt.reasons), func(t *testing.T) {
			if got := MapState(tt.state, tt.reasons); got.State != tt.want {
				t.Errorf("got %s, want %s", got.State, tt.want)
			}
		})
	}
}

// fakeCUPS answers Get-Printer-Attributes with state/reasons and records
// Print-Job documents.
func fakeCUPS(t *testing.T, state int, reasons ...string) (*httptest.Server, *[]byte) {
	var doc []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req goipp.Message
		if err := req.DecodeBytes(body); err != nil {
			t.Errorf("bad IPP request: %v", err)
			http.Error(w, "bad", 400)
			return
		}
		resp := goipp.NewResponse(goipp.DefaultVersion, goipp.StatusOk, req.RequestID)
		switch goipp.Op(req.Code) {
		case goipp.OpGetPrinterAttributes:
			resp.Printer.Add(goipp.MakeAttribute("printer-state", goipp.TagEnum, goipp.Integer(state)))
			var vals goipp.Values
			for _, r := range reasons {
				vals.Add(goipp.TagKeyword, goipp.String(r))
			}
			resp.Printer.Add(goipp.Attribute{Name: "printer-state-reasons", Values: vals})
		case goipp.OpPrintJob:
			// The document follows the encoded request.
			enc, _ := req.EncodeBytes()
			doc = body[len(enc):]
			resp.Job.Add(goipp.MakeAttribute("job-id", goipp.TagInteger, goipp.Integer(42)))
		}
		b, _ := resp.EncodeBytes()
		w.Header().Set("Content-Type", goipp.ContentType)
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &doc
}

func TestClientAgainstFake(t *testing.T) {
	ctx := context.Background()
	srv, doc := fakeCUPS(t, 3, "none")
	c := &Client{Host: strings.TrimPrefix(srv.URL, "http://"), Queue: "A4"}
	st, err := c.Status(ctx)
	if err != nil || st.State != kiosk.DeviceReady {
		t.Fatalf("status %+v %v", st, err)
	}
	id, err := c.PrintPDF(ctx, "form", []byte("%PDF-1.4 test"))
	if err != nil || id != 42 {
		t.Fatalf("print: %d %v", id, err)
	}
	if string(*doc) != "%PDF-1.4 test" {
		t.Errorf("document sent %q", *doc)
	}

	srv2, doc2 := fakeCUPS(t, 5, "media-empty-error")
	c2 := &Client{Host: strings.TrimPrefix(srv2.URL, "http://"), Queue: "A4"}
	if _, err := c2.PrintPDF(ctx, "form", []byte("%PDF")); !errors.Is(err, printer.ErrPaperOut) {
		t.Errorf("err = %v, want ErrPaperOut", err)
	}
	if len(*doc2) != 0 {
		t.Error("document sent to a printer without paper")
	}

	c3 := &Client{Host: "127.0.0.1:1", Queue: "A4"}
	if st, err := c3.Status(ctx); !errors.Is(err, printer.ErrDisconnected) || st.State != kiosk.DeviceDisconnected {
		t.Errorf("unreachable: %+v %v", st, err)
	}
}

func longForm() Form {
	f := Form{Title: "城乡居民基本养老保险参保登记 申请表", Subtitle: "受理编号 3301060012026112300017", Signature: true, Footer: "某某村便民服务站 T01"}
	f.Fields = append(f.Fields, Field{"申请人", "张三丰"}, Field{"联系地址", strings.Repeat("浙江省杭州市西湖区转塘街道某某村", 5)})
	for i := 1; i <= 40; i++ {
		f.Fields = append(f.Fields, Field{fmt.Sprintf("字段%d", i), fmt.Sprintf("值 %d", i)})
	}
	return f
}

func pdfPages(t *testing.T, path string) int {
	t.Helper()
	out, err := exec.Command("pdfinfo", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo: no page count in %s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

func TestFormPDF(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext not installed (poppler-utils)")
	}
	b, err := FormPDF(longForm(), font(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "form.pdf")
	os.WriteFile(path, b, 0o644)
	if n := pdfPages(t, path); n != 2 {
		t.Errorf("%d pages, want 2", n)
	}
	text, err := exec.Command("pdftotext", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(text)), "") // pdftotext drops or adds spaces
	for _, want := range []string{"城乡居民基本养老保险参保登记申请表", "张三丰", "字段40", "申请人（签名）", "第2页"} {
		if !strings.Contains(flat, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
}

func TestApplicationForm(t *testing.T) {
	a := &kiosk.Application{AcceptanceNo: "X1", ItemName: "事项", Form: map[string]string{"phone": "13800000000", "zz": "z", "aa": "a"},
		Applicant: kiosk.Identity{Name: "李\ue000", IDNumber: "110101199003074218"}}
	f := ApplicationForm(a, []kiosk.FieldSpec{{Key: "phone", Label: "联系电话"}})
	got := fmt.Sprint(f.Fields)
	want := "[{申请人 李□} {证件号码 110101199003074218} {联系电话 13800000000} {aa a} {zz z}]"
	if got != want {
		t.Errorf("fields %s\nwant %s", got, want)
	}
}

// cupsd starts a private cupsd on a free port with a cups-pdf queue "PDF".
func cupsd(t *testing.T) (host, sock string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to run cupsd and the cups-pdf backend")
	}
	for _, p := range []string{"/usr/sbin/cupsd", "/usr/lib/cups/backend/cups-pdf", "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("cups or printer-driver-cups-pdf not installed: %v", err)
		}
	}
	host, sock, _ = startCupsd(t, nil)
	out, err := exec.Command("lpadmin", "-p", "PDF", "-v", "cups-pdf:/", "-E", "-P", "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd").CombinedOutput()
	if err != nil {
		t.Fatalf("lpadmin: %v: %s", err, out)
	}
	return host, sock
}

// startCupsd starts a private cupsd (its own directories, a free port on
// 127.0.0.1, a socket) with no queue; edit, if not nil, changes its
// cupsd.conf before it starts. CUPS_SERVER points lpadmin and lp at it.
// It returns the spool directory (RequestRoot) too.
func startCupsd(t *testing.T, edit func(conf string)) (host, sock, spool string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host = l.Addr().String()
	l.Close()
	dir, err := os.MkdirTemp("", "cupsd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	for _, d := range []string{"etc/ppd", "spool", "cache", "state", "log"} {
		os.MkdirAll(filepath.Join(dir, d), 0o755)
	}
	os.MkdirAll(filepath.Join(dir, "tmp"), 0o1777)
	os.Chmod(filepath.Join(dir, "tmp"), 0o1777)
	sock = filepath.Join(dir, "cups.sock")
	conf := fmt.Sprintf(`Listen %s
Listen %s
LogLevel info
WebInterface No
Browsing Off
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
`, host, sock)
	files := fmt.Sprintf(`SystemGroup root
RequestRoot %[1]s/spool
CacheDir %[1]s/cache
StateDir %[1]s/state
TempDir %[1]s/tmp
AccessLog %[1]s/log/access_log
ErrorLog %[1]s/log/error_log
PageLog %[1]s/log/page_log
ServerBin /usr/lib/cups
DataDir /usr/share/cups
`, dir)
	os.WriteFile(filepath.Join(dir, "etc/cupsd.conf"), []byte(conf), 0o644)
	os.WriteFile(filepath.Join(dir, "etc/cups-files.conf"), []byte(files), 0o644)
	if edit != nil {
		edit(filepath.Join(dir, "etc/cupsd.conf"))
	}
	cmd := exec.Command("/usr/sbin/cupsd", "-f", "-c", filepath.Join(dir, "etc/cupsd.conf"), "-s", filepath.Join(dir, "etc/cups-files.conf"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Skipf("cupsd cannot start: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(dir, "log/error_log"))
			lines := strings.Split(string(log), "\n")
			t.Logf("cupsd error_log (tail):\n%s", strings.Join(lines[max(0, len(lines)-30):], "\n"))
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		c, err := net.Dial("tcp", host)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Skipf("cupsd did not start: %s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Setenv("CUPS_SERVER", sock)
	return host, sock, filepath.Join(dir, "spool")
}

// cupsPDFOut is where cups-pdf writes a user's PDFs (Out in
// /etc/cups/cups-pdf.conf; ${HOME} of the job's user).
func cupsPDFOut(t *testing.T, u *user.User) string {
	out := "${HOME}/PDF"
	if b, err := os.ReadFile("/etc/cups/cups-pdf.conf"); err == nil {
		if m := regexp.MustCompile(`(?m)^Out\s+(\S+)`).FindSubmatch(b); m != nil {
			out = string(m[1])
		}
	}
	return strings.ReplaceAll(out, "${HOME}", u.HomeDir)
}

// waitJobFile waits for cups-pdf's output of job id (named …job_ID.pdf).
func waitJobFile(t *testing.T, dir string, id int, since time.Time) string {
	t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		m, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("*job_%d.pdf", id)))
		for _, p := range m {
			fi, err := os.Stat(p)
			if err != nil || fi.ModTime().Before(since.Add(-time.Second)) || fi.Size() == 0 {
				continue
			}
			// cups-pdf may still be writing: wait for a stable size and a
			// file pdfinfo can read.
			time.Sleep(300 * time.Millisecond)
			if fi2, err := os.Stat(p); err == nil && fi2.Size() == fi.Size() && exec.Command("pdfinfo", p).Run() == nil {
				return p
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no output for job %d in %s", id, dir)
	return ""
}

func TestCUPSIntegration(t *testing.T) {
	if testing.Short() {
		t.Skip("starts cupsd")
	}
	host, _ := cupsd(t)
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c := &Client{Host: host, Queue: "PDF", User: u.Username, Font: font(t)}

	st, err := c.Status(ctx)
	if err != nil || st.State != kiosk.DeviceReady {
		t.Fatalf("status %+v %v", st, err)
	}
	start := time.Now()
	pdf, err := FormPDF(longForm(), c.Font)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.PrintPDF(ctx, "application-form", pdf)
	if err != nil || id == 0 {
		t.Fatalf("print: id %d, %v", id, err)
	}
	out := waitJobFile(t, cupsPDFOut(t, u), id, start)
	defer os.Remove(out)
	if n := pdfPages(t, out); n != 2 {
		t.Errorf("printed PDF has %d pages, want 2", n)
	}
	// cups-pdf goes PDF → PostScript → PDF and loses the ToUnicode map of
	// the CJK font, so its text cannot be extracted; TestFormPDF checks the
	// text of what we submit.
	if text, err := exec.Command("pdftotext", out, "-").Output(); err != nil || len(bytes.TrimSpace(text)) == 0 {
		t.Errorf("printed PDF has no text layer: %v", err)
	}

	// The lp fallback reaches the same queue.
	if err := LP(ctx, "PDF", pdf); err != nil {
		t.Errorf("lp: %v", err)
	} else {
		os.Remove(waitJobFile(t, cupsPDFOut(t, u), id+1, start))
	}

	// A stopped queue is an error state and jobs are refused early.
	if out, err := exec.Command("cupsdisable", "PDF").CombinedOutput(); err != nil {
		t.Fatalf("cupsdisable: %v %s", err, out)
	}
	st, _ = c.Status(ctx)
	if st.State != kiosk.DeviceError {
		t.Errorf("stopped queue: %s (%s)", st.State, st.Detail)
	}
	if _, err := c.PrintPDF(ctx, "x", pdf); !errors.Is(err, printer.ErrFault) {
		t.Errorf("print on stopped queue: %v", err)
	}
}
