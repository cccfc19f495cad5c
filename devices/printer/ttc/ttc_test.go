package ttc

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/image/font/opentype"
)

func TestExtractParses(t *testing.T) {
	b, err := os.ReadFile("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
	if err != nil {
		t.Fatalf("fonts-wqy-microhei (packaging/build-deps.txt) not installed: %v", err)
	}
	if !IsCollection(b) {
		t.Fatal("not a collection")
	}
	ttf, err := TTF(b)
	if err != nil {
		t.Fatal(err)
	}
	f, err := opentype.Parse(ttf)
	if err != nil {
		t.Fatalf("extracted font does not parse: %v", err)
	}
	if n, _ := f.GlyphIndex(nil, '政'); n == 0 {
		t.Error("extracted font lacks 政")
	}
}

func TestBadInput(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("ttcf"), []byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x09")} {
		if _, err := TTF(b); !errors.Is(err, ErrFormat) {
			t.Errorf("TTF(%q) err = %v", b, err)
		}
	}
}

func FuzzExtract(f *testing.F) {
	f.Add([]byte("ttcf\x00\x01\x00\x00\x00\x00\x00\x01\x00\x00\x00\x10\x00\x01\x00\x00\x00\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		Extract(b, 0) // must not panic
	})
}
