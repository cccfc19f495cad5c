package session

import (
	"context"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

func otherCard() *kiosk.Identity {
	return &kiosk.Identity{CardType: kiosk.CardResident, Source: kiosk.SourceCard, Name: "李四", IDNumber: "330106199003070014", SexCode: "1"}
}

// Taking the card off mid-form tells the resident at once; putting it back
// resumes with the form as typed; leaving it away past the grace ends the
// session plainly and wipes the form.
func TestCardRemovedMidForm(t *testing.T) {
	s, _, _, clk := newSession(t)
	s.CardRead(card())
	if err := s.ChooseItem("A"); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	s.SetField("phone", "13800138000")
	s.CardRemoved()
	sn := s.Snapshot()
	if !sn.CardOut || sn.Notice != "notice.card_removed" || sn.Screen != ScreenForm || sn.CardOutRemaining != 30*time.Second {
		t.Fatalf("card removed mid-form: out=%v notice=%q screen=%s remaining=%v", sn.CardOut, sn.Notice, sn.Screen, sn.CardOutRemaining)
	}
	clk.Add(10 * time.Second)
	s.Tick()
	if sn := s.Snapshot(); sn.CardOutRemaining != 20*time.Second {
		t.Fatalf("countdown %v", sn.CardOutRemaining)
	}
	s.CardRead(card()) // the same card back
	sn = s.Snapshot()
	if sn.CardOut || sn.Notice != "" || sn.Screen != ScreenForm || sn.Form["phone"] != "13800138000" {
		t.Fatalf("card back: out=%v notice=%q screen=%s form=%v", sn.CardOut, sn.Notice, sn.Screen, sn.Form)
	}
	s.CardRemoved()
	clk.Add(31 * time.Second)
	s.Tick()
	sn = s.Snapshot()
	if sn.Screen != ScreenAttract || sn.Identity != nil || len(sn.Form) != 0 || sn.Notice != "notice.ended_card_removed" || sn.CardOut {
		t.Fatalf("after the grace: screen=%s identity=%v form=%v notice=%q", sn.Screen, sn.Identity, sn.Form, sn.Notice)
	}
}

// Another resident's card while the first one's is away ends the first
// session: nothing of it shows to the second.
func TestAnotherCardWhileCardOutStartsAfresh(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.StartForm()
	s.SetField("phone", "13800138000")
	s.CardRemoved()
	s.CardRead(otherCard())
	sn := s.Snapshot()
	if sn.Screen != ScreenHome || sn.Identity == nil || sn.Identity.Name != "李四" || sn.Item != nil || len(sn.Form) != 0 || sn.CardOut {
		t.Fatalf("second card: screen=%s identity=%v item=%v form=%v", sn.Screen, sn.Identity, sn.Item, sn.Form)
	}
}

// After the receipt the card leaving is expected: nothing changes.
func TestCardRemovedAfterCommitChangesNothing(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.CardRead(card())
	_ = s.ChooseItem("A")
	submitChosen(t, s)
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	s.CardRemoved()
	if sn := s.Snapshot(); sn.Screen != ScreenDone || sn.CardOut || sn.Notice != "" {
		t.Fatalf("done screen after removal: %s out=%v notice=%q", sn.Screen, sn.CardOut, sn.Notice)
	}
}

// A card left on the reader keeps the end screen's reminder up (spoken
// again) instead of handing the next visitor an attract screen with a card
// the reader will not read again; taking it returns the attract screen, and
// the next card starts a clean session.
func TestCardLeftOnReaderAfterEnd(t *testing.T) {
	s, _, _, clk := newSession(t)
	sp := &recSpeaker{}
	s.deps.Speaker, s.deps.Prompt = sp, func(k string) string { return k }
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.End()
	if sn := s.Snapshot(); sn.Screen != ScreenEnd || sn.Identity != nil {
		t.Fatalf("end: %s %v", sn.Screen, sn.Identity)
	}
	clk.Add(9 * time.Second) // past EndAfter (8 s)
	s.Tick()
	sn := s.Snapshot()
	if sn.Screen != ScreenEnd || !sn.CardLeft {
		t.Fatalf("card still on the reader: screen=%s cardLeft=%v", sn.Screen, sn.CardLeft)
	}
	waitFor(t, "spoken reminder", func() bool { return sp.count("prompt.take_card") == 1 })
	clk.Add(10 * time.Second)
	s.Tick()
	waitFor(t, "second reminder", func() bool { return sp.count("prompt.take_card") == 2 })
	s.CardRemoved()
	sn = s.Snapshot()
	if sn.Screen != ScreenAttract || sn.CardLeft || sn.Identity != nil {
		t.Fatalf("card taken: screen=%s cardLeft=%v", sn.Screen, sn.CardLeft)
	}
	s.CardRead(otherCard())
	sn = s.Snapshot()
	if sn.Screen != ScreenHome || sn.Identity.Name != "李四" || sn.Item != nil || sn.Notice != "" {
		t.Fatalf("next visitor: screen=%s identity=%v item=%v notice=%q", sn.Screen, sn.Identity, sn.Item, sn.Notice)
	}
}

// A card forgotten for good: the attract screen returns after CardLeftFor,
// with a word for staff, and the card's removal clears it.
func TestCardLeftForGoodFlagsStaff(t *testing.T) {
	s, _, _, clk := newSession(t)
	s.CardRead(card())
	s.End()
	clk.Add(2*time.Minute + time.Second)
	s.Tick()
	sn := s.Snapshot()
	if sn.Screen != ScreenAttract || sn.Notice != "notice.card_left" {
		t.Fatalf("card left for good: screen=%s notice=%q", sn.Screen, sn.Notice)
	}
	s.CardRemoved()
	if n := s.Snapshot().Notice; n != "" {
		t.Fatalf("notice after removal %q", n)
	}
}

type recSpeaker struct {
	mu   sync.Mutex
	said []string
}

func (r *recSpeaker) Say(_ context.Context, text string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.said = append(r.said, text)
	return nil
}

func (r *recSpeaker) count(text string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.said {
		if s == text {
			n++
		}
	}
	return n
}
