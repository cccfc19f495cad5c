package idcard_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCodecHasNoCgo keeps libusb and the simulator's pty out of the codec:
// only devices/idcard/usb may pull in gousb.
func TestCodecHasNoCgo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/google/gousb", "github.com/creack/pty", "fyne.io/", "/devices/idcard/sim", "/devices/ptypair"} {
			if strings.Contains(dep, bad) {
				t.Errorf("devices/idcard depends on %s", dep)
			}
		}
	}
}
