package screens

import (
	"context"
	"errors"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
)

// errorText turns an error into a plain sentence for the resident. This is the
// one place where errors become Chinese (or English); drivers and the store
// never produce resident-facing text.
func (u *UI) errorText(err error) string {
	var dev *session.DeviceError
	if t, ok := u.authErrorText(err); ok {
		return t
	}
	switch {
	case err == nil:
		return ""
	case errors.As(err, &dev):
		return u.stateText(dev.Device, dev.State)
	case errors.Is(err, kiosk.ErrRequired):
		return u.T("field_error.required")
	case errors.Is(err, kiosk.ErrIDLength):
		return u.T("field_error.id_length")
	case errors.Is(err, kiosk.ErrIDCharacters):
		return u.T("field_error.id_chars")
	case errors.Is(err, kiosk.ErrIDBirthDate):
		return u.T("field_error.id_birth")
	case errors.Is(err, kiosk.ErrIDChecksum):
		return u.T("field_error.id_checksum")
	case errors.Is(err, kiosk.ErrMobilePrefix):
		return u.T("field_error.mobile_prefix")
	case errors.Is(err, kiosk.ErrMobile):
		return u.T("field_error.mobile")
	case errors.Is(err, kiosk.ErrNotEligible):
		return u.T("notice.not_eligible")
	case errors.Is(err, kiosk.ErrCreditChecksum):
		return u.T("field_error.credit_warn")
	case errors.Is(err, kiosk.ErrCreditLength), errors.Is(err, kiosk.ErrCreditCharacters):
		return u.T("field_error.credit")
	case errors.Is(err, kiosk.ErrBadDate):
		return u.T("field_error.date")
	case errors.Is(err, kiosk.ErrNotNumber):
		return u.T("field_error.number")
	case errors.Is(err, kiosk.ErrNotAChoice):
		return u.T("field_error.choice")
	case errors.Is(err, session.ErrAgentRequired):
		return u.T("manual.need_agent")
	case errors.Is(err, session.ErrNameRequired):
		return u.T("manual.need_name")
	case errors.Is(err, session.ErrEmptySignature):
		return u.T("sign.empty")
	case errors.Is(err, session.ErrMaterialsIncomplete):
		return u.T("materials.incomplete")
	case errors.Is(err, context.DeadlineExceeded):
		return u.stateLabel(kiosk.DeviceDisconnected)
	case errors.Is(err, kiosk.ErrStorageFull):
		return u.T("review.storage_full")
	}
	return u.T("field_error.other")
}
