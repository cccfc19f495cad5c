package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/provisioning"
	"github.com/bianmin/kiosk/app/screens"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/provision"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

// wizardRequest is what the first-boot wizard sends for the field's
// terminal 330106001-T09.
func (f *field) wizardRequest(t *testing.T, id, code string) provisioning.Request {
	t.Helper()
	ca, err := (&provision.Wizard{}).LoadCA(f.caFile)
	if err != nil {
		t.Fatal(err)
	}
	return provisioning.Request{Version: provisioning.Version, ID: id, Created: time.Now(),
		StationCode: "330106001", StationName: "西湖区转塘街道双流村便民服务站", Terminal: "T09",
		Division: "330106013201", Address: "双流村村委会一楼", Platform: f.url, PlatformCA: ca, Code: code}
}

// fromRequestArgs is bianmin-kiosk-provision.service's command line, with
// the site's device flags (its PROVISION_ARGS) for the simulators.
func (f *field) fromRequestArgs(req string) []string {
	return []string{"provision", "--from-request", req, "--config", f.cfg, "--data", f.data,
		"--ports", f.printerPTY + "," + f.readerPTY, "--idcard", "auto", "--printer", "auto",
		"--scanner", "escl:" + f.scannerURL, "--qr", "serial:" + f.qrPTY, "--a4", "none", "--voice=false", "--json"}
}

func readResult(t *testing.T, dir string) provisioning.Result {
	t.Helper()
	var r provisioning.Result
	b, err := os.ReadFile(filepath.Join(dir, provisioning.ResultFile))
	if err != nil {
		t.Fatalf("no result: %v", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestProvisionFromRequestEndToEnd is the first-boot wizard's path: the
// terminal carries the package's example configuration (production, no
// certificate: unprovisioned, so the kiosk shows the wizard); the wizard's
// request (written by the kiosk's side, 0600) is applied by kioskctl
// provision --from-request as the root unit runs it, against the
// emulator's enrollment; the result the wizard shows lists every step and
// succeeds; the kiosk then finds the terminal provisioned, starts from the
// written file and delivers an application over mutual TLS.
// Kills: Unprovisioned calling a certificate-less production file
// provisioned (the simulator or out-of-service would show instead); the
// request's fields not applied (the identity check fails); a result without
// its steps or outcome.
func TestProvisionFromRequestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end to end")
	}
	f := newField(t)
	os.MkdirAll(f.etc, 0o755)
	example, err := os.ReadFile("../../packaging/kiosk.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(f.cfg, example, 0o644)
	os.MkdirAll(f.data, 0o700)
	cfg, err := config.Load(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Simulated() || provision.Unprovisioned(cfg) == nil {
		t.Fatal("the package's configuration counts as provisioned: the kiosk would not show the wizard")
	}

	code, err := f.plat.NewEnrollmentCode("330106001-T09", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// The technician fills the wizard on the touchscreen (Fyne's test
	// driver; the kiosk's side of the request file, as cmd/kiosk wires it).
	test.NewTempApp(t)
	win := test.NewWindow(nil)
	win.Resize(fyne.NewSize(1080, 1920))
	restarts := make(chan struct{}, 4)
	wiz := &provision.Wizard{Dir: filepath.Join(f.data, provisioning.Dir), OnRestart: func() { restarts <- struct{}{} }}
	ui := screens.ShowProvisionWizard(win, wiz, screens.ProvisionOptions{Platform: cfg.Platform.URL})
	for field, v := range map[string]string{provisioning.FieldStationCode: "330106001", provisioning.FieldTerminal: "t09",
		provisioning.FieldDivision: "330106013201", provisioning.FieldStationName: "西湖区转塘街道双流村便民服务站",
		provisioning.FieldPlatform: f.url, provisioning.FieldPlatformCA: f.caFile,
		provisioning.FieldCode: strings.ToLower(strings.ReplaceAll(code, "-", ""))} { // as typed on the pad
		ui.SetField(field, v)
	}
	for _, b := range []string{"下一步", "下一步", "下一步", "开始开通"} {
		tapLabel(t, win, b)
	}
	if ui.Page() != 4 {
		t.Fatalf("the wizard did not submit: page %d", ui.Page())
	}
	reqPath := filepath.Join(wiz.Dir, provisioning.RequestFile)
	if m := modeOf(t, reqPath); m != 0o600 {
		t.Errorf("request mode %04o, want 0600", m)
	}
	if ui.Poll(context.Background()) {
		t.Error("the wizard finished before the unit ran")
	}

	st, out, errs := kioskctl(t, f.fromRequestArgs(reqPath)...)
	if st != 0 {
		t.Fatalf("provision --from-request: exit %d\n%s\n%s", st, out, errs)
	}
	if _, err := os.Stat(reqPath); !os.IsNotExist(err) {
		t.Errorf("the request is still there (the path unit would start again): %v", err)
	}
	if !ui.Poll(context.Background()) {
		t.Fatal("the wizard does not see the result")
	}
	select {
	case <-restarts:
	case <-time.After(10 * time.Second):
		t.Fatal("the wizard did not restart the kiosk after success")
	}
	res := readResult(t, wiz.Dir)
	if res.State != provisioning.StateSucceeded || res.Terminal != "330106001-T09" || res.Reason != "" {
		t.Errorf("result %+v", res)
	}
	steps := map[string]string{}
	for _, s := range res.Steps {
		steps[s.Name] = s.State
		if s.Title == "" {
			t.Errorf("step %s has no title", s.Name)
		}
	}
	for _, n := range []string{"request", "input", "ca", "store_key", "enroll", "devices", "check.idcard", "check.receipt", "check.scan", "check.qr", "check.platform", "check.clock", "check.catalog", "config"} {
		if steps[n] != provisioning.StateOK {
			t.Errorf("step %s: %q (steps %v)", n, steps[n], steps)
		}
	}

	// The kiosk's next start: provisioned, from the file provisioning wrote.
	cfg, err = config.Load(f.cfg)
	if err != nil {
		t.Fatalf("the written configuration does not load: %v", err)
	}
	if err := provision.Unprovisioned(cfg); err != nil {
		t.Fatalf("still unprovisioned: %v", err)
	}
	if cfg.Station.Code != "330106001" || cfg.Station.Terminal != "T09" || cfg.Station.Division != "330106013201" || cfg.Platform.URL != f.url {
		t.Errorf("station %+v platform %s", cfg.Station, cfg.Platform.URL)
	}
	if cfg.Store.DataDir != f.data {
		t.Errorf("data dir %s", cfg.Store.DataDir)
	}
	term, err := terminal.Start(context.Background(), cfg, terminal.Options{Fast: true})
	if err != nil {
		t.Fatalf("start the provisioned terminal: %v", err)
	}
	defer term.Close()
	submitOverMutualTLS(t, f, term)
}

// TestProvisionRequestRefused: a request the kiosk's user could have
// forged or tampered with is refused with the reason in the result, the
// platform's enrollment code is not spent and nothing is written: wrong
// mode, a key the request may not carry (the data directory), a symbolic
// link, a second hard link, another owner, a flag that would override the
// request; and a valid request at a terminal already provisioned.
// Kills (each subtest): the mode check, DisallowUnknownFields, O_NOFOLLOW,
// the link count check, the owner check, the flag clash check, the
// provisioned check.
func TestProvisionRequestRefused(t *testing.T) {
	f := newField(t)
	os.MkdirAll(f.data, 0o700)
	code, _ := f.plat.NewEnrollmentCode("330106001-T09", 10*time.Minute)
	wiz := &provision.Wizard{Dir: filepath.Join(f.data, provisioning.Dir)}
	reqPath := filepath.Join(wiz.Dir, provisioning.RequestFile)
	submit := func(id string) {
		t.Helper()
		if err := wiz.Submit(context.Background(), f.wizardRequest(t, id, code)); err != nil {
			t.Fatal(err)
		}
	}
	refused := func(name, says string, args ...string) {
		t.Helper()
		if args == nil {
			args = f.fromRequestArgs(reqPath)
		}
		st, out, errs := kioskctl(t, args...)
		if st != 2 {
			t.Errorf("%s: exit %d, want 2\n%s\n%s", name, st, out, errs)
		}
		if _, err := os.Stat(f.cfg); !os.IsNotExist(err) {
			t.Fatalf("%s: a configuration was written", name)
		}
		if _, err := os.Stat(filepath.Join(f.etc, "terminal.crt")); !os.IsNotExist(err) {
			t.Fatalf("%s: a certificate was issued", name)
		}
		if says == "" {
			return
		}
		res := readResult(t, wiz.Dir)
		if res.State != provisioning.StateFailed || !strings.Contains(res.Reason, says) {
			t.Errorf("%s: result %s %q, want failed saying %q", name, res.State, res.Reason, says)
		}
		os.Remove(reqPath)
	}

	submit("mode")
	os.Chmod(reqPath, 0o644)
	refused("mode 0644", "权限不对")

	submit("key")
	b, _ := os.ReadFile(reqPath)
	var m map[string]any
	json.Unmarshal(b, &m)
	m["data_dir"] = "/tmp/evil"
	b, _ = json.Marshal(m)
	os.WriteFile(reqPath, b, 0o600)
	refused("a data_dir key", "含不允许的项")

	submit("link")
	elsewhere := filepath.Join(t.TempDir(), "request.json")
	os.Rename(reqPath, elsewhere)
	os.Symlink(elsewhere, reqPath)
	refused("a symbolic link", "符号链接")

	submit("hardlink")
	os.Link(reqPath, filepath.Join(t.TempDir(), "second"))
	refused("a second hard link", "硬链接")

	submit("owner")
	if os.Geteuid() == 0 {
		os.Chown(reqPath, 4242, 4242)
		refused("another owner", "属主不对")
	} else if _, err := provision.ReadRequest(reqPath, os.Getuid()+1); err == nil || !strings.Contains(err.Error(), "属主不对") {
		t.Errorf("another owner: %v", err)
	}
	os.Remove(reqPath)

	submit("flag")
	refused("--platform beside --from-request", "", append(f.fromRequestArgs(reqPath), "--platform", "https://evil.example/")...)
	if _, err := os.Stat(reqPath); err != nil {
		t.Errorf("a refused command line consumed the request: %v", err)
	}

	// The code was never spent: the genuine request provisions the terminal.
	if st, out, errs := kioskctl(t, f.fromRequestArgs(reqPath)...); st != 0 {
		t.Fatalf("the genuine request: exit %d\n%s\n%s", st, out, errs)
	}
	before, _ := os.ReadFile(f.cfg)
	// Now provisioned: the touchscreen cannot re-point it.
	code2, _ := f.plat.NewEnrollmentCode("330106001-T09", 10*time.Minute)
	r := f.wizardRequest(t, "again", code2)
	r.Platform = "https://evil.example/"
	if err := wiz.Submit(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	st, out, errs := kioskctl(t, f.fromRequestArgs(reqPath)...)
	if st != 2 {
		t.Errorf("a request at a provisioned terminal: exit %d\n%s\n%s", st, out, errs)
	}
	if after, _ := os.ReadFile(f.cfg); string(after) != string(before) {
		t.Error("the provisioned configuration changed")
	}
	if res := readResult(t, wiz.Dir); res.State != provisioning.StateFailed || !strings.Contains(res.Reason, "本终端已开通") {
		t.Errorf("result %+v", res)
	}
}

// tapLabel taps the visible button labelled label.
func tapLabel(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	var found *widget.Button
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() || found != nil {
			return
		}
		switch v := o.(type) {
		case *widget.Button:
			if v.Text == label && !v.Disabled() {
				found = v
			}
		case *fyne.Container:
			for _, c := range v.Objects {
				walk(c)
			}
		case *container.Scroll:
			walk(v.Content)
		}
	}
	walk(w.Content())
	if found == nil {
		t.Fatalf("no button %q", label)
	}
	test.Tap(found)
}
