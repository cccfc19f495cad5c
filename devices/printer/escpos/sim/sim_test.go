package sim_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	"github.com/bianmin/kiosk/devices/printer/escpos/sim"
	"github.com/bianmin/kiosk/devices/serialport"
)

func receipt(t *testing.T, text string) []byte {
	b, err := escpos.NewBuilder(escpos.Profile58, nil).Init().Line(text).Cut().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPTY drives the emulator through a real pty and devices/serialport, as
// the kiosk does with `make run`.
func TestPTY(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	s, path, err := sim.StartPTY(ctx, sim.Config{Profile: escpos.Profile58, NearEndAfter: 2, PaperOutAfter: 3, SaveDir: dir, Keep: 2})
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer s.Close()
	// The kiosk's own open, with the DLE EOT probe (baud 0: the rate scan).
	port, err := serialport.Open(ctx, printer.SerialConfig(path, 0))
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()

	status := func() escpos.Status {
		t.Helper()
		qctx, qcancel := context.WithTimeout(ctx, 3*time.Second)
		defer qcancel()
		st, err := escpos.QueryStatus(qctx, port)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status(); st != (escpos.Status{Raw: [4]byte{0x12, 0x12, 0x12, 0x12}}) {
		t.Fatalf("fresh printer: %+v", st)
	}
	for i := 1; i <= 3; i++ {
		port.Write(receipt(t, "receipt"))
		if err := s.WaitReceipt(ctx, i); err != nil {
			t.Fatal(err)
		}
		st := status()
		if st.PaperNearEnd != (i >= 2) || st.PaperEnd != (i >= 3) {
			t.Errorf("after %d receipts: %+v", i, st)
		}
	}
	// Out of paper: what is sent now is not printed.
	port.Write(receipt(t, "lost"))
	// No cutter on 58 mm: the emulator ends the receipt when the line idles.
	deadline := time.Now().Add(10 * time.Second)
	for _, d := s.Printed(); d == 0 && time.Now().Before(deadline); _, d = s.Printed() {
		time.Sleep(50 * time.Millisecond)
	}
	if n, dropped := s.Printed(); n != 3 || dropped != 1 {
		t.Errorf("printed %d dropped %d, want 3 and 1", n, dropped)
	}
	if len(s.Receipts()) != 2 || s.LastReceipt() == nil {
		t.Errorf("kept %d receipts, want the last 2", len(s.Receipts()))
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "receipt-*.png")); len(m) != 3 {
		t.Errorf("saved %v", m)
	}
	s.Refill()
	if st := status(); st.PaperEnd || st.PaperNearEnd {
		t.Errorf("after refill: %+v", st)
	}
	s.SetCoverOpen(true)
	if st := status(); !st.CoverOpen {
		t.Errorf("cover: %+v", st)
	}
	s.SetSilent(true)
	qctx, qcancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer qcancel()
	if _, err := escpos.QueryStatus(qctx, port); err == nil {
		t.Error("silent printer answered")
	}
}
