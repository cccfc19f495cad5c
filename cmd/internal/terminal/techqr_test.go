package terminal

import (
	"context"
	"crypto/ed25519"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/app/session"
)

func techAudit(t *testing.T, term *Terminal) []string {
	t.Helper()
	log, err := term.Store.AuditLog(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range log {
		if strings.HasPrefix(e.Event, "admin.qr") {
			out = append(out, e.Event+" "+e.Detail)
		}
	}
	return out
}

// TestTechnicianQROnTheTerminal: a province-signed technician code, sent by
// the QR scanner simulator over its serial line, opens the maintenance
// screen of the terminal it names without the PIN, audited with the
// technician ID; the same code scanned again is refused, also after the
// whole terminal restarted; a code for another terminal is refused with
// its reason on the attract screen. Kills: the nonce kept only in memory,
// the terminal binding or the trust file not wired.
func TestTechnicianQROnTheTerminal(t *testing.T) {
	dir := t.TempDir()
	keyPath := filepath.Join(t.TempDir(), "province.key")
	priv, err := auth.GenerateTechKey(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg := adminConfig(t, dir)
	cfg.Admin.TechnicianKeysFile = keyPath + ".pub"
	now := time.Now()
	claims := auth.TechClaims{TechID: "J0107", Name: "陈工", Station: cfg.Station.Code, Terminal: cfg.Station.Terminal,
		NotBefore: now.Add(-time.Minute).Unix(), NotAfter: now.Add(2 * time.Hour).Unix(), Nonce: auth.NewNonce()}
	tok, err := auth.IssueTechQR(priv, claims)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	term, err := Start(ctx, cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	s := term.Session
	waitFor(t, "QR scanner up", 10*time.Second, func() bool { return term.Sims.QR != nil })
	if err := term.Sims.QR.Send(tok); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "maintenance screen", 10*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenAdmin })
	if sn := s.Snapshot(); sn.Admin.Technician != "J0107" {
		t.Fatalf("admin state %+v", sn.Admin)
	}
	waitFor(t, "report", 10*time.Second, func() bool { sn := s.Snapshot(); return sn.Admin.Report != nil && !sn.Admin.Busy })
	s.AdminExit()
	if got := techAudit(t, term); len(got) != 1 || !strings.HasPrefix(got[0], "admin.qr_login tech=J0107 key="+auth.TechKeyID(priv.Public().(ed25519.PublicKey))) || strings.Contains(got[0], "陈工") {
		t.Fatalf("audit %q", got)
	}
	// Replayed at once: refused.
	if err := term.Sims.QR.Send(tok); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replay refused", 10*time.Second, func() bool { return s.Snapshot().Notice == "notice.techqr_replayed" })
	term.Close()

	// After a restart of the whole terminal: still refused.
	term, err = Start(ctx, cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	s = term.Session
	waitFor(t, "QR scanner up", 10*time.Second, func() bool { return term.Sims.QR != nil })
	if err := term.Sims.QR.Send(tok); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "replay after restart refused", 10*time.Second, func() bool { return s.Snapshot().Notice == "notice.techqr_replayed" })
	if s.Snapshot().Screen != session.ScreenAttract {
		t.Fatal("a replayed code opened admin mode after a restart")
	}
	// A fresh code for another terminal of the same station.
	other := claims
	other.Terminal, other.Nonce = "T02", auth.NewNonce()
	tok2, err := auth.IssueTechQR(priv, other)
	if err != nil {
		t.Fatal(err)
	}
	if err := term.Sims.QR.Send(tok2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "wrong terminal refused", 10*time.Second, func() bool { return s.Snapshot().Notice == "notice.techqr_wrong_terminal" })
	got := techAudit(t, term)
	if len(got) != 4 || !strings.HasPrefix(got[1], "admin.qr_refused reason=replayed claimed_tech=J0107") || got[2] != got[1] ||
		!strings.HasPrefix(got[3], "admin.qr_refused reason=wrong_terminal claimed_tech=J0107") {
		t.Fatalf("audit %q", got)
	}
}
