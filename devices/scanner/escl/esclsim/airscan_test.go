package esclsim

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/scanner/sim"
)

// TestSaneAirscanScans drives Debian's sane-airscan (a third-party eSCL
// client) through scanimage against the emulator: flatbed and feeder,
// simplex and duplex, colour and grey, several resolutions, a jam and an
// empty feeder. sane-airscan gets its own SANE_CONFIG_DIR with the emulator
// as its only device and discovery off: loopback only, no mDNS.
func TestSaneAirscanScans(t *testing.T) {
	if _, err := exec.LookPath("scanimage"); err != nil {
		t.Fatal("scanimage missing: run make deps (sane-utils, sane-airscan in packaging/build-deps.txt)")
	}
	if m, _ := filepath.Glob("/usr/lib/*/sane/libsane-airscan.so*"); len(m) == 0 {
		t.Fatal("sane-airscan missing: run make deps (packaging/build-deps.txt)")
	}
	tests := []struct {
		name      string
		knobs     sim.Knobs
		args      []string
		pages     int
		dpi       int
		gray      bool
		errSubstr string
		want      scanner.Settings
	}{
		{"flatbed grey 75", sim.Knobs{}, []string{"--source", "Flatbed", "--mode", "Gray", "--resolution", "75"}, 1, 75, true, "",
			scanner.Settings{Source: scanner.Platen, Color: scanner.Gray, DPI: 75}},
		{"flatbed colour 150", sim.Knobs{}, []string{"--source", "Flatbed", "--mode", "Color", "--resolution", "150"}, 1, 150, false, "",
			scanner.Settings{Source: scanner.Platen, Color: scanner.Color, DPI: 150}},
		{"feeder simplex grey 75", sim.Knobs{Pages: 2}, []string{"--source", "ADF", "--mode", "Gray", "--resolution", "75"}, 2, 75, true, "out of documents",
			scanner.Settings{Source: scanner.Feeder, Color: scanner.Gray, DPI: 75}},
		{"feeder duplex colour 75", sim.Knobs{Pages: 1}, []string{"--source", "ADF Duplex", "--mode", "Color", "--resolution", "75"}, 2, 75, false, "out of documents",
			scanner.Settings{Source: scanner.Feeder, Color: scanner.Color, DPI: 75, Duplex: true}},
		{"feeder jams after one page", sim.Knobs{Pages: 2, JamAfter: 1}, []string{"--source", "ADF", "--mode", "Gray", "--resolution", "75"}, 1, 75, true, "jammed",
			scanner.Settings{Source: scanner.Feeder, Color: scanner.Gray, DPI: 75}},
		{"feeder empty", sim.Knobs{FeederEmpty: true}, []string{"--source", "ADF", "--mode", "Gray", "--resolution", "75"}, 0, 75, true, "out of documents",
			scanner.Settings{Source: scanner.Feeder, Color: scanner.Gray, DPI: 75}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := New(sim.New(tt.knobs), nil)
			hs := httptest.NewServer(emu)
			defer hs.Close()
			dir := t.TempDir()
			conf := filepath.Join(dir, "sane.d")
			os.Mkdir(conf, 0o700)
			os.WriteFile(filepath.Join(conf, "dll.conf"), []byte("airscan\n"), 0o600)
			os.WriteFile(filepath.Join(conf, "airscan.conf"), fmt.Appendf(nil,
				"[devices]\n\"Emu\" = %s/eSCL, eSCL\n[options]\ndiscovery = disable\n", hs.URL), 0o600)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := append([]string{"-d", "airscan:e0:Emu", "--format=png", "--batch=" + filepath.Join(dir, "p%d.png")}, tt.args...)
			if tt.knobs.Pages == 0 && !tt.knobs.FeederEmpty {
				args = append(args, "--batch-count=1") // the platen has one page
			}
			cmd := exec.CommandContext(ctx, "scanimage", args...)
			cmd.Env = append(os.Environ(), "SANE_CONFIG_DIR="+conf, "LANG=C", "LC_ALL=C")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			files, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
			sort.Strings(files)
			if tt.errSubstr != "" && !strings.Contains(stderr.String(), tt.errSubstr) {
				t.Errorf("scanimage said %q, want %q", stderr.String(), tt.errSubstr)
			}
			if tt.errSubstr == "" && err != nil {
				t.Fatalf("scanimage: %v: %s", err, stderr.String())
			}
			if len(files) != tt.pages {
				t.Fatalf("%d pages, want %d: %s", len(files), tt.pages, stderr.String())
			}
			for _, f := range files {
				b, _ := os.ReadFile(f)
				cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("%s: %v", f, err)
				}
				// The full width of the scanner, 215.9 mm, at the resolution.
				if wantW := int(215.9 / 25.4 * float64(tt.dpi)); cfg.Width < wantW-2 || cfg.Width > wantW+2 {
					t.Errorf("%s: %d pixels wide, want %d at %d dpi", filepath.Base(f), cfg.Width, wantW, tt.dpi)
				}
				if isGray := cfg.ColorModel == color.GrayModel || cfg.ColorModel == color.Gray16Model; isGray != tt.gray {
					t.Errorf("%s: colour model %T, want grey %v", filepath.Base(f), cfg.ColorModel, tt.gray)
				}
			}
			posted := emu.Posted()
			if len(posted) == 0 {
				t.Fatal("no job posted")
			}
			if got := posted[0]; got.Source != tt.want.Source || got.Color != tt.want.Color || got.DPI != tt.want.DPI || got.Duplex != tt.want.Duplex {
				t.Errorf("sane-airscan posted %+v, want %+v", got, tt.want)
			}
		})
	}
}
