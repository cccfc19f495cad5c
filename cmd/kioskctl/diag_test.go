package main

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/offline"
)

// The diagnostics bundle of a store holding every test card's application
// (name, ID number, address in the form too) holds none of their personal
// data, and no key material, but does hold the stats and the verify result.
func TestDiagBundleHasNoPersonalData(t *testing.T) {
	dir := t.TempDir()
	if err := offline.GenerateKeyFile(filepath.Join(dir, "store.key")); err != nil {
		t.Fatal(err)
	}
	keyBytes, _ := os.ReadFile(filepath.Join(dir, "store.key"))
	st := openCtlStore(t, dir)
	cards, err := testcards.All()
	if err != nil || len(cards) == 0 {
		t.Fatalf("testcards: %v", err)
	}
	var pii []string
	for i, c := range cards {
		id := c.Identity
		for _, v := range []string{id.Name, id.NameEN, id.IDNumber, id.PassNumber, id.Address} {
			if len(v) >= 4 {
				pii = append(pii, v)
			}
		}
		b := []byte("scan of " + id.Name)
		sum := sha256.Sum256(b)
		app := &kiosk.Application{InstanceID: fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), AcceptanceNo: fmt.Sprintf("330106001-T01-20261201-%04d", i+1),
			ItemCode: "X1", ItemName: "测试", Applicant: *id, CreatedAt: time.Now(), Test: true,
			Form:        map[string]string{"name": id.Name, "id_number": id.IDNumber, "address": id.Address},
			Attachments: []kiosk.Attachment{{ID: "p1", Name: id.Name + ".pdf", MediaType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}}}
		if err := st.Enqueue(context.Background(), app, map[string][]byte{"p1": b}); err != nil {
			t.Fatal(err)
		}
	}
	st.Close()
	m, _ := filepath.Glob(filepath.Join(dir, "attachments", "00000000-*", "*.seal"))
	if len(m) != 1 {
		t.Fatalf("sealed files %v", m)
	}
	os.Truncate(m[0], 0) // one damaged, for verify.json

	out := filepath.Join(t.TempDir(), "diag.tar.gz")
	code, stdout, errs := queueRun(t, "diag", "bundle", "--data", dir, "--out", out)
	if code != 0 {
		t.Fatalf("diag: exit %d\n%s%s", code, stdout, errs)
	}
	files := readTarGz(t, out)
	for _, name := range []string{"versions.json", "config.json", "devices.json", "queue-stats.json", "verify.json", "integrity.json"} {
		if _, ok := files["kiosk-diag/"+name]; !ok {
			t.Errorf("bundle has no %s (has %v)", name, diagNames(files))
		}
	}
	if v := files["kiosk-diag/verify.json"]; !strings.Contains(v, "00000000-0000-4000-8000-000000000000") || !strings.Contains(v, "empty (0 bytes)") {
		t.Errorf("verify.json:\n%s", v)
	}
	if s := files["kiosk-diag/queue-stats.json"]; !strings.Contains(s, fmt.Sprintf(`"pending": %d`, len(cards))) {
		t.Errorf("queue-stats.json:\n%s", s)
	}
	key := strings.TrimSpace(string(keyBytes))
	for name, body := range files {
		for _, p := range pii {
			if strings.Contains(body, p) {
				t.Errorf("%s holds personal data %q", name, p)
			}
		}
		if len(key) >= 16 && strings.Contains(body, key) {
			t.Errorf("%s holds the store key", name)
		}
	}
}

func readTarGz(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = string(b)
	}
}

func diagNames(m map[string]string) []string {
	var k []string
	for n := range m {
		k = append(k, n)
	}
	return k
}
