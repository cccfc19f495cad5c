package kiosk

import (
	"errors"
	"testing"
	"time"
)

func TestAgeOn(t *testing.T) {
	d := func(s string) Date { v, _ := ParseDate(s); return v }
	tests := []struct {
		birth, day string
		want       int
	}{
		{"1946-03-01", "2026-03-01", 80},
		{"1946-03-02", "2026-03-01", 79},
		{"1946-02-28", "2026-03-01", 80},
		{"1990-03-07", "2026-12-01", 36},
		{"1948-02-29", "2028-02-28", 79},
		{"1948-02-29", "2028-02-29", 80},
		{"1947-02-28", "2027-02-28", 80},
	}
	for _, tt := range tests {
		if got := AgeOn(d(tt.birth), d(tt.day)); got != tt.want {
			t.Errorf("AgeOn(%s, %s) = %d, want %d", tt.birth, tt.day, got, tt.want)
		}
	}
}

// An applicant born in 1990 is not accepted for an 80+ allowance, neither by
// the item's check nor by Application.Check (what the store refuses).
func TestAgeBoundRefusesTheYoung(t *testing.T) {
	it := &ServiceItem{Code: "gl", Name: "高龄津贴申领", MinAge: 80}
	young, _ := ParseDate("1990-03-07")
	old, _ := ParseDate("1940-05-06")
	day, _ := ParseDate("2026-12-01")
	var ae *AgeError
	if err := it.CheckAge(young, day); !errors.Is(err, ErrNotEligible) || !errors.As(err, &ae) || ae.Age != 36 || ae.Min != 80 {
		t.Fatalf("born 1990: %v", err)
	}
	if err := it.CheckAge(old, day); err != nil {
		t.Fatalf("born 1940: %v", err)
	}
	if err := it.CheckAge(Date{}, day); !errors.Is(err, ErrNotEligible) {
		t.Fatalf("no birth date: %v", err)
	}
	if err := (&ServiceItem{}).CheckAge(young, day); err != nil {
		t.Fatalf("unbounded item: %v", err)
	}
	// 2026-11-30 20:00 UTC is already 1 December in China: the 80th
	// birthday on 1 December counts.
	born80, _ := ParseDate("1946-12-01")
	app := &Application{InstanceID: "i", AcceptanceNo: "n", Form: map[string]string{},
		CreatedAt: time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC), Applicant: Identity{Birth: born80}}
	if err := app.Check(it); err != nil {
		t.Fatalf("80 today in China: %v", err)
	}
	app.Applicant.Birth = young
	if err := app.Check(it); !errors.Is(err, ErrNotEligible) {
		t.Fatalf("Application.Check born 1990 = %v, want ErrNotEligible", err)
	}
}

func TestMobileErrorsSayWhy(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"12345678901", ErrMobilePrefix},
		{"10012345678", ErrMobilePrefix},
		{"1380013", ErrMobileLength},
		{"138001380001", ErrMobileLength},
		{"1380013800a", ErrMobile},
	}
	for _, tt := range tests {
		err := CheckMobile(tt.in)
		if !errors.Is(err, tt.want) || !errors.Is(err, ErrMobile) {
			t.Errorf("CheckMobile(%q) = %v, want %v", tt.in, err, tt.want)
		}
		if tt.want == ErrMobile && (errors.Is(err, ErrMobileLength) || errors.Is(err, ErrMobilePrefix)) {
			t.Errorf("CheckMobile(%q) = %v: letters are neither a length nor a prefix problem", tt.in, err)
		}
	}
	if errors.Is(CheckMobile("12345678901"), ErrMobileLength) {
		t.Error("12345678901 has 11 digits: not a length error")
	}
}

func TestCatalogRejectsBadAgeBounds(t *testing.T) {
	for _, b := range [][2]int{{-1, 0}, {80, 60}} {
		it := ServiceItem{MinAge: b[0], MaxAge: b[1]}
		c := &Catalog{Items: []ServiceItem{it}}
		if err := c.Validate(); !errors.Is(err, ErrCatalog) {
			t.Errorf("bounds %v accepted", b)
		}
	}
}
