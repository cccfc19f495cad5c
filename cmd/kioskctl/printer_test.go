package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/printer/escpos/sim"
)

func runPrinter(ctx context.Context, args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(ctx, append([]string{"printer"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestPrinterCommandsAgainstEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, path, err := sim.StartPTY(ctx, sim.Config{})
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer s.Close()

	dir := t.TempDir()
	receipt := filepath.Join(dir, "r.json")
	b, _ := json.Marshal(kiosk.Receipt{Kind: kiosk.ReceiptAcceptance, StationName: "某某村便民服务站", AcceptanceNo: "330106001202611230001",
		ItemName: "社会保障卡补换", ApplicantName: "张*", ApplicantID: "330***********123X", QRPayload: "https://example.gov.cn/q?no=1"})
	os.WriteFile(receipt, b, 0o644)
	spool := filepath.Join(dir, "spool")

	code, out, errs := runPrinter(ctx, "status", "--port", path, "--timeout", "5s")
	if code != 0 || !strings.Contains(out, "state:   ready") {
		t.Fatalf("status: %d %q %q", code, out, errs)
	}
	if code, out, errs = runPrinter(ctx, "test", "--port", path, "--paper", "80"); code != 0 {
		t.Fatalf("test: %d %q %q", code, out, errs)
	}
	if code, out, errs = runPrinter(ctx, "receipt", "--port", path, "--json", receipt); code != 0 {
		t.Fatalf("receipt: %d %q %q", code, out, errs)
	}
	if err := s.WaitReceipt(ctx, 2); err != nil {
		t.Fatalf("emulator printed %v receipts", s.Receipts())
	}

	// Paper out: status exits 3, the receipt is refused and kept.
	s.SetPaperOut(true)
	code, out, _ = runPrinter(ctx, "status", "--port", path, "--json")
	if code != 3 || !strings.Contains(out, `"state":"paper_out"`) {
		t.Fatalf("status on paper out: %d %q", code, out)
	}
	code, out, errs = runPrinter(ctx, "receipt", "--port", path, "--json", receipt, "--spool", spool)
	if code != 3 || !strings.Contains(out, "kept for reprint") {
		t.Fatalf("receipt on paper out: %d %q %q", code, out, errs)
	}
	code, out, _ = runPrinter(ctx, "reprint", "--spool", spool)
	if code != 0 || !strings.Contains(out, "330106001202611230001") {
		t.Fatalf("reprint list: %d %q", code, out)
	}

	// New roll: reprint everything.
	s.SetPaperOut(false)
	if code, out, errs = runPrinter(ctx, "reprint", "--spool", spool, "--all", "--port", path); code != 0 || !strings.Contains(out, "reprinted") {
		t.Fatalf("reprint: %d %q %q", code, out, errs)
	}
	if err := s.WaitReceipt(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if m, _ := filepath.Glob(filepath.Join(spool, "*.json")); len(m) != 0 {
		t.Errorf("spool not emptied: %v", m)
	}

	// A printer that stops answering: exit 4.
	s.SetSilent(true)
	if code, _, _ = runPrinter(ctx, "status", "--port", path); code != 4 {
		t.Errorf("silent printer: exit %d, want 4", code)
	}

	// Flag errors: exit 2.
	if code, _, _ = runPrinter(ctx, "status"); code != 2 {
		t.Errorf("no transport: exit %d, want 2", code)
	}
}

func TestPrinterRender(t *testing.T) {
	out := filepath.Join(t.TempDir(), "t.png")
	code, stdout, errs := runPrinter(context.Background(), "render", "--png", out, "--paper", "58")
	if code != 0 || !strings.Contains(stdout, "384x") {
		t.Fatalf("render: %d %q %q", code, stdout, errs)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("no PNG: %v", err)
	}
}
