package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/scanner/escl/esclsim"
	scansim "github.com/bianmin/kiosk/devices/scanner/sim"
)

// TestScannerListFindsByMDNS: `scanner list` browses mDNS and lists the
// eSCL emulator advertised on loopback (the real group and port, so the
// command runs exactly as a technician's; the advertiser answers on
// loopback only), with its instance name, its URL and the capabilities
// read through that URL.
func TestScannerListFindsByMDNS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := esclsim.New(scansim.New(scansim.Knobs{}), nil)
	base, err := srv.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("Bianmin list test %d", os.Getpid())
	r, err := srv.Advertise(ctx, esclsim.Advert{Instance: name})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	code, out, errs := scanCmd(t, "scanner", "list", "--json", "--no-sane", "--mdns", "2s")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got []listedScanner
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, l := range got {
		if l.Name == name {
			if l.Backend != "escl" || l.Device != base || l.Model != "Bianmin eSCL Emulator" || l.Caps == nil || l.Error != "" {
				t.Errorf("listed %+v, want eSCL at %s with capabilities", l, base)
			}
			return
		}
	}
	t.Fatalf("%q not listed: %s (stderr %s)", name, out, errs)
}
