package esclsim

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/scanner/escl"
	"github.com/bianmin/kiosk/devices/scanner/mdns"
	"github.com/bianmin/kiosk/devices/scanner/sim"
)

func loopback(t *testing.T) net.Interface {
	t.Helper()
	all, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range all {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			return i
		}
	}
	t.Fatal("no loopback interface")
	return net.Interface{}
}

// TestAdvertiseThenScan: the emulator advertised by mDNS on loopback (a
// free group port, so nothing else hears it) is found by the browser, and
// the URL the browser built from the SRV port and the rs key reaches the
// emulator: capabilities, then a page scanned.
func TestAdvertiseThenScan(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	srv := New(sim.New(sim.Knobs{Pages: 1}), nil)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	lo := loopback(t)
	r, err := srv.Advertise(ctx, Advert{Instance: "Emulator 一号", Interfaces: []net.Interface{lo}, Group: netip.MustParseAddrPort("224.0.0.251:0")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b := &mdns.Browser{Interfaces: []net.Interface{lo}, Group4: r.Group(), NoIPv6: true, Services: []string{mdns.ServiceESCL}}
	bctx, bcancel := context.WithTimeout(ctx, 20*time.Second)
	found, err := b.Browse(bctx, func(s mdns.Scanner) bool { return s.Instance == "Emulator 一号" })
	bcancel()
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0].URL != base || found[0].UUID == "" {
		t.Fatalf("found %+v, want one at %s", found, base)
	}
	c, err := escl.New(found[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	caps, err := c.Capabilities(ctx)
	if err != nil || caps.MakeAndModel != "Bianmin eSCL Emulator" {
		t.Fatalf("capabilities %+v, %v", caps, err)
	}
	pages, err := c.Scan(ctx, scanner.Settings{DPI: 150})
	if err != nil || len(pages) != 1 {
		t.Fatalf("scan: %d pages, %v", len(pages), err)
	}
}
