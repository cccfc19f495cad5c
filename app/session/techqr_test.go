package session

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crypto/ed25519"

	"github.com/bianmin/kiosk/app/auth"
)

// techRig is the admin rig with the real technician verifier trusting one
// province key, for the rig's station.
func techRig(t *testing.T) (*adminRig, ed25519.PrivateKey) {
	t.Helper()
	dir := t.TempDir()
	r := newAdminRig(t, dir, newClock())
	priv, err := auth.GenerateTechKey(filepath.Join(dir, "province.key"))
	if err != nil {
		t.Fatal(err)
	}
	v := auth.NewTechVerifier([]ed25519.PublicKey{priv.Public().(ed25519.PublicKey)},
		func() auth.TechTarget {
			return auth.TechTarget{Station: "330106001", Terminal: "T01", Division: "330106013201"}
		},
		auth.NewNonceLog(filepath.Join(dir, "nonces.json")), r.clk.Now)
	r.s.deps.TechQR = v
	return r, priv
}

func techToken(t *testing.T, priv ed25519.PrivateKey, now time.Time, f func(*auth.TechClaims)) string {
	t.Helper()
	c := auth.TechClaims{TechID: "J0107", Name: "陈工", Division: "330106",
		NotBefore: now.Add(-time.Minute).Unix(), NotAfter: now.Add(time.Hour).Unix(), Nonce: auth.NewNonce()}
	if f != nil {
		f(&c)
	}
	tok, err := auth.IssueTechQR(priv, c)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestTechQRAdminEntry: a good code on the attract screen opens the
// maintenance screen with the technician's ID, audited; an expired one on
// the PIN pad is refused there with its reason and the pad stays; a code
// scanned while a resident is served does nothing but an audit row; without
// a verifier a code is refused as not configured. Kills: a refusal that
// still enters, the entry not audited with the ID, a scan reaching admin
// mode mid-visit.
func TestTechQRAdminEntry(t *testing.T) {
	r, priv := techRig(t)
	r.s.QRScanned(techToken(t, priv, r.clk.Now(), nil))
	sn := r.s.Snapshot()
	if sn.Screen != ScreenAdmin || sn.Admin.Technician != "J0107" {
		t.Fatalf("good code: %s %+v", sn.Screen, sn.Admin)
	}
	if a := r.audit.last(); a.event != "admin.qr_login" || !strings.HasPrefix(a.detail, "tech=J0107 key=") || strings.Contains(a.detail, "陈工") {
		t.Fatalf("audit %+v", a)
	}
	waitFor(t, "report", func() bool { sn := r.s.Snapshot(); return sn.Admin.Report != nil && !sn.Admin.Busy })
	r.s.AdminExit()

	// On the PIN pad: an expired code is refused there.
	r.corner(5)
	r.s.QRScanned(techToken(t, priv, r.clk.Now().Add(-2*time.Hour), nil))
	sn = r.s.Snapshot()
	if sn.Screen != ScreenAdminPIN || !errors.Is(sn.AuthErr, auth.ErrTechExpired) {
		t.Fatalf("expired code on the pad: %s %v", sn.Screen, sn.AuthErr)
	}
	if a := r.audit.last(); a.event != "admin.qr_refused" || !strings.HasPrefix(a.detail, "reason=expired claimed_tech=J0107") {
		t.Fatalf("audit %+v", a)
	}
	// A good one on the pad enters.
	r.s.QRScanned(techToken(t, priv, r.clk.Now(), nil))
	if sn := r.s.Snapshot(); sn.Screen != ScreenAdmin || sn.AuthErr != nil {
		t.Fatalf("good code on the pad: %s %v", sn.Screen, sn.AuthErr)
	}
	waitFor(t, "report", func() bool { sn := r.s.Snapshot(); return sn.Admin.Report != nil && !sn.Admin.Busy })
	r.s.AdminExit()

	// On the attract screen, a refusal is a notice.
	r.s.QRScanned(techToken(t, priv, r.clk.Now(), func(c *auth.TechClaims) { c.Division = "330107" }))
	if sn := r.s.Snapshot(); sn.Screen != ScreenAttract || sn.Notice != "notice.techqr_wrong_terminal" {
		t.Fatalf("wrong county: %s %q", sn.Screen, sn.Notice)
	}

	// A resident is being served: nothing happens but the audit row.
	r.s.CardRead(card())
	good := techToken(t, priv, r.clk.Now(), nil)
	r.s.QRScanned(good)
	if sn := r.s.Snapshot(); sn.Screen != ScreenHome {
		t.Fatalf("a code mid-visit: %s", sn.Screen)
	}
	if a := r.audit.last(); a.event != "admin.qr_refused" || !strings.HasPrefix(a.detail, "reason=in_use") {
		t.Fatalf("audit %+v", a)
	}

	// No verifier: refused as not configured.
	r2 := newAdminRig(t, t.TempDir(), newClock())
	r2.s.QRScanned(good)
	if sn := r2.s.Snapshot(); sn.Screen != ScreenAttract || sn.Notice != "notice.techqr_not_configured" {
		t.Fatalf("no verifier: %s %q", sn.Screen, sn.Notice)
	}
}
