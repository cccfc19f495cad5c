package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOutFileAppearsOnlyComplete: a transfer file or bundle is under its
// real name only when written in full; a failed or abandoned write leaves
// nothing, not even the .tmp.
func TestOutFileAppearsOnlyComplete(t *testing.T) {
	dir := t.TempDir()
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	for _, tc := range []struct {
		name string
		end  func(o *outFile) error
		want bool // PATH is there
	}{
		{"finished", func(o *outFile) error { return o.finish(nil) }, true},
		{"failed", func(o *outFile) error { return o.finish(errors.New("export: disk full")) }, false},
		{"abandoned", func(o *outFile) error { o.abort(); return nil }, false},
	} {
		path := filepath.Join(dir, tc.name+".bin")
		o, err := createOut(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.WriteString("payload"); err != nil {
			t.Fatal(err)
		}
		if exists(path) {
			t.Errorf("%s: %s is there before it is finished", tc.name, path)
		}
		_ = tc.end(o)
		o.abort() // after finish: nothing more
		if exists(path) != tc.want {
			t.Errorf("%s: %s there = %v, want %v", tc.name, path, exists(path), tc.want)
		}
		if exists(path + ".tmp") {
			t.Errorf("%s: %s.tmp left behind", tc.name, path)
		}
		if tc.want {
			if b, _ := os.ReadFile(path); string(b) != "payload" {
				t.Errorf("%s: content %q", tc.name, b)
			}
		}
	}
}
