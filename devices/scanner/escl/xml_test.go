package escl

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bianmin/kiosk/devices/scanner"
)

func TestParseCapabilities(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "caps-mfp.xml"))
	if err != nil {
		t.Fatal(err)
	}
	caps, err := ParseCapabilities(b)
	if err != nil {
		t.Fatal(err)
	}
	want := scanner.Caps{
		MakeAndModel: "HP LaserJet MFP M227fdw",
		Sources:      []scanner.Source{scanner.Platen, scanner.Feeder},
		ColorModes:   []scanner.ColorMode{scanner.Color, scanner.Gray},
		Resolutions:  []int{75, 100, 200, 300, 600},
		Duplex:       false,
		MaxWidthMM:   215.9,
		MaxHeightMM:  297.18,
	}
	caps.MaxWidthMM = float64(int(caps.MaxWidthMM*100+0.5)) / 100
	caps.MaxHeightMM = float64(int(caps.MaxHeightMM*100+0.5)) / 100
	if !reflect.DeepEqual(caps, want) {
		t.Fatalf("caps\n%+v\nwant\n%+v", caps, want)
	}
}

func TestParseStatus(t *testing.T) {
	for _, tc := range []struct {
		doc    string
		feeder bool
		want   scanner.Raw
	}{
		{status("Idle", "ScannerAdfLoaded"), true, scanner.Raw{}},
		{status("Idle", "ScannerAdfEmpty"), true, scanner.Raw{FeederEmpty: true}},
		{status("Idle", "ScannerAdfEmpty"), false, scanner.Raw{}},
		{status("Processing", ""), false, scanner.Raw{Busy: true}},
		{status("Testing", ""), false, scanner.Raw{Busy: true}},
		{status("Stopped", "ScannerAdfJam"), true, scanner.Raw{Jam: true}},
		{status("Stopped", "ScannerAdfHatchOpen"), true, scanner.Raw{CoverOpen: true}},
		{status("Stopped", ""), false, scanner.Raw{Fault: true}},
		{status("Down", ""), false, scanner.Raw{Fault: true}},
		// No namespace prefixes at all.
		{`<ScannerStatus><State>Idle</State><AdfState>ScannerAdfEmpty</AdfState></ScannerStatus>`, true, scanner.Raw{FeederEmpty: true}},
	} {
		st, err := ParseStatus([]byte(tc.doc))
		if err != nil {
			t.Fatalf("%s: %v", tc.doc, err)
		}
		got := st.Raw(tc.feeder)
		got.Detail = ""
		if got != tc.want {
			t.Errorf("%s/%s feeder=%v: %+v, want %+v", st.State, st.AdfState, tc.feeder, got, tc.want)
		}
	}
	for _, bad := range []string{"", "garbage", "<a><b></a>", "<scan:ScannerStatus></scan:ScannerStatus>", "<Other><State>Idle</State></Other>"} {
		if _, err := ParseStatus([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func status(state, adf string) string {
	s := `<?xml version="1.0" encoding="UTF-8"?><scan:ScannerStatus xmlns:scan="` + NSScan + `" xmlns:pwg="` + NSPWG + `"><pwg:Version>2.0</pwg:Version><pwg:State>` + state + `</pwg:State>`
	if adf != "" {
		s += `<scan:AdfState>` + adf + `</scan:AdfState>`
	}
	return s + `</scan:ScannerStatus>`
}

func TestScanSettingsRoundTrip(t *testing.T) {
	for _, s := range []scanner.Settings{
		{Source: scanner.Platen, Color: scanner.Color, DPI: 300},
		{Source: scanner.Feeder, Color: scanner.Gray, DPI: 200, Duplex: true},
	} {
		got, err := ParseScanSettings(ScanSettings(s, scanner.Caps{}))
		if err != nil {
			t.Fatal(err)
		}
		if got != s {
			t.Errorf("round trip %+v → %+v", s, got)
		}
	}
}

// FuzzParse feeds outside bytes to every XML parser: none may panic, and a
// document that parses must give sane values.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"caps-mfp.xml"} {
		if b, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(status("Idle", "ScannerAdfJam")))
	f.Add(ScanSettings(scanner.Settings{Source: scanner.Feeder}, scanner.Caps{}))
	f.Add([]byte("<scan:ScannerCapabilities><scan:Platen><scan:PlatenInputCaps><scan:MaxWidth>-5</scan:MaxWidth></scan:PlatenInputCaps></scan:Platen></scan:ScannerCapabilities>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if caps, err := ParseCapabilities(b); err == nil {
			if len(caps.Sources) == 0 {
				t.Fatal("caps without a source")
			}
			for _, r := range caps.Resolutions {
				if r <= 0 || r > 9600 {
					t.Fatalf("resolution %d", r)
				}
			}
		}
		if st, err := ParseStatus(b); err == nil {
			_ = st.Raw(true)
			if st.State == "" {
				t.Fatal("status without state")
			}
		}
		if s, err := ParseScanSettings(b); err == nil {
			if s.DPI <= 0 || (s.Source != scanner.Platen && s.Source != scanner.Feeder) {
				t.Fatalf("settings %+v", s)
			}
		}
	})
}
