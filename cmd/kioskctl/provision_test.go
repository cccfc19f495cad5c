package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	idsim "github.com/bianmin/kiosk/devices/idcard/sim"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	prsim "github.com/bianmin/kiosk/devices/printer/escpos/sim"
	qrsim "github.com/bianmin/kiosk/devices/qrscan/sim"
	"github.com/bianmin/kiosk/devices/scanner/escl/esclsim"
	scansim "github.com/bianmin/kiosk/devices/scanner/sim"
	"github.com/bianmin/kiosk/devices/serialport"
	"github.com/bianmin/kiosk/sync/catalogsig"
	"github.com/bianmin/kiosk/sync/platformsim"
)

// field is a fresh terminal in a village: the province's platform (the
// emulator over real mutual TLS, enrolling with its own CA) and the
// terminal's hardware (the simulators on their ptys and an eSCL scanner on
// loopback), nothing provisioned yet.
type field struct {
	plat                  *platformsim.Server
	url, caFile           string
	etc, data, cfg        string
	reader                *idsim.Reader
	printer               *prsim.Printer
	readerPTY, printerPTY string
	qrPTY, scannerURL     string
	scannerName           string // its mDNS instance name
	card                  *kiosk.Identity
}

func newField(t *testing.T) *field {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	dir := t.TempDir()
	f := &field{etc: filepath.Join(dir, "etc"), data: filepath.Join(dir, "var")}
	f.cfg = filepath.Join(f.etc, "kiosk.toml")

	plat, err := platformsim.New(platformsim.Config{DataDir: filepath.Join(dir, "platform")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plat.Close() })
	ca, err := platformsim.LoadOrCreateCA(filepath.Join(dir, "platform", "ca"))
	if err != nil {
		t.Fatal(err)
	}
	catKey := filepath.Join(dir, "platform", "catalog.key")
	priv, err := catalogsig.GenerateKey(catKey)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := os.ReadFile(catKey + ".pub")
	signed, err := catalogsig.Sign(priv, json.RawMessage(assets.CatalogJSON()), 1000, time.Now(), time.Now().AddDate(0, 1, 0))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(signed)
	if err := plat.SetCatalog(raw); err != nil {
		t.Fatal(err)
	}
	if err := plat.EnableEnrollment(ca, pub); err != nil {
		t.Fatal(err)
	}
	tc, err := ca.ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { plat.ServeTLS(ctx, ln, tc); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	f.plat, f.url = plat, "https://"+ln.Addr().String()
	// What the technician brings on a USB stick: the platform's CA.
	f.caFile = filepath.Join(dir, "usb-stick-platform-ca.crt")
	os.WriteFile(f.caFile, ca.PEM, 0o644)

	if f.reader, f.readerPTY, err = idsim.StartPTY(ctx, idsim.Config{Baud: 115200, SAMTime: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	f.card, _ = testcards.Get("resident")
	f.reader.PlaceCard(f.card)
	if f.printer, f.printerPTY, err = prsim.StartPTY(ctx, prsim.Config{Profile: escpos.ProfileFor(80), Font: assets.FontTTF()}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.printer.Close() })
	qr, qrPTY, err := qrsim.StartPTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.qrPTY = qrPTY
	go func() { // the technician holds the test receipt under the QR scanner
		for ctx.Err() == nil {
			qr.Send("https://zwfw.example.gov.cn/track?n=SELFTEST")
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	esc := esclsim.New(scansim.New(scansim.Knobs{Pages: 1}), nil)
	if f.scannerURL, err = esc.Start(ctx, "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	// The network scanner is found by mDNS (advertised on loopback only).
	f.scannerName = fmt.Sprintf("Bianmin e2e scanner %d-%d", os.Getpid(), fieldSeq.Add(1))
	if _, err := esc.Advertise(ctx, esclsim.Advert{Instance: f.scannerName}); err != nil {
		t.Fatal(err)
	}
	return f
}

var fieldSeq atomic.Int64

// provisionArgs is the technician's script; the reader and the printer are
// found by probing both ports.
func (f *field) provisionArgs(code string) []string {
	return []string{"provision", "--config", f.cfg, "--data", f.data,
		"--station-code", "330106001", "--station-name", "西湖区转塘街道双流村便民服务站", "--terminal", "T09",
		"--division", "330106013201", "--address", "双流村村委会一楼",
		"--platform", f.url, "--platform-ca", f.caFile, "--code", code,
		"--ports", f.printerPTY + "," + f.readerPTY, "--idcard", "auto", "--printer", "auto",
		"--scanner", "mdns:" + f.scannerName, "--qr", "serial:" + f.qrPTY, "--a4", "none", "--voice=false", "--json"}
}

func kioskctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func modeOf(t *testing.T, p string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// TestProvisionEndToEnd is issue 15's "done when": a fresh terminal is
// provisioned against the emulator with an enrollment code (key made here,
// CSR, certificate stored 0600, store key made), its devices found and
// tested, the configuration written and loading as the kiosk loads it;
// kioskctl selftest passes on the simulators; the kiosk's parts started
// from that file read a card, take an application and print its receipt,
// and the relay delivers it over mutual TLS under the enrolled identity;
// while the kiosk holds the reader, selftest is refused the port.
func TestProvisionEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	f := newField(t)
	code, err := f.plat.NewEnrollmentCode("330106001-T09", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	st, out, errs := kioskctl(t, f.provisionArgs(code)...)
	if st != 0 {
		t.Fatalf("provision: exit %d\n%s\n%s", st, out, errs)
	}
	var rep provisionReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, out)
	}
	if !rep.Enrolled || !rep.Written || rep.Terminal != "330106001-T09" {
		t.Errorf("report %+v", rep)
	}
	// Keys and certificate on the terminal, private to it.
	for _, p := range []string{"terminal.key", "terminal.crt", "store.key"} {
		if m := modeOf(t, filepath.Join(f.etc, p)); m != 0o600 {
			t.Errorf("%s mode %04o, want 0600", p, m)
		}
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(f.etc, "terminal.crt"), filepath.Join(f.etc, "terminal.key"))
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	if leaf.Subject.CommonName != "330106001-T09" {
		t.Errorf("certificate for %q", leaf.Subject.CommonName)
	}
	// The devices were found where they are.
	cfg, err := config.Load(f.cfg)
	if err != nil {
		t.Fatalf("the written configuration does not load: %v", err)
	}
	if cfg.Mode != config.ModeProduction || cfg.IDCard.Backend != config.BackendSerial || cfg.IDCard.Port != f.readerPTY ||
		cfg.Printer.Backend != config.BackendSerial || cfg.Printer.Port != f.printerPTY || cfg.Station.Division != "330106013201" ||
		cfg.Scanner.Backend != config.BackendESCL || cfg.Scanner.Device != f.scannerURL {
		t.Errorf("configuration: mode %s idcard %s %s printer %s %s division %s scanner %s %s", cfg.Mode, cfg.IDCard.Backend, cfg.IDCard.Port,
			cfg.Printer.Backend, cfg.Printer.Port, cfg.Station.Division, cfg.Scanner.Backend, cfg.Scanner.Device)
	}
	for _, name := range []string{"idcard", "receipt", "scan", "qr", "disk", "platform", "clock", "catalog"} {
		found := false
		for _, r := range rep.Checks {
			found = found || (r.Name == name && r.OK)
		}
		if !found {
			t.Errorf("provision did not pass check %s: %+v", name, rep.Checks)
		}
	}

	// The self-test of the simulators, as the technician runs it.
	st, out, errs = kioskctl(t, "selftest", "--config", f.cfg, "--json", "--card-wait", "20s", "--qr-wait", "20s")
	var rs []selftest.Result
	json.Unmarshal([]byte(out), &rs)
	if st != 0 {
		t.Fatalf("selftest: exit %d\n%s\n%s", st, out, errs)
	}
	names := map[string]bool{}
	for _, r := range rs {
		names[r.Name] = r.OK
	}
	for _, n := range []string{"idcard", "receipt", "scan", "qr", "store", "disk", "platform", "clock", "catalog"} {
		if !names[n] {
			t.Errorf("selftest: %s missing or failed: %s", n, out)
		}
	}

	// The kiosk's parts, from the file provisioning wrote.
	term, err := terminal.Start(context.Background(), cfg, terminal.Options{Fast: true})
	if err != nil {
		t.Fatalf("start the provisioned terminal: %v", err)
	}
	defer term.Close()
	s := term.Session
	waitUntil(t, "card read", 20*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenHome })

	// While the kiosk owns the reader, selftest is refused its port.
	st, out, _ = kioskctl(t, "selftest", "--config", f.cfg, "--json", "--skip", "receipt,scan,qr,store,disk,platform,clock,catalog")
	json.Unmarshal([]byte(out), &rs)
	if st == 0 || len(rs) != 1 || rs[0].OK || rs[0].Reason != selftest.ReasonBusy {
		t.Errorf("selftest while the kiosk holds the reader: exit %d %+v", st, rs)
	}

	// Any verb, not only selftest: idcard read on the appliance's
	// configuration sees the kiosk's lock too.
	saved := defaultConfigPath
	defaultConfigPath = f.cfg
	serialport.SetLockDir("") // as in a fresh kioskctl process
	st, _, errs = kioskctl(t, "idcard", "read", "--port", f.readerPTY, "--timeout", "2")
	defaultConfigPath = saved
	if st == 0 || !strings.Contains(errs, "in use") {
		t.Errorf("idcard read while the kiosk holds the reader: exit %d %s", st, errs)
	}

	submitOverMutualTLS(t, f, term)
}

// TestProvisionRefusesCodes: a used, an expired and a wrong enrollment code
// are refused with the reason, and nothing is written.
func TestProvisionRefusesCodes(t *testing.T) {
	f := newField(t)
	used, _ := f.plat.NewEnrollmentCode("330106001-T09", 10*time.Minute)
	if st, out, errs := kioskctl(t, f.provisionArgs(used)...); st != 0 {
		t.Fatalf("first provision: %d %s %s", st, out, errs)
	}
	expired, _ := f.plat.NewEnrollmentCode("330106001-T09", time.Nanosecond)
	for name, code := range map[string]string{"used": used, "expired": expired, "wrong": "AAAA-BBBB-CCCC-DDDD"} {
		args := append(f.provisionArgs(code), "--force")
		before, _ := os.ReadFile(filepath.Join(f.etc, "terminal.crt"))
		st, _, errs := kioskctl(t, args...)
		if st != exitProvisionChecks || !strings.Contains(errs, "开通码无效、已使用或已过期") {
			t.Errorf("%s code: exit %d, %s", name, st, errs)
		}
		after, _ := os.ReadFile(filepath.Join(f.etc, "terminal.crt"))
		if !bytes.Equal(before, after) {
			t.Errorf("%s code: the certificate was replaced", name)
		}
	}
	// A fresh terminal without a code cannot enroll.
	g := newField(t)
	args := g.provisionArgs("")
	if st, _, errs := kioskctl(t, args...); st != 2 || !strings.Contains(errs, "--code") {
		t.Errorf("no code: exit %d %s", st, errs)
	}
	if _, err := os.Stat(g.cfg); !errors.Is(err, os.ErrNotExist) {
		t.Error("a configuration was written without enrollment")
	}
}

// TestProvisionFailingCheckWritesNothing: with the printer out of paper the
// checks fail, the exit status says so, and the configuration already there
// is left as it was.
func TestProvisionFailingCheckWritesNothing(t *testing.T) {
	f := newField(t)
	os.MkdirAll(f.etc, 0o755)
	old := []byte("# the package's example, untouched\nmode = \"simulation\"\n")
	os.WriteFile(f.cfg, old, 0o644)
	f.printer.SetPaperOut(true)
	code, _ := f.plat.NewEnrollmentCode("330106001-T09", 10*time.Minute)
	st, out, _ := kioskctl(t, f.provisionArgs(code)...)
	if st != exitProvisionChecks {
		t.Fatalf("exit %d, want %d\n%s", st, exitProvisionChecks, out)
	}
	if !strings.Contains(out, "打印机缺纸") {
		t.Errorf("the report does not say the printer is out of paper:\n%s", out)
	}
	if b, _ := os.ReadFile(f.cfg); !bytes.Equal(b, old) {
		t.Errorf("the configuration changed:\n%s", b)
	}
	// Paper in: the same script, without a new code (the certificate is kept).
	f.printer.Refill()
	args := f.provisionArgs("")
	if st, out, errs := kioskctl(t, args...); st != 0 {
		t.Fatalf("second run: %d %s %s", st, out, errs)
	}
}

// TestProvisionInteractive: with --interactive the values not given as
// flags are asked for, a bad division code is asked again, and the result
// is the same provisioned terminal.
func TestProvisionInteractive(t *testing.T) {
	f := newField(t)
	code, _ := f.plat.NewEnrollmentCode("330106001-T09", 10*time.Minute)
	provisionInput = strings.NewReader(strings.Join([]string{"330106001", "双流村便民服务站", "T09",
		"330106013000", "330106013201", "", f.url, f.caFile, code}, "\n") + "\n")
	t.Cleanup(func() { provisionInput = os.Stdin })
	st, out, errs := kioskctl(t, "provision", "--interactive", "--config", f.cfg, "--data", f.data,
		"--ports", f.printerPTY+","+f.readerPTY, "--scanner", "none", "--qr", "none", "--a4", "none", "--voice=false")
	if st != 0 {
		t.Fatalf("exit %d\n%s\n%s", st, out, errs)
	}
	if !strings.Contains(errs, "village") {
		t.Errorf("the bad division code was not refused:\n%s", errs)
	}
	cfg, err := config.Load(f.cfg)
	if err != nil || cfg.Station.Division != "330106013201" || cfg.Station.Terminal != "T09" || cfg.Station.Address != "" {
		t.Errorf("configuration %+v %v", cfg.Station, err)
	}
}

// submitOverMutualTLS takes an application at the started terminal (the
// resident's card is on the reader), prints its receipt and waits until the
// platform has it over mutual TLS from the enrolled identity 330106001-T09.
func submitOverMutualTLS(t *testing.T, f *field, term *terminal.Terminal) {
	t.Helper()
	s := term.Session
	waitUntil(t, "card read", 20*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenHome })
	var item string
	for _, it := range term.Catalog.Items {
		ok := it.Kiosk
		for _, m := range it.Materials {
			if m.Required && !m.FromCard && !m.Committable && !m.Deferrable && m.ELicence == "" {
				ok = false
			}
		}
		if ok {
			item = it.Code
			break
		}
	}
	if item == "" {
		t.Fatal("no kiosk item without required scans in the catalogue")
	}
	if err := s.ChooseItem(item); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	it, _ := term.Catalog.Item(item)
	terminal.FillSample(s, it)
	if !s.SubmitForm() {
		t.Fatalf("form: %v", s.Snapshot().FieldErrors)
	}
	for i, m := range s.Snapshot().Materials {
		if m.Mode == "" && m.Spec.Committable {
			_ = s.SetMaterialMode(i, kiosk.MaterialCommitted)
			_ = s.Sign([]byte("\x89PNG\r\n\x1a\n signature"))
		} else if m.Mode == "" && m.Spec.Deferrable {
			_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
		}
	}
	if err := s.Review(); err != nil {
		t.Fatalf("%v: item %s materials %+v", err, item, s.Snapshot().Materials)
	}
	s.Submit()
	waitUntil(t, "receipt", 30*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenDone })
	no := s.Snapshot().Receipt.AcceptanceNo
	waitUntil(t, "delivered over mutual TLS", 60*time.Second, func() bool {
		rec, err := f.plat.Received()
		if err != nil {
			return false
		}
		for _, r := range rec {
			if r.AcceptanceNo == no && r.Submitted {
				if r.Terminal != "330106001-T09" {
					t.Fatalf("the platform received it from %q, not the enrolled identity", r.Terminal)
				}
				return true
			}
		}
		return false
	})
}
