package voice

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoUIDependencies keeps the non-UI input packages free of Fyne, so the
// session logic and kioskctl can use them without a display stack.
func TestNoUIDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	pkgs := []string{
		"github.com/bianmin/kiosk/app/voice",
		"github.com/bianmin/kiosk/app/search",
		"github.com/bianmin/kiosk/app/handwriting",
		"github.com/bianmin/kiosk/app/widgets/ime",
	}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		widgets := strings.HasPrefix(dep, "github.com/bianmin/kiosk/app/widgets") && dep != "github.com/bianmin/kiosk/app/widgets/ime"
		if strings.HasPrefix(dep, "fyne.io/") || widgets {
			t.Errorf("a non-UI input package depends on %s", dep)
		}
	}
}
