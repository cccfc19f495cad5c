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
		switch f.Kind {
		case kiosk.FieldMobile:
			s.SetField(f.Key, "13800138000")
		case kiosk.FieldChoice:
			s.SetField(f.Key, f.Choices[0])
		case kiosk.FieldBankCard, kiosk.FieldNumber:
			s.SetField(f.Key, "6217001234567890")
		case kiosk.FieldDate:
			s.SetField(f.Key, "2026-11-23")
		case kiosk.FieldCreditCode:
			s.SetField(f.Key, "91350100M000100Y43")
		case kiosk.FieldIDNumber:
			s.SetField(f.Key, "11010519491231002X")
		default:
			if f.Required {
				s.SetField(f.Key, "双流村")
			}
		}
	}
}
