package kiosk

import (
	"fmt"
	"time"
)

// Date is a calendar date without time or zone, as printed on cards and forms.
// The zero Date means "absent".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date of t in t's location.
func NewDate(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "YYYYMMDD" (cards) or "YYYY-MM-DD" (forms, JSON).
func ParseDate(s string) (Date, error) {
	layout := "2006-01-02"
	if len(s) == 8 {
		layout = "20060102"
	}
	t, err := time.Parse(layout, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, ErrBadDate)
	}
	return NewDate(t), nil
}

// IsZero reports whether d is absent.
func (d Date) IsZero() bool { return d == Date{} }

// String renders YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns d moved by n calendar days.
func (d Date) AddDays(n int) Date { return NewDate(d.Time().AddDate(0, 0, n)) }

// Before reports whether d is strictly before o.
func (d Date) Before(o Date) bool { return d.Time().Before(o.Time()) }

// MarshalText implements encoding.TextMarshaler (YYYY-MM-DD, empty when absent).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
