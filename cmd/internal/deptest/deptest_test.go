// Package deptest holds the import rules of the module as a test built on
// `go list -deps`: the domain imports nothing of ours, devices/, offline/ and
// sync/ never import Fyne or app/, and app/ reaches devices only through their
// interfaces, never a transport, a driver library or the database.
package deptest

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/bianmin/kiosk"

type pkg struct {
	ImportPath string
	Deps       []string
	Imports    []string
}

func list(t *testing.T, patterns ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, patterns...)...)
	cmd.Dir = "../../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", patterns, err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func hasPrefix(dep string, prefixes []string) string {
	for _, p := range prefixes {
		if dep == p || strings.HasPrefix(dep, p+"/") {
			return p
		}
	}
	return ""
}

// check fails when a package matching patterns depends (directly or not) on
// a forbidden import path prefix.
func check(t *testing.T, why string, forbidden []string, patterns ...string) {
	t.Helper()
	pkgs := list(t, patterns...)
	if len(pkgs) == 0 {
		return
	}
	for _, p := range pkgs {
		for _, d := range p.Deps {
			if f := hasPrefix(d, forbidden); f != "" {
				t.Errorf("%s imports %s (via %s): %s", p.ImportPath, f, d, why)
			}
		}
	}
}

func exists(t *testing.T, pattern string) bool {
	cmd := exec.Command("go", "list", pattern)
	cmd.Dir = "../../.."
	out, err := cmd.Output()
	return err == nil && len(strings.TrimSpace(string(out))) > 0
}

func TestDomainImportsNothingOfOurs(t *testing.T) {
	for _, p := range list(t, module) {
		for _, d := range p.Deps {
			if first, _, _ := strings.Cut(d, "/"); strings.Contains(first, ".") {
				t.Errorf("domain package imports %s", d)
			}
		}
	}
}

func TestNoFyneBelowApp(t *testing.T) {
	for _, pat := range []string{"./devices/...", "./offline/...", "./sync/..."} {
		if exists(t, pat) {
			check(t, "devices/, offline/ and sync/ must not depend on the UI", []string{"fyne.io/fyne/v2", module + "/app"}, pat)
		}
	}
}

func TestAppUsesDeviceInterfacesOnly(t *testing.T) {
	forbidden := []string{
		"github.com/tarm/serial", "github.com/google/gousb", "github.com/creack/pty",
		"github.com/holoplot/go-evdev", "github.com/mattn/go-sqlite3",
		module + "/devices/serialport", module + "/devices/ptypair",
		module + "/devices/idcard/usb", module + "/devices/printer/usb", module + "/devices/printer/usblp",
		module + "/offline",
	}
	if exists(t, "./app/...") {
		check(t, "app/ talks to devices and the store through interfaces; cmd/ wires the concrete ones", forbidden, "./app/...")
	}
}

func TestNoPackageNamedSync(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{.Name}}", "./...")
	cmd.Dir = "../../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[1] == "sync" {
			t.Errorf("%s is named sync: it would shadow the standard library", f[0])
		}
	}
}

// TestTopLevelLayout keeps the top level to the design card's folders plus the
// domain's files, so the tree shows the architecture.
func TestTopLevelLayout(t *testing.T) {
	allowed := map[string]bool{
		"app": true, "devices": true, "offline": true, "sync": true, "assets": true,
		"packaging": true, "cmd": true, "docs": true, ".ci": true, ".git": true, "build": true,
	}
	entries, err := os.ReadDir("../../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !allowed[e.Name()] {
			t.Errorf("top-level folder %s/ is not in the design card (app, devices, offline, sync, assets, packaging, cmd, docs): move it under one of them and update docs/ARCHITECTURE.md", e.Name())
		}
	}
}
