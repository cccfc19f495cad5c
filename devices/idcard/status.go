package idcard

import (
	"errors"
	"fmt"
)

// SW3 codes that mean success.
const (
	SW3OK        = 0x90
	SW3CardFound = 0x9F
)

// StatusError is a SAM reply whose SW3 is not a success code. Test it with
// errors.Is against the sentinels below; the UI maps Code() to a message
// for residents.
type StatusError struct {
	SW3 byte
}

// Code returns the SW3 byte.
func (e *StatusError) Code() byte { return e.SW3 }

func (e *StatusError) Error() string {
	if m, ok := statusText[e.SW3]; ok {
		return fmt.Sprintf("sam status %02X: %s", e.SW3, m)
	}
	return fmt.Sprintf("sam status %02X: unknown", e.SW3)
}

// Is reports whether target is a *StatusError with the same code.
func (e *StatusError) Is(target error) bool {
	t, ok := target.(*StatusError)
	return ok && t.SW3 == e.SW3
}

// Sentinels for errors.Is.
var (
	ErrHostChecksum    error = &StatusError{0x10}
	ErrHostLength      error = &StatusError{0x11}
	ErrCommand         error = &StatusError{0x21}
	ErrNotPermitted    error = &StatusError{0x23}
	ErrUnrecognised    error = &StatusError{0x24}
	ErrCardAuthSAM     error = &StatusError{0x31}
	ErrSAMAuthCard     error = &StatusError{0x32}
	ErrVerify          error = &StatusError{0x33}
	ErrCardType        error = &StatusError{0x40}
	ErrReadFailed      error = &StatusError{0x41}
	ErrRandom          error = &StatusError{0x47}
	ErrSAMSelfTest     error = &StatusError{0x60}
	ErrSAMUnauthorised error = &StatusError{0x66}
	ErrNoCard          error = &StatusError{0x80}
	ErrSelectFailed    error = &StatusError{0x81}
	ErrNoContent       error = &StatusError{0x91}
)

var statusText = map[byte]string{
	0x10: "host frame checksum error",
	0x11: "host frame length error",
	0x21: "command error",
	0x23: "operation not permitted",
	0x24: "unrecognised error",
	0x31: "card failed to authenticate the sam",
	0x32: "sam failed to authenticate the card",
	0x33: "information verification error",
	0x40: "unrecognised card type",
	0x41: "read card failed",
	0x47: "get random number failed",
	0x60: "sam self-test failed",
	0x66: "sam not authorised",
	0x80: "no card found",
	0x81: "select card failed",
	0x91: "no such item on the card",
}

// IsSAMFault reports whether err means the SAM module itself is unusable
// (self-test failure or not authorised), as opposed to a card problem.
func IsSAMFault(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.SW3 == 0x60 || se.SW3 == 0x66
	}
	return false
}
