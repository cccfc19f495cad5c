package screens

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets"
)

// TestTechQRRefusalsToldPlainly: every refusal of a technician QR code is a
// distinct Chinese sentence, on the PIN pad (errorText) and as the attract
// screen's notice (the same key). Kills: a reason without a translation, the
// PIN pad falling back to 内容不正确.
func TestTechQRRefusalsToldPlainly(t *testing.T) {
	_, u, _, _ := setup(t, false)
	seen := map[string]string{}
	for _, e := range []error{auth.ErrTechMalformed, auth.ErrTechUnknownKey, auth.ErrTechBadSignature, auth.ErrTechNotYetValid,
		auth.ErrTechExpired, auth.ErrTechTooLong, auth.ErrTechWrongTerm, auth.ErrTechReplayed, auth.ErrTechNoKeys} {
		err := fmt.Errorf("wrapped: %w", e)
		got := u.errorText(err)
		if got != u.T(session.TechQRNotice(err)) || got == u.T("field_error.other") || strings.HasPrefix(got, "[") || !strings.Contains(got, "二维码") {
			t.Errorf("%v: %q", e, got)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("%v and %s say the same: %q", e, prev, got)
		}
		seen[got] = e.Error()
	}
	if got := u.errorText(errors.New("other")); strings.Contains(got, "二维码") {
		t.Errorf("a plain error told as a QR refusal: %q", got)
	}
}

// TestTechQROnTheScreens: a refused technician code is told on the attract
// screen's notice line; a good one opens the maintenance screen, which
// names the technician.
func TestTechQROnTheScreens(t *testing.T) {
	test.NewTempApp(t)
	cat, err := assets.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	clk.mu.Lock()
	clk.t = time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	clk.mu.Unlock()
	dir := t.TempDir()
	priv, err := auth.GenerateTechKey(filepath.Join(dir, "province.key"))
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewTechVerifier([]ed25519.PublicKey{priv.Public().(ed25519.PublicKey)},
		func() auth.TechTarget {
			return auth.TechTarget{Station: "330106001", Terminal: "T01", Division: "330106013201"}
		},
		auth.NewNonceLog(filepath.Join(dir, "nonces.json")), clk.Now)
	s := session.New(session.Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01", Name: "双流村便民服务站"}},
		session.Deps{Catalog: cat, Store: &memStore{}, Printer: printerFor(t), Clock: clk, NewID: seqID(),
			Audit: &screenAudit{}, Maintenance: fixedMaint{}, TechQR: v})
	w := test.NewWindow(nil)
	w.Resize(fyne.NewSize(1080, 1920))
	u := New(w, s, Options{})
	token := func(div string) string {
		now := clk.Now()
		tok, err := auth.IssueTechQR(priv, auth.TechClaims{TechID: "J0107", Name: "陈工", Division: div,
			NotBefore: now.Add(-time.Minute).Unix(), NotAfter: now.Add(time.Hour).Unix(), Nonce: auth.NewNonce()})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	s.QRScanned(token("330107"))
	if want := u.T("notice.techqr_wrong_terminal"); !waitShows(w, want) {
		t.Fatalf("the attract screen does not say %q", want)
	}
	shot(t, w, "attract")
	s.QRScanned(token("330106"))
	if want := u.T("admin.technician", "J0107"); !waitShows(w, want) {
		t.Fatalf("the maintenance screen does not say %q", want)
	}
	shot(t, w, "maintenance")
}

// shot saves the window as TECHQR_SHOT-NAME.png when TECHQR_SHOT is set
// (a look at the screens, not a golden image).
func shot(t *testing.T, w fyne.Window, name string) {
	if out := os.Getenv("TECHQR_SHOT"); out != "" {
		f, err := os.Create(out + "-" + name + ".png")
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, w.Canvas().Capture()); err != nil {
			t.Fatal(err)
		}
	}
}
