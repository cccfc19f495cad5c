package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/devices/scanner/escl/esclsim"
	scansim "github.com/bianmin/kiosk/devices/scanner/sim"
)

func scanCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var o, e bytes.Buffer
	code := run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func pdfPages(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("%s is not a PDF", path)
	}
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		return ""
	}
	out, err := exec.Command("pdfinfo", path).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Pages:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "Pages:"))
		}
	}
	return "?"
}

func TestScannerScanSim(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "m.pdf")
	code, stdout, stderr := scanCmd(t, "scanner", "scan", "--backend", "sim", "--source", "feeder", "--pages", "2", "--dpi", "75", "--out", out, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var rep scanReport
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	if len(rep.Pages) != 2 || rep.State != "ready" || rep.Pages[0].Skew == 0 {
		t.Errorf("report %+v", rep)
	}
	if n := pdfPages(t, out); n != "" && n != "2" {
		t.Errorf("pdf has %s pages", n)
	}
}

func TestScannerScanSANETest(t *testing.T) {
	if _, err := exec.LookPath("scanimage"); err != nil {
		t.Skip("scanimage not installed")
	}
	out := filepath.Join(t.TempDir(), "sane.pdf")
	code, stdout, stderr := scanCmd(t, "scanner", "scan", "--backend", "sane", "--device", "test", "--sane-arg=--test-picture", "--sane-arg=Grid",
		"--source", "feeder", "--pages", "3", "--dpi", "50", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "3 pages") {
		t.Errorf("stdout %q", stdout)
	}
	if n := pdfPages(t, out); n != "" && n != "3" {
		t.Errorf("pdf has %s pages", n)
	}
	// The feeder is empty: exit 3 and the state (texts are the UI's).
	code, _, stderr = scanCmd(t, "scanner", "scan", "--backend", "sane", "--device", "test",
		"--sane-arg=--read-return-value", "--sane-arg=SANE_STATUS_NO_DOCS", "--source", "feeder", "--dpi", "50", "--out", out)
	if code != exitScanFeederEmpty || !strings.Contains(stderr, "feeder_empty") {
		t.Errorf("feeder empty: exit %d %q", code, stderr)
	}
}

func TestScannerScanESCLJam(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := esclsim.New(scansim.New(scansim.Knobs{Pages: 4, JamAfter: 1}), nil)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "jam.pdf")
	code, _, stderr := scanCmd(t, "scanner", "scan", "--backend", "escl", "--device", base, "--source", "feeder", "--dpi", "75", "--out", out)
	if code != exitScanJam || !strings.Contains(stderr, "state jam") {
		t.Fatalf("exit %d %q", code, stderr)
	}
	// The page scanned before the jam is kept.
	if n := pdfPages(t, out); n != "" && n != "1" {
		t.Errorf("pdf has %s pages", n)
	}
	code, stdout, _ := scanCmd(t, "scanner", "status", "--backend", "escl", "--device", base)
	if code != 0 || !strings.HasPrefix(stdout, "jam") {
		t.Errorf("status exit %d %q", code, stdout)
	}
	code, _, _ = scanCmd(t, "scanner", "scan", "--backend", "nope", "--out", out)
	if code != 2 {
		t.Errorf("bad backend: exit %d", code)
	}
}
