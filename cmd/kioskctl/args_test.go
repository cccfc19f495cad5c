package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestGlobalFlagsAnywhere: `kioskctl --data D queue list` (the issue's
// "unknown command"), flags after the verb and after the positional
// argument all reach the verb. Kills: dropping splitGlobals or the
// reordering in normalize.
func TestGlobalFlagsAnywhere(t *testing.T) {
	dir := t.TempDir()
	if code, _, errs := ctl(t, "queue", "demo", "--data", dir, "--count", "2", "--attachment-kb", "0"); code != 0 {
		t.Fatal(errs)
	}
	code, out, errs := ctl(t, "--data", dir, "queue", "list", "--json")
	if code != 0 || strings.Count(out, "\n") != 2 {
		t.Fatalf("--data before the family: %d %q %s", code, out, errs)
	}
	id := strings.SplitN(strings.SplitN(out, `"instance_id":"`, 2)[1], `"`, 2)[0]
	for _, args := range [][]string{
		{"--data", dir, "--json", "queue", "show", id},
		{"queue", "show", id, "--data", dir, "--json"},
		{"queue", "show", "--data=" + dir, id, "--json"},
	} {
		if code, out, errs := ctl(t, args...); code != 0 || !strings.Contains(out, `"instance_id": "`+id+`"`) {
			t.Errorf("%v: %d %q %s", args, code, out, errs)
		}
	}
	// A global flag a verb does not have is refused, not ignored.
	if code, _, errs := ctl(t, "--data", dir, "voice", "beep"); code != 2 || !strings.Contains(errs, "does not apply") {
		t.Errorf("--data on voice beep: %d %s", code, errs)
	}
}

// TestBareSecondsDurations: `--timeout 30` is 30 s. Kills: the duration
// rewrite in normalize (flag.Duration refuses "30").
func TestBareSecondsDurations(t *testing.T) {
	cmd := families["idcard"]["read"]
	got, err := normalize(cmd, "idcard read", nil, []string{"--timeout", "30", "--port", "/dev/null"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--timeout=30s", "--port=/dev/null"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("normalize = %q, want %q", got, want)
	}
	// Through the whole command line: not a usage error (2) any more.
	code, _, errs := ctl(t, "idcard", "read", "--timeout", "1", "--port", filepath.Join(t.TempDir(), "no-such-tty"))
	if code == 2 || strings.Contains(errs, "invalid value") {
		t.Fatalf("idcard read --timeout 1: %d %s", code, errs)
	}
	if _, err := normalize(cmd, "idcard read", nil, []string{"--timeout", "1.5"}); err != nil {
		t.Fatal(err)
	}
}

// TestHelp: help lists the exit codes, help FAMILY the family's verbs and
// flags, completion bash a script that asks kioskctl for words.
func TestHelp(t *testing.T) {
	code, out, _ := ctl(t, "help")
	for _, want := range []string{"Exit status:", "15  no store", "10  store key", "--data DIR", "help FAMILY"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("help lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = ctl(t, "help", "queue")
	if code != 0 || !strings.Contains(out, "queue export") || !strings.Contains(out, "-transfer-key") || strings.Contains(out, "printer test") {
		t.Errorf("help queue:\n%s", out)
	}
	if code, _, _ = ctl(t, "help", "nosuch"); code != 2 {
		t.Errorf("help nosuch: %d", code)
	}
	code, out, _ = ctl(t, "completion", "bash")
	if code != 0 || !strings.Contains(out, "complete -o default -F _kioskctl kioskctl") || !strings.Contains(out, "__complete") {
		t.Errorf("completion bash:\n%s", out)
	}
	_, out, _ = ctl(t, "__complete", "qu")
	if !strings.Contains(out, "queue\n") {
		t.Errorf("complete family: %q", out)
	}
	_, out, _ = ctl(t, "__complete", "queue", "")
	if !strings.Contains(out, "export\n") || !strings.Contains(out, "demo\n") {
		t.Errorf("complete verb: %q", out)
	}
	_, out, _ = ctl(t, "__complete", "--data", "/x", "queue", "list", "--")
	if !strings.Contains(out, "--pending\n") {
		t.Errorf("complete flags: %q", out)
	}
}

// TestDemoRefusesProduction: synthetic applications never enter a
// production terminal's store unless asked. Kills: removing the mode check.
func TestDemoRefusesProduction(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "store.key")
	cfg := filepath.Join(dir, "kiosk.toml")
	os.WriteFile(cfg, []byte(`[platform]
url = "https://zwfw.example.gov.cn"
cert_file = "/x/t.crt"
key_file = "/x/t.key"
catalog_key_file = "/x/c.pub"
[store]
data_dir = "`+filepath.Join(dir, "data")+`"
key_file = "`+key+`"
[idcard]
backend = "none"
[printer]
backend = "none"
[scanner]
backend = "none"
[qr]
backend = "none"
`), 0o600)
	code, _, errs := ctl(t, "queue", "demo", "--config", cfg, "--count", "1")
	if code != 2 || !strings.Contains(errs, "--allow-test-data") {
		t.Fatalf("demo on production: %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "kiosk.db")); err == nil {
		t.Fatal("demo made a production store")
	}
	// Asked for: allowed, but production never makes its own store key.
	if code, _, errs = ctl(t, "queue", "demo", "--config", cfg, "--count", "1", "--allow-test-data"); code != 10 {
		t.Fatalf("demo --allow-test-data without a key: %d %s", code, errs)
	}
	if code, _, errs := ctl(t, "queue", "demo", "--data", t.TempDir(), "--count", "0", "--key", key); code != 0 {
		t.Fatalf("make key: %d %s", code, errs)
	}
	if code, out, errs := ctl(t, "queue", "demo", "--config", cfg, "--count", "1", "--allow-test-data"); code != 0 || strings.Count(out, "\n") != 1 {
		t.Fatalf("demo --allow-test-data: %d %q %s", code, out, errs)
	}
}
