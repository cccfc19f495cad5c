package escpos

import (
	"testing"

	"github.com/BurntSushi/toml"
)

func TestProfileFromTOML(t *testing.T) {
	var cfg struct {
		Printer Profile `toml:"printer"`
	}
	_, err := toml.Decode(`
[printer]
name = "SPRT SP-RMD8"
paper_mm = 58
native_qr = false
cutter = true
gb18030_full = true
band_rows = 64
`, &cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Printer.Normalize()
	want := Profile{Name: "SPRT SP-RMD8", PaperMM: 58, Dots: 384, CharsPerLine: 32, Cutter: true, GB18030Full: true, BandRows: 64, QRModule: 6}
	if p != want {
		t.Errorf("got %+v\nwant %+v", p, want)
	}
	if ProfileFor(58) != Profile58 || ProfileFor(80) != Profile80 {
		t.Error("ProfileFor")
	}
}
