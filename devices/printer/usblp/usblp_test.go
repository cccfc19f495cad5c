package usblp_test

import (
	"context"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	"github.com/bianmin/kiosk/devices/printer/escpos/sim"
	"github.com/bianmin/kiosk/devices/printer/usblp"
)

// A pty slave behaves like /dev/usb/lp0 for our purposes: a pollable
// character device. Real usblp devices cannot be tested here.
func TestAgainstEmulator(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, path, err := sim.StartPTY(ctx, sim.Config{})
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	defer s.Close()
	port, err := usblp.Open(ctx, usblp.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer port.Close()
	p := printer.NewESCPOS(port, printer.Config{Profile: escpos.Profile80})
	st, err := p.Status(ctx)
	if err != nil || st.State != kiosk.DeviceReady {
		t.Fatalf("status %+v, %v", st, err)
	}
	if err := p.Print(ctx, kiosk.Receipt{Kind: kiosk.ReceiptQueue, TicketNo: "A001"}); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitReceipt(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.SetSilent(true)
	st, _ = p.Status(ctx)
	if st.State != kiosk.DeviceDisconnected {
		t.Errorf("silent printer: %s", st.State)
	}
}

func TestOpenMissing(t *testing.T) {
	if _, err := usblp.Open(context.Background(), usblp.Config{Path: "/nonexistent/lp9"}); err == nil {
		t.Fatal("no error")
	}
}
