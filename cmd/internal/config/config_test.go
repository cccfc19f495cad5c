package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValidAndSimulated(t *testing.T) {
	c, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Simulated() || c.IDCard.Backend != BackendSim || c.Printer.PaperMM != 80 {
		t.Errorf("defaults: %+v", c)
	}
}

func TestExampleFileParses(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "packaging", "kiosk.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(b)
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	if c.IDCard.Backend != BackendSerial || c.IDCard.PollInterval.Duration != 50*time.Millisecond || c.QR.Baud != 115200 {
		t.Errorf("example: %+v", c.IDCard)
	}
	// The installed example is a production terminal, and says which of the
	// files it names provisioning must install.
	if c.Simulated() {
		t.Error("the example config runs simulated")
	}
	for _, f := range []string{c.Platform.CertFile, c.Platform.KeyFile, c.Platform.CAFile, c.Platform.CatalogKeyFile} {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, f) && !strings.HasPrefix(line, "#") && !strings.Contains(line, "provisioning") {
				t.Errorf("example names %s without saying provisioning installs it: %q", f, line)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := map[string]string{
		"unknown key":         "[idcard]\nbackned = \"sim\"\n",
		"bad backend":         "[printer]\nbackend = \"laser\"\n",
		"serial without port": "[idcard]\nbackend = \"serial\"\n",
		"plain http remote":   "[platform]\nurl = \"http://10.0.0.1/\"\n",
		"https without cert":  "[platform]\nurl = \"https://zwfw.example.gov.cn/\"\n",
		"paper":               "[printer]\npaper_mm = 76\n",
		"short timeout":       "[ui]\nidle_timeout = \"2s\"\n",
		"bad duration":        "[ui]\nidle_timeout = \"soon\"\n",
		"not toml":            "[[[",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(in)); err == nil {
				t.Errorf("accepted %q", in)
			}
		})
	}
	if _, err := Parse([]byte("[printer]\npaper_mm = 76\n")); !errors.Is(err, ErrInvalid) {
		t.Errorf("want ErrInvalid, got %v", err)
	}
}

// TestSimulate: --simulate turns a production file into a simulation of the
// same station that cannot touch the production queue or platform. Kills:
// keeping the platform url or the data directory.
func TestSimulate(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "packaging", "kiosk.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse(b)
	if err != nil {
		t.Fatalf("example config: %v", err)
	}
	station := c.Station
	c.Simulate()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.Simulated() || c.Platform.URL != "" || c.Store.DataDir != "" || c.Store.KeyFile != "" || c.IDCard.Backend != BackendSim || c.Station != station {
		t.Errorf("simulated: %+v", c)
	}
}
