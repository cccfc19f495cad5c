package kiosk

import (
	"testing"
	"time"
)

// TestAcceptanceNoInChinaTime: a number made at 23:30 UTC belongs to the
// next day in China, whatever the terminal's zone. Mutation killed: using
// the time's own location (UTC on a terminal set to UTC).
func TestAcceptanceNoInChinaTime(t *testing.T) {
	st := Station{Code: "330106001", Terminal: "T01"}
	at := time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC) // 07:30 on the 24th in China
	if got, want := AcceptanceNo(st, at, 7), "330106001-T01-20261124-0007"; got != want {
		t.Errorf("AcceptanceNo = %s, want %s", got, want)
	}
	if got := AcceptanceDay(at); got != "2026-11-24" {
		t.Errorf("AcceptanceDay = %s, want 2026-11-24", got)
	}
	if got := AcceptanceDay(time.Date(2026, 11, 23, 15, 59, 0, 0, time.UTC)); got != "2026-11-23" {
		t.Errorf("AcceptanceDay before midnight in China = %s", got)
	}
}

func TestParseAcceptanceNo(t *testing.T) {
	st, term, day, seq, ok := ParseAcceptanceNo(AcceptanceNo(Station{Code: "330106001", Terminal: "T01"}, time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC), 42))
	if !ok || st != "330106001" || term != "T01" || day != "2026-11-23" || seq != 42 {
		t.Errorf("parse = %q %q %q %d %v", st, term, day, seq, ok)
	}
	for _, bad := range []string{"", "x-y", "330106001-T01-2026112-0001", "330106001-T01-20261123-00x1", "330106001-T01-20261123-0000"} {
		if _, _, _, _, ok := ParseAcceptanceNo(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
}
