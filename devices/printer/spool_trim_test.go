package printer

import (
	"errors"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// TestSpoolTrimBefore: receipts spooled before the cut-off are dropped from
// memory and disk (a reopened spool does not bring them back); newer ones
// stay. Kills: trimming only the map (they come back after a restart), or
// trimming by the wrong side of the cut-off.
func TestSpoolTrimBefore(t *testing.T) {
	dir := t.TempDir()
	sp, err := OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	sp.now = func() time.Time { return now.Add(-10 * 24 * time.Hour) }
	old, _ := sp.Add(kiosk.Receipt{AcceptanceNo: "A-old"}, errors.New("paper out"))
	sp.now = func() time.Time { return now.Add(-time.Hour) }
	fresh, _ := sp.Add(kiosk.Receipt{AcceptanceNo: "A-new"}, nil)
	n, err := sp.TrimBefore(now.Add(-7 * 24 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("TrimBefore = %d, %v; want 1", n, err)
	}
	again, err := OpenSpool(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := again.Get(old.ID); !errors.Is(err, ErrNotFound) {
		t.Error("the old receipt came back after reopening")
	}
	if _, err := again.Get(fresh.ID); err != nil {
		t.Errorf("the fresh receipt was trimmed: %v", err)
	}
}
