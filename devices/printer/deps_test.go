package printer_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencies keeps the printer packages free of UI code and keeps
// cgo (libusb) confined to devices/printer/usb.
func TestDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	pkgs := []string{".", "./escpos", "./escpos/sim", "./usblp", "./cups", "./ttc"}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"fyne.io/", "github.com/bianmin/kiosk/app", "github.com/google/gousb", "github.com/mattn/go-sqlite3"} {
			if strings.HasPrefix(dep, banned) {
				t.Errorf("printer packages depend on %s", dep)
			}
		}
	}
}
