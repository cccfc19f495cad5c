package session

import (
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// cardState follows the card on the reader, as the reader reports it
// (CardRead, CardRemoved), beside the session that it started.
type cardState struct {
	present  bool      // a card is on the reader
	out      bool      // the session's card left mid-session
	outAt    time.Time // when it left
	id       string    // the session card's ID number (to know it again)
	endedAt  time.Time // when the end screen began
	remindAt time.Time // next spoken reminder to take the card
}

// What a card read means while the session's card is out.
const (
	cardNotOut  = iota // no card out: an ordinary read
	cardSame           // the resident put their card back
	cardAnother        // someone else's card: the old session ends
)

// cardMidSession reports whether a screen belongs to a resident's visit in
// progress, where a card taken away matters: before the commit.
func cardMidSession(scr Screen) bool {
	switch scr {
	case ScreenConfirmID, ScreenHome, ScreenCategory, ScreenSearch, ScreenGuide, ScreenForm,
		ScreenMaterials, ScreenSign, ScreenReview:
		return true
	}
	return false
}

// CardRemoved takes the reader's report that the card left it. Mid-session
// (before the commit) the resident is told at once and has CardGrace to put
// it back before the session ends and its data is wiped; on the end screen
// the visit is over and the attract screen returns; after the commit
// (receipt, rating) taking the card is expected and changes nothing.
func (s *Session) CardRemoved() {
	s.update(func() {
		s.card.present = false
		id := s.s.Identity
		switch {
		case s.s.Screen == ScreenEnd:
			s.log.Info("card taken at the end screen")
			s.reset()
		case s.s.Screen == ScreenAttract:
			if s.s.Notice == "notice.card_left" {
				s.s.Notice = ""
			}
		case cardMidSession(s.s.Screen) && id != nil && id.Source == kiosk.SourceCard && !s.card.out:
			s.log.Info("card removed mid-session", "screen", string(s.s.Screen))
			s.card.out, s.card.outAt, s.card.id = true, s.deps.Clock.Now(), id.IDNumber
			s.s.CardOut, s.s.CardOutRemaining = true, s.cfg.CardGrace
			s.s.Notice = "notice.card_removed"
			s.speak("prompt.card_removed")
		}
	})
}

// cardBackLocked tells what a card read means while the session's card is
// out.
func (s *Session) cardBackLocked(id *kiosk.Identity) int {
	if !s.card.out || id.Source != kiosk.SourceCard {
		return cardNotOut
	}
	if id.IDNumber == s.card.id {
		return cardSame
	}
	return cardAnother
}

// cardReturned resumes the session when its own card is back, or ends it
// (wiping everything) and starts afresh for another resident's card.
func (s *Session) cardReturned(id *kiosk.Identity, how int) {
	if how == cardSame {
		s.update(func() {
			s.card.out = false
			s.s.CardOut, s.s.CardOutRemaining = false, 0
			if s.s.Notice == "notice.card_removed" {
				s.s.Notice = ""
			}
			s.touchLocked()
		})
		s.speak("prompt.card_back")
		return
	}
	s.log.Info("another card while the session's card was out: the old session ends")
	s.update(func() {
		elder := s.elder
		s.reset()
		s.elder = elder
	})
	s.CardRead(id)
}

// cardOutDueLocked ends the session when its card has been away for
// CardGrace, and otherwise counts down; it reports whether it ended it.
func (s *Session) cardOutDueLocked(now time.Time) bool {
	if !s.card.out {
		return false
	}
	left := s.cfg.CardGrace - now.Sub(s.card.outAt)
	if left > 0 {
		s.s.CardOutRemaining = left
		return false
	}
	s.log.Info("session ended: the card was not put back", "screen", string(s.s.Screen))
	elder := s.elder
	s.reset()
	s.elder = elder
	// The card is gone: no "take your card" screen, a plain word on the
	// attract screen instead.
	s.s.Notice = "notice.ended_card_removed"
	return true
}

// endScreenDue runs when the end screen's time is up: a card still on the
// reader keeps the reminder up (spoken again every RemindEvery) for up to
// CardLeftFor; then, or once the card is gone, the attract screen returns
// with nothing of the last visit. A card left for good is flagged for staff.
func (s *Session) endScreenDue(now time.Time) {
	remind := false
	s.update(func() {
		if s.s.Screen != ScreenEnd {
			return
		}
		if s.card.present && now.Sub(s.card.endedAt) < s.cfg.CardLeftFor {
			s.s.CardLeft = true
			if !now.Before(s.card.remindAt) {
				s.card.remindAt = now.Add(s.cfg.RemindEvery)
				remind = true
			}
			return
		}
		left := s.card.present
		s.reset()
		if left {
			s.log.Warn("a card was left on the reader")
			s.s.Notice = "notice.card_left"
		}
	})
	if remind {
		s.speak("prompt.take_card")
	}
}
