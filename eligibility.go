package kiosk

import (
	"errors"
	"fmt"
)

// ErrNotEligible is wrapped by every eligibility failure (age and the like):
// the resident cannot apply for this item at all, whatever they type.
var ErrNotEligible = errors.New("applicant not eligible for this item")

// ErrNoBirthDate is returned by CheckAge when an item bounds the age and the
// applicant's birth date is unknown.
var ErrNoBirthDate = fmt.Errorf("%w: birth date unknown", ErrNotEligible)

// AgeError says the applicant's age is outside an item's bounds. It wraps
// ErrNotEligible.
type AgeError struct {
	Age, Min, Max int // Min or Max 0: unbounded on that side
}

func (e *AgeError) Error() string {
	return fmt.Sprintf("%s: age %d outside %d..%d", ErrNotEligible, e.Age, e.Min, e.Max)
}

// Unwrap lets errors.Is(err, ErrNotEligible) hold.
func (e *AgeError) Unwrap() error { return ErrNotEligible }

// AgeOn returns the age in whole years on day of someone born on birth: the
// birthday counts from its own day (born 1946-03-01: 80 on 2026-03-01). A
// 29 February birthday counts from 1 March in common years.
func AgeOn(birth, day Date) int {
	age := day.Year - birth.Year
	if day.Month < birth.Month || (day.Month == birth.Month && day.Day < birth.Day) {
		age--
	}
	return age
}

// CheckAge applies the item's age bounds to an applicant born on birth,
// applying on day.
func (it *ServiceItem) CheckAge(birth, day Date) error {
	if it.MinAge == 0 && it.MaxAge == 0 {
		return nil
	}
	if birth.IsZero() {
		return ErrNoBirthDate
	}
	age := AgeOn(birth, day)
	if (it.MinAge > 0 && age < it.MinAge) || (it.MaxAge > 0 && age > it.MaxAge) {
		return &AgeError{Age: age, Min: it.MinAge, Max: it.MaxAge}
	}
	return nil
}
