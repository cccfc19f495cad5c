package main

import (
	"context"
	"crypto/ed25519"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/bianmin/kiosk/app/auth"
)

// TestIssueQR: the province's key pair and a code from kioskctl; the PNG
// decodes (gozxing) to the printed payload, which the terminal's verifier
// accepts for the named terminal only; the private key is 0600 and never
// overwritten; a validity over 24 h is refused.
func TestIssueQR(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "province.key")
	if code, out, errs := ctl(t, "admin", "qr-keygen", "--out", key); code != 0 || !strings.Contains(out, key+".pub") {
		t.Fatalf("keygen: %d %s %s", code, out, errs)
	}
	if st, err := os.Stat(key); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v %v", st, err)
	}
	before, _ := os.ReadFile(key)
	if code, _, _ := ctl(t, "admin", "qr-keygen", "--out", key); code == 0 {
		t.Fatal("keygen overwrote the province key")
	}
	if after, _ := os.ReadFile(key); string(after) != string(before) {
		t.Fatal("the key changed")
	}
	img := filepath.Join(dir, "tech.png")
	code, out, errs := ctl(t, "admin", "issue-qr", "--key", key, "--tech", "J0107", "--name", "陈工",
		"--station", "330106001", "--terminal", "T01", "--valid", "2h", "--png", img)
	if code != 0 {
		t.Fatalf("issue-qr: %d %s %s", code, out, errs)
	}
	tok := strings.TrimSpace(out)
	f, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pic, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(pic)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil || res.GetText() != tok {
		t.Fatalf("PNG decodes to %v %v, want the printed code", res, err)
	}
	pubPEM, _ := os.ReadFile(key + ".pub")
	keys, err := auth.ParseTechKeys(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	verify := func(target auth.TechTarget) error {
		_, _, err := auth.NewTechVerifier([]ed25519.PublicKey(keys), func() auth.TechTarget { return target },
			auth.NewNonceLog(filepath.Join(t.TempDir(), "n.json")), nil).Technician(context.Background(), tok)
		return err
	}
	if err := verify(auth.TechTarget{Station: "330106001", Terminal: "T01", Division: "330106013201"}); err != nil {
		t.Fatalf("the named terminal refused it: %v", err)
	}
	if err := verify(auth.TechTarget{Station: "330106001", Terminal: "T02", Division: "330106013201"}); auth.TechQRReason(err) != "wrong_terminal" {
		t.Fatalf("another terminal: %v", err)
	}
	c, _, _, _ := auth.ParseTechQR(tok)
	if d := time.Duration(c.NotAfter-c.NotBefore) * time.Second; d != 2*time.Hour {
		t.Fatalf("validity %v", d)
	}
	if code, _, _ := ctl(t, "admin", "issue-qr", "--key", key, "--tech", "J0107", "--division", "330106", "--valid", "48h"); code == 0 {
		t.Fatal("a 48 h code was issued")
	}
	if code, _, _ := ctl(t, "admin", "issue-qr", "--key", key, "--tech", "J0107"); code == 0 {
		t.Fatal("a code naming no terminal was issued")
	}
}
