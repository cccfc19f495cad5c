package terminal

import (
	"context"
	"testing"
	"time"

	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/sync/api"
)

// TestHelpReachesThePlatformDesk: 呼叫工作人员 on a simulated terminal
// raises a call the emulated service desk records with the terminal's code;
// the resident is told someone is coming only after the desk acknowledged
// it (not when it was raised); with the link cut the call fails at once and
// the help screen sends the resident to a window. Kills: no Helpdesk wired
// (HelpUnavailable), an adapter that returns on the raise without waiting
// for the acknowledgement, one that swallows the failure.
func TestHelpReachesThePlatformDesk(t *testing.T) {
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	desk := term.Sims.Platform
	desk.SetHelpAutoAck("") // hold the call until the test takes it
	s := term.Session
	s.OpenHelp()
	var call api.HelpRecord
	waitFor(t, "the call at the desk", 10*time.Second, func() bool {
		calls, err := desk.HelpCalls()
		if err != nil || len(calls) == 0 {
			return false
		}
		call = calls[0]
		return true
	})
	if want := cfg.Station.Code + "-" + cfg.Station.Terminal; call.Terminal != want || call.Station != cfg.Station.Code || call.State != api.HelpRaised {
		t.Fatalf("the desk holds %+v, want terminal %s raised", call, want)
	}
	// Raised, several polls later still not acknowledged: not told.
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		if st := s.Snapshot().Help.Status; st != session.HelpCalling {
			t.Fatalf("before the acknowledgement the resident sees %q", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := desk.AckHelp(call.ID, "大厅值班 2 号"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "acknowledged", 10*time.Second, func() bool { return s.Snapshot().Help.Status == session.HelpAcked })
	if by := s.Snapshot().Help.By; by != "大厅值班 2 号" {
		t.Errorf("acknowledged by %q", by)
	}

	// Offline: the next visit's call cannot be raised.
	s.End()
	term.Sims.Net.Set(false)
	s.OpenHelp()
	waitFor(t, "the call failed", 25*time.Second, func() bool { return s.Snapshot().Help.Status == session.HelpFailed })
	if calls, _ := desk.HelpCalls(); len(calls) != 1 {
		t.Errorf("the desk holds %d calls after an offline one", len(calls))
	}
}
