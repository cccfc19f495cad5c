package provision

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/devices/scanner/escl/esclsim"
	"github.com/bianmin/kiosk/devices/scanner/sim"
)

// TestDiscoverScannerByMDNS: provisioning with --scanner mdns:NAME finds
// the eSCL emulator advertised by mDNS on loopback (the real group and
// port, as on a terminal; the advertiser answers on loopback only), writes
// its URL into the configuration, and the self-test of that configuration
// scans a page through it. --scanner auto, with scanners other tests
// advertise at the same time, lists it as found; when it is the only one,
// auto chooses it.
func TestDiscoverScannerByMDNS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := esclsim.New(sim.New(sim.Knobs{Pages: 1}), nil)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("Bianmin provision test %d", os.Getpid())
	r, err := srv.Advertise(ctx, esclsim.Advert{Instance: name})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()

	opts := func(scanner string) *Options {
		return &Options{IDCard: "none", Printer: "none", A4: "none", QR: "none", Scanner: scanner}
	}
	var cfg config.Config
	devs, err := discoverDevices(ctx, opts("mdns:"+name), &cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Scanner.Backend != config.BackendESCL || cfg.Scanner.Device != base {
		t.Fatalf("scanner %s %q, want escl %s; discovered %+v", cfg.Scanner.Backend, cfg.Scanner.Device, base, devs)
	}
	cfg.Scanner.DPI = 150
	plan, closeAll, err := Checks(ctx, cfg, CheckOptions{Provisioning: true, Plan: &terminal.Plan{Config: cfg, DataDir: t.TempDir()}, Skip: []string{"disk"}})
	defer closeAll()
	if err != nil {
		t.Fatal(err)
	}
	var scan *selftest.Result
	res := selftest.Run(ctx, plan)
	for i := range res {
		if res[i].Name == "scan" {
			scan = &res[i]
		}
	}
	if scan == nil || !scan.OK {
		t.Fatalf("scan self-test of the discovered scanner: %+v", res)
	}

	var auto config.Config
	devs, err = discoverDevices(ctx, opts("auto"), &auto)
	if err != nil {
		t.Fatal(err)
	}
	listed, others := false, 0
	for _, d := range devs {
		if d.Role == "found" && d.Backend == config.BackendESCL {
			if d.Path == base {
				listed = true
			} else {
				others++
			}
		}
	}
	if !listed {
		t.Errorf("auto did not list the advertised scanner: %+v", devs)
	}
	if others == 0 && auto.Scanner.Device != base {
		t.Errorf("auto with one eSCL scanner on the network chose %s %q: %+v", auto.Scanner.Backend, auto.Scanner.Device, devs)
	}

	defer func(w time.Duration) { mdnsNameWindow = w }(mdnsNameWindow)
	mdnsNameWindow = 2 * time.Second
	if _, err := discoverDevices(ctx, opts("mdns:No Such Scanner"), &cfg); err == nil {
		t.Error("mdns:NAME with no such scanner was accepted")
	}
}
