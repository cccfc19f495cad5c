package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/bianmin/kiosk/devices/scanner/escl/esclsim"
	scansim "github.com/bianmin/kiosk/devices/scanner/sim"
)

// TestScannerListOnceWithAirscan: with sane-airscan configured for the same
// eSCL scanner (its own SANE_CONFIG_DIR, discovery off), `scanner list
// --escl URL` (no mDNS browsing: other tests advertise scanners) lists it
// once, as eSCL, naming the SANE device.
func TestScannerListOnceWithAirscan(t *testing.T) {
	if m, _ := filepath.Glob("/usr/lib/*/sane/libsane-airscan.so*"); len(m) == 0 {
		t.Fatal("sane-airscan missing: run make deps (packaging/build-deps.txt)")
	}
	hs := httptest.NewServer(esclsim.New(scansim.New(scansim.Knobs{}), nil))
	defer hs.Close()
	conf := t.TempDir()
	os.WriteFile(filepath.Join(conf, "dll.conf"), []byte("airscan\n"), 0o600)
	os.WriteFile(filepath.Join(conf, "airscan.conf"), fmt.Appendf(nil, "[devices]\n\"Emu\" = %s/eSCL, eSCL\n[options]\ndiscovery = disable\n", hs.URL), 0o600)
	t.Setenv("SANE_CONFIG_DIR", conf)
	code, out, errs := scanCmd(t, "scanner", "list", "--json", "--mdns", "0", "--escl", hs.URL+"/eSCL")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got []listedScanner
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	var escl, sane int
	for _, l := range got {
		switch l.Backend {
		case "escl":
			escl++
			if len(l.AlsoAs) != 1 || l.AlsoAs[0] != "airscan:e0:Emu" {
				t.Errorf("eSCL entry also_as %v, want [airscan:e0:Emu]", l.AlsoAs)
			}
		case "sane":
			sane++
		}
	}
	if escl != 1 || sane != 0 {
		t.Errorf("listed %d eSCL and %d SANE entries for one scanner: %s", escl, sane, out)
	}
}

// TestDedupSANEBackends: both of SANE's eSCL backends' names are folded into
// the eSCL entry of the same address; other SANE devices stay.
func TestDedupSANEBackends(t *testing.T) {
	in := []listedScanner{
		{Backend: "escl", Device: "http://192.0.2.7:80/eSCL"},
		{Backend: "sane", Device: "airscan:e0:Brother MFC-L2750DW series", saneType: "ip=192.0.2.7"},
		{Backend: "sane", Device: "escl:http://192.0.2.7:80"},
		{Backend: "sane", Device: "airscan:e1:Other", saneType: "ip=192.0.2.8"},
		{Backend: "sane", Device: "test:0", saneType: "virtual device"},
	}
	got := dedupSANE(t.Context(), in)
	if len(got) != 3 || got[0].Backend != "escl" || fmt.Sprint(got[0].AlsoAs) != "[airscan:e0:Brother MFC-L2750DW series escl:http://192.0.2.7:80]" ||
		got[1].Device != "airscan:e1:Other" || got[2].Device != "test:0" {
		t.Errorf("dedup: %+v", got)
	}
}
