package terminal

import (
	"testing"
	"time"

	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets/testcards"
)

// The card taken off the simulated reader (over the GA 467 line) reaches the
// session mid-form, and putting it back resumes the form.
func TestCardRemovedReachesTheSession(t *testing.T) {
	term := start(t)
	s := term.Session
	card, err := testcards.Get("resident")
	if err != nil {
		t.Fatal(err)
	}
	if err := term.Sims.Reader.PlaceCard(card); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "card read", 10*time.Second, func() bool { return s.Snapshot().Screen == session.ScreenHome })
	if err := s.ChooseItem(s.Frequent()[0].Code); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	term.Sims.Reader.RemoveCard()
	waitFor(t, "card out", 10*time.Second, func() bool { return s.Snapshot().CardOut })
	if err := term.Sims.Reader.PlaceCard(card); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "card back", 10*time.Second, func() bool { sn := s.Snapshot(); return !sn.CardOut && sn.Screen == session.ScreenForm })
}
