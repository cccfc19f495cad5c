package screens

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/i18n"
)

// domainStates reads every constant of type DeviceState declared in the
// domain package's source, so a state added there without a text fails here.
func domainStates(t *testing.T) []kiosk.DeviceState {
	t.Helper()
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, "../..", func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []kiosk.DeviceState
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.CONST {
					continue
				}
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "DeviceState" {
						continue
					}
					for _, v := range vs.Values {
						lit, ok := v.(*ast.BasicLit)
						if !ok {
							t.Fatalf("DeviceState constant that is not a literal: %v", v)
						}
						s, _ := strconv.Unquote(lit.Value)
						out = append(out, kiosk.DeviceState(s))
					}
				}
			}
		}
	}
	if len(out) < 10 {
		t.Fatalf("found only %d device states in the domain: %v", len(out), out)
	}
	return out
}

// Every state of the domain has a label in every locale, of its own (not by
// fallback), and every device's sentence is reachable; no raw [state.…] key
// reaches the screen. Kills: a state without a text (the [state.jam] seen on
// the status line), a device table key that is not a domain state (a typo
// that silently falls back), stateText ignoring the device table.
func TestEveryDeviceStateHasTextInEveryLocale(t *testing.T) {
	states := domainStates(t)
	known := map[string]bool{}
	for _, st := range states {
		known[string(st)] = true
	}
	devices := []string{"printer", "a4", "scanner", "idcard", "qr"}
	for _, lang := range i18n.Languages() {
		tr, err := i18n.Load(lang)
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range states {
			if !tr.Has("state." + string(st)) {
				t.Errorf("%s: no text for state %q", lang, st)
			}
			for _, dev := range devices {
				txt := stateText(tr, dev, st)
				if strings.Contains(txt, "[") || txt == "" {
					t.Errorf("%s: %s %s shows %q", lang, dev, st, txt)
				}
				if k := "state." + dev + "." + string(st); tr.Has(k) && txt != tr.T(k) {
					t.Errorf("%s: %s %s: %q, want the device's sentence", lang, dev, st, txt)
				}
			}
			if lang == i18n.ZhCN && strings.Contains(stateLabel(tr, st), string(st)) {
				t.Errorf("zh-CN label of %s is the key itself", st)
			}
		}
		for _, k := range tr.Keys() {
			rest, ok := strings.CutPrefix(k, "state.")
			if !ok {
				continue
			}
			if i := strings.LastIndexByte(rest, '.'); i >= 0 {
				rest = rest[i+1:]
			}
			if !known[rest] {
				t.Errorf("%s: %s is not a state of the domain", lang, k)
			}
		}
	}
	zh := i18n.MustLoad(i18n.ZhCN)
	if got := stateText(zh, "scanner", kiosk.DeviceJam); got != "扫描仪卡纸，请联系工作人员处理" {
		t.Errorf("scanner jam: %q", got)
	}
	if got := stateText(zh, "qr", kiosk.DeviceJam); got != "卡纸" {
		t.Errorf("qr jam falls back to the label: %q", got)
	}
}
