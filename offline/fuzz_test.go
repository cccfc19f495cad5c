package offline

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var updateSeeds = flag.Bool("update", false, "rewrite the committed fuzz seed corpus in testdata/fuzz")

// validTransfer makes a small valid transfer file sealed with transferKey.
func validTransfer(t testing.TB, apps int) []byte {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), testKey)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(5, 5))
	for i := range apps {
		app, f := testApp(i+1, "11010519491231002X", 1, 40, rng)
		if err := s.Enqueue(ctx, app, f); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := s.Export(ctx, &buf, transferKey); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzReadTransfer feeds arbitrary bytes to the transfer-file reader: it
// must never panic, and whatever it accepts must hold applications.
func FuzzReadTransfer(f *testing.F) {
	valid := validTransfer(f, 2)
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add(validTransfer(f, 0))
	f.Add([]byte("BKXFER1\n0123456789abcdef\x00\x00\x00\x10"))
	f.Add([]byte("BKXFER1\n0123456789abcdef\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		err := readTransfer(bytes.NewReader(data), transferKey, func(_ []byte, rec *transferRecord) error {
			if rec.App == nil {
				t.Fatal("record without application passed on")
			}
			return nil
		})
		_ = err
	})
}

// FuzzParseKey feeds arbitrary key-file contents to the key parser.
func FuzzParseKey(f *testing.F) {
	f.Add(bytes.Repeat([]byte{7}, 32))
	f.Add([]byte("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"))
	f.Add([]byte("zz"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := parseKey(data)
		if err == nil && len(data) != 32 && len(bytes.TrimSpace(data)) != 64 {
			t.Fatalf("accepted %d bytes as key %x", len(data), k)
		}
	})
}

// TestWriteFuzzSeeds rewrites the committed seed corpus with -update.
func TestWriteFuzzSeeds(t *testing.T) {
	if !*updateSeeds {
		t.Skip("run with -update to rewrite testdata/fuzz")
	}
	valid := validTransfer(t, 2)
	seeds := map[string]map[string][]byte{
		"FuzzReadTransfer": {
			"valid-two":  valid,
			"cut":        valid[:len(valid)-10],
			"empty":      validTransfer(t, 0),
			"huge-frame": []byte("BKXFER1\n0123456789abcdef\x7f\xff\xff\xff"),
		},
		"FuzzParseKey": {
			"raw": bytes.Repeat([]byte{7}, 32),
			"hex": []byte("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"),
		},
	}
	for fuzz, files := range seeds {
		dir := filepath.Join("testdata", "fuzz", fuzz)
		os.MkdirAll(dir, 0o755)
		for name, b := range files {
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
