package session

import (
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

// TestBackWalksTheVisitBackwards: Back returns through the screens the
// resident went through, newest first, but never onto the signature pad
// (a signature given is not drawn again by going back) nor onto the
// submitting screen; with nothing left and no resident it shows the attract
// screen. Mutations killed (gremlins, session.go Back): the history loop's
// condition negated, the pop's index shifted, either skipped screen
// compared with != instead of ==.
func TestBackWalksTheVisitBackwards(t *testing.T) {
	s, _, _, _ := newSession(t)
	var visited []Screen
	note := func() {
		if sc := s.Snapshot().Screen; len(visited) == 0 || visited[len(visited)-1] != sc {
			visited = append(visited, sc)
		}
	}
	note()
	s.CardRead(card())
	note()
	if err := s.ChooseItem("A"); err != nil {
		t.Fatal(err)
	}
	note()
	s.StartForm()
	note()
	s.SetField("phone", "13800138000")
	if !s.SubmitForm() {
		t.Fatalf("form refused: %v", s.Snapshot().FieldErrors)
	}
	note()
	_ = s.SetMaterialMode(1, kiosk.MaterialCommitted)
	note()
	_ = s.Sign([]byte("sig"))
	note()
	_ = s.SetMaterialMode(2, kiosk.MaterialDeferred)
	note()
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	note()
	signed := false
	for _, sc := range visited {
		signed = signed || sc == ScreenSign
	}
	if !signed || visited[len(visited)-1] != ScreenReview {
		t.Fatalf("the walk did not pass the signature pad to review: %v", visited)
	}
	// Expected backwards path: every earlier screen except sign, newest first.
	var want []Screen
	for i := len(visited) - 2; i >= 0; i-- {
		if visited[i] != ScreenSign && visited[i] != ScreenSubmitting {
			want = append(want, visited[i])
		}
	}
	for i, w := range want {
		s.Back()
		got := s.Snapshot().Screen
		if got == ScreenSign || got == ScreenSubmitting {
			t.Fatalf("Back %d landed on %s (walk %v)", i+1, got, visited)
		}
		if got != w {
			t.Fatalf("Back %d: %s, want %s (walk %v)", i+1, got, w, visited)
		}
		if got == ScreenAttract {
			break
		}
	}
}

// TestBackWithNothingBehind: with no history and no resident, Back shows
// the attract screen.
func TestBackWithNothingBehind(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.Back()
	if got := s.Snapshot().Screen; got != ScreenAttract {
		t.Fatalf("Back on a fresh session: %s", got)
	}
}

// TestNextCardOnTheEndScreenStartsClean: a card read while the end screen
// of the last visit is up starts a new visit whose history begins at the
// attract screen: Back from its home screen never returns to the last
// visit's end screen. Mutation killed (gremlins, session.go CardRead): the
// reset on the end screen skipped (scr == ScreenEnd negated).
func TestNextCardOnTheEndScreenStartsClean(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.CardRead(card())
	if err := s.ChooseItem("A"); err != nil {
		t.Fatal(err)
	}
	s.End()
	if got := s.Snapshot().Screen; got != ScreenEnd {
		t.Fatalf("after End: %s", got)
	}
	next := &kiosk.Identity{CardType: kiosk.CardResident, Source: kiosk.SourceCard, Name: "李四", IDNumber: "110105195001010011", SexCode: "1"}
	s.CardRead(next)
	snap := s.Snapshot()
	if snap.Screen != ScreenHome || snap.Identity == nil || snap.Identity.Name != "李四" {
		t.Fatalf("the next card: screen %s identity %+v", snap.Screen, snap.Identity)
	}
	s.Back()
	if got := s.Snapshot().Screen; got != ScreenAttract {
		t.Errorf("Back from the next visit's home: %s, want attract (not the last visit's screens)", got)
	}
}

// TestHomeWithoutResident: Home shows the home screen to a resident and the
// attract screen when nobody is identified. Mutation killed (gremlins,
// session.go Home): the identity check negated.
func TestHomeWithoutResident(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.Home()
	if got := s.Snapshot().Screen; got != ScreenAttract {
		t.Errorf("Home with nobody identified: %s, want attract", got)
	}
	s.CardRead(card())
	if err := s.ChooseItem("A"); err != nil {
		t.Fatal(err)
	}
	s.Home()
	if got := s.Snapshot().Screen; got != ScreenHome {
		t.Errorf("Home with a resident: %s, want home", got)
	}
}
