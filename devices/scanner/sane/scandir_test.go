package sane

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/scanner"
)

// TestScansStayPrivate: pages are written under the configured private
// directory (0700), never under /tmp; what an interrupted scan left there is
// removed when the scanner starts; nothing stays after a scan. Mutation
// killed: os.MkdirTemp("", …) (the pages land in /tmp), or no clean at start.
func TestScansStayPrivate(t *testing.T) {
	needScanimage(t)
	base := t.TempDir()
	dir := filepath.Join(base, "store", "scans")
	if err := os.MkdirAll(filepath.Join(dir, "job-crashed"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "job-crashed", "page-0001.png"), []byte("a resident's page"), 0o644); err != nil {
		t.Fatal(err)
	}
	record := filepath.Join(base, "cwd")
	wrapper := filepath.Join(base, "scanimage")
	script := "#!/bin/sh\npwd >> " + record + "\nexec scanimage \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Device: "test", Command: wrapper, ExtraArgs: []string{"--test-picture", "Grid"}, ScanDir: dir, JobTimeout: 20 * time.Second})
	if _, err := os.Stat(filepath.Join(dir, "job-crashed")); !os.IsNotExist(err) {
		t.Errorf("pages left by an interrupted scan are still there (%v)", err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("scan directory %v, %v; want mode 0700", fi.Mode(), err)
	}
	var err error
	for try := 0; try < 4; try++ {
		if _, err = s.Scan(context.Background(), scanner.Settings{DPI: 25}); err == nil || !strings.Contains(err.Error(), ErrHung.Error()) {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	scanned := false
	wd, _ := os.Getwd() // where option and device queries run: they write no page
	for _, cwd := range strings.Fields(string(b)) {
		if cwd == wd {
			continue
		}
		if strings.HasPrefix(cwd, dir+string(os.PathSeparator)) {
			scanned = true
		} else if strings.HasPrefix(cwd, os.TempDir()) && !strings.HasPrefix(cwd, base) {
			t.Errorf("scanimage ran in %s, outside the private directory", cwd)
		}
	}
	if !scanned {
		t.Errorf("no scan ran under %s (ran in %q)", dir, b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%d entries left in the scan directory after the scan", len(ents))
	}
}
