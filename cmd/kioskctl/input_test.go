package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

func TestInputCommands(t *testing.T) {
	dir := t.TempDir()
	cat := kiosk.Catalog{Items: []kiosk.ServiceItem{
		{Code: "A1", Name: "城乡居民养老保险参保登记"},
		{Code: "A2", Name: "居民身份证补领"},
	}}
	b, _ := json.Marshal(cat)
	catPath := filepath.Join(dir, "catalog.json")
	if err := os.WriteFile(catPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	wav := filepath.Join(dir, "beep.wav")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"search", "query", "-catalog", catPath, "ylbx"}, 0, "A1\t城乡居民养老保险参保登记"},
		{[]string{"search", "query", "-catalog", catPath, "zzzz"}, 1, ""},
		{[]string{"search", "query", "ylbx"}, 2, ""},
		{[]string{"ime", "candidates", "shenfenzheng"}, 0, "shen'fen'zheng: 身份证"},
		{[]string{"handwriting", "classify", "-n", "3", "40,150 260,150;150,40 150,270"}, 0, "十\t"},
		{[]string{"handwriting", "classify", "40;x"}, 2, ""},
		{[]string{"voice", "beep", "-o", wav}, 0, "beep.wav: 360ms"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[:2], " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), tt.args, &out, &errb)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tt.code, errb.String())
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Errorf("output %q lacks %q", out.String(), tt.want)
			}
		})
	}
}
