package terminal

import (
	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
)

// FillSample completes a form with plausible sample values where the card
// left a field empty or invalid: the screen tour and the integration tests
// use it to walk through any catalogue item.
func FillSample(s *session.Session, it *kiosk.ServiceItem) {
	for _, f := range it.Form {
		v := s.Snapshot().Form[f.Key]
		if v != "" && kiosk.CheckField(f, v) == nil {
			continue
		}
		s.SetField(f.Key, kiosk.SampleValue(f))
	}
}
