package terminal

import (
	"context"
	"testing"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/config"
)

// TestMaintenanceAsksTheSession: the terminal's nightly maintenance runs
// under its supervisor and stops short while a resident is on a screen other
// than the attract screen; back on the attract screen it runs every step and
// the integrity result is exposed. Kills: NoResident ignoring the session.
func TestMaintenanceAsksTheSession(t *testing.T) {
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	if term.Maintenance == nil {
		t.Fatal("no maintenance service")
	}
	term.Session.StartManual()
	if term.NoResident() {
		t.Fatal("a resident on the manual identity screen counts as absent")
	}
	if rep := term.Maintenance.RunOnce(context.Background()); !rep.Interrupted {
		t.Fatalf("maintenance ran with a resident present: %+v", rep)
	}
	term.Session.End()
	waitFor(t, "attract screen", 10*time.Second, term.NoResident)
	rep := term.Maintenance.RunOnce(context.Background())
	if rep.Interrupted || !rep.IntegrityOK() || len(rep.Errors) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if last := term.Maintenance.Last(); last == nil || !last.IntegrityOK() {
		t.Fatal("the integrity result is not exposed")
	}
}

// TestMaintenanceWindowConfig: a malformed window is a configuration failure.
func TestMaintenanceWindowConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	cfg.Store.MaintenanceWindow = "2am"
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err == nil {
		term.Close()
		t.Fatal("a malformed maintenance window was accepted")
	}
}
