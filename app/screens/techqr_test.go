package screens

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/app/session"
)

// TestTechQRRefusalsToldPlainly: every refusal of a technician QR code is a
// distinct Chinese sentence, on the PIN pad (errorText) and as the attract
// screen's notice (the same key). Kills: a reason without a translation, the
// PIN pad falling back to 内容不正确.
func TestTechQRRefusalsToldPlainly(t *testing.T) {
	_, u, _, _ := setup(t, false)
	seen := map[string]string{}
	for _, e := range []error{auth.ErrTechMalformed, auth.ErrTechUnknownKey, auth.ErrTechBadSignature, auth.ErrTechNotYetValid,
		auth.ErrTechExpired, auth.ErrTechTooLong, auth.ErrTechWrongTerm, auth.ErrTechReplayed, auth.ErrTechNoKeys} {
		err := fmt.Errorf("wrapped: %w", e)
		got := u.errorText(err)
		if got != u.T(session.TechQRNotice(err)) || got == u.T("field_error.other") || strings.HasPrefix(got, "[") || !strings.Contains(got, "二维码") {
			t.Errorf("%v: %q", e, got)
		}
		if prev, dup := seen[got]; dup {
			t.Errorf("%v and %s say the same: %q", e, prev, got)
		}
		seen[got] = e.Error()
	}
	if got := u.errorText(errors.New("other")); strings.Contains(got, "二维码") {
		t.Errorf("a plain error told as a QR refusal: %q", got)
	}
}
