package screens

import (
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/i18n"
)

// "12345678901" has 11 digits: the resident is told it is not a valid
// mobile number, not to type 11 digits; a 1990 applicant for an 80+ item
// is told plainly why.
func TestMobileAndEligibilityMessages(t *testing.T) {
	u := &UI{tr: i18n.MustLoad(i18n.ZhCN)}
	wrong := u.errorText(kiosk.CheckMobile("12345678901"))
	if wrong == u.T("field_error.mobile") || !strings.Contains(wrong, "不是有效的手机号码") {
		t.Errorf("12345678901: %q", wrong)
	}
	if short := u.errorText(kiosk.CheckMobile("1380013")); short != u.T("field_error.mobile") {
		t.Errorf("1380013: %q", short)
	}
	it := &kiosk.ServiceItem{MinAge: 80}
	err := it.CheckAge(kiosk.Date{Year: 1990, Month: 3, Day: 7}, kiosk.Date{Year: 2026, Month: 12, Day: 1})
	if got := u.errorText(err); got != u.T("notice.not_eligible") || strings.HasPrefix(got, "[") {
		t.Errorf("too young: %q", got)
	}
}
