package kiosk

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Sentinel errors of the checks. Callers test them with errors.Is and the UI
// translates them into plain Chinese in one place.
var (
	ErrBadDate          = errors.New("not a valid date")
	ErrIDLength         = errors.New("id number must have 18 characters")
	ErrIDCharacters     = errors.New("id number has characters other than digits and a final X")
	ErrIDBirthDate      = errors.New("id number carries an impossible birth date")
	ErrIDChecksum       = errors.New("id number check character does not match")
	ErrMobile           = errors.New("not a mainland mobile number")
	ErrCreditLength     = errors.New("credit code must have 18 characters")
	ErrCreditCharacters = errors.New("credit code has characters outside its alphabet")
	ErrCreditChecksum   = errors.New("credit code check character does not match")
)

// ErrMobileLength and ErrMobilePrefix say why a number is not a mobile (both
// wrap ErrMobile): too few or too many digits, or 11 digits that no mainland
// mobile number starts with ("12345678901").
var (
	ErrMobileLength = fmt.Errorf("%w: a mobile number has 11 digits", ErrMobile)
	ErrMobilePrefix = fmt.Errorf("%w: mobile numbers start with 13 to 19", ErrMobile)
)

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// IDCheckChar computes the GB 11643 (ISO 7064 MOD 11-2) check character of the
// first 17 digits of an ID number.
func IDCheckChar(first17 string) (byte, error) {
	if len(first17) != 17 {
		return 0, ErrIDLength
	}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, ErrIDCharacters
		}
		sum += int(c-'0') * idWeights[i]
	}
	return idCheckChars[sum%11], nil
}

// CheckIDNumber validates an 18-character resident ID number (GB 11643-1999):
// length, characters, birth date and check character. A lower-case x is
// accepted. Division codes are not checked against a list: codes that no
// longer exist are still valid on old cards.
func CheckIDNumber(s string) error {
	s = strings.ToUpper(s)
	if len(s) != 18 {
		return ErrIDLength
	}
	want, err := IDCheckChar(s[:17])
	if err != nil {
		return err
	}
	last := s[17]
	if last != 'X' && (last < '0' || last > '9') {
		return ErrIDCharacters
	}
	if _, err := ParseDate(s[6:14]); err != nil {
		return ErrIDBirthDate
	}
	if last != want {
		return ErrIDChecksum
	}
	return nil
}

// IDNumberSexCode returns "1" (male) or "2" (female) from the 17th digit of a
// well-formed 18-character ID number, or "" when it cannot tell.
func IDNumberSexCode(s string) string {
	if len(s) != 18 || s[16] < '0' || s[16] > '9' {
		return ""
	}
	if (s[16]-'0')%2 == 1 {
		return "1"
	}
	return "2"
}

var mobileRE = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// CheckMobile validates a mainland mobile number (11 digits, 1[3-9]…). It
// returns ErrMobileLength for a wrong count of digits, ErrMobilePrefix for
// 11 digits that are not a mobile number ("12345678901"), and ErrMobile for
// anything else that is not digits.
func CheckMobile(s string) error {
	if mobileRE.MatchString(s) {
		return nil
	}
	digits := true
	for _, r := range s {
		if r < '0' || r > '9' {
			digits = false
		}
	}
	switch {
	case !digits:
		return ErrMobile
	case len(s) != 11:
		return ErrMobileLength
	default:
		return ErrMobilePrefix
	}
}

const creditAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CheckCreditCode validates a unified social credit code (GB 32100-2015).
// ErrCreditChecksum alone should be shown as a warning, not a block: some
// early pilot codes fail the check but are valid.
func CheckCreditCode(s string) error {
	s = strings.ToUpper(s)
	if len(s) != 18 {
		return ErrCreditLength
	}
	sum := 0
	for i := 0; i < 18; i++ {
		v := strings.IndexByte(creditAlphabet, s[i])
		if v < 0 {
			return fmt.Errorf("position %d: %w", i+1, ErrCreditCharacters)
		}
		if i < 17 {
			sum += v * creditWeights[i]
		}
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	if creditAlphabet[c] != s[17] {
		return ErrCreditChecksum
	}
	return nil
}
