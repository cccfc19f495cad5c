package session

import (
	kiosk "github.com/bianmin/kiosk"
)

// eligibleLocked checks the applicant against the chosen items' conditions
// that the terminal can check (age bounds), on today's date in China.
func (s *Session) eligibleLocked() error {
	id := s.s.Identity
	if id == nil {
		return nil
	}
	today := kiosk.NewDate(s.deps.Clock.Now().In(chinaTime))
	for _, it := range s.itemsLocked() {
		if err := it.CheckAge(id.Birth, today); err != nil {
			return err
		}
	}
	return nil
}
