package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestShippedFyneParsesFontOnce runs app/theme's TestOneParseForEveryStyle
// against the Fyne the kiosk ships with (packaging/scripts/fyne-overlay.sh,
// its patched internal/painter/font.go): the bundled CJK font is parsed
// once for every text style, not once per style (9–12 MB of heap each).
func TestShippedFyneParsesFontOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds app/theme's tests against the patched Fyne")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	flag, err := exec.Command(filepath.Join(root, "packaging/scripts/fyne-overlay.sh"), filepath.Join(root, "build/fyne")).Output()
	if err != nil {
		t.Fatalf("fyne-overlay.sh: %v", err)
	}
	cmd := exec.Command("go", "test", "-tags", "kioskoverlay", strings.TrimSpace(string(flag)),
		"-run", "^TestOneParseForEveryStyle$", "-count=1", "-v", "./app/theme/")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestOneParseForEveryStyle") {
		t.Fatalf("app/theme against the shipped Fyne: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
