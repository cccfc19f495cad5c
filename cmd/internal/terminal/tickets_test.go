package terminal

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/bianmin/kiosk/offline"
)

// The queue ticket count of a day survives a restart (a new store on the
// same directory): no second A001 on the same day.
func TestQueueTicketsCountOnAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "store.key")
	if err := offline.GenerateKeyFile(keyPath); err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	var got []int
	for restart := 0; restart < 2; restart++ {
		key, err := offline.LoadKey(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		st, err := offline.Open(ctx, filepath.Join(dir, "store"), key)
		if err != nil {
			t.Fatal(err)
		}
		c := &ticketCounter{st: st}
		for i := 0; i < 2; i++ {
			n, err := c.NextTicket(ctx, day)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, n)
		}
		if n, _ := c.NextTicket(ctx, day.AddDate(0, 0, 1)); n != restart+1 {
			t.Errorf("the next day counts on its own: got %d, want %d", n, restart+1)
		}
		st.Close()
	}
	if len(got) != 4 || got[0] != 1 || got[1] != 2 || got[2] != 3 || got[3] != 4 {
		t.Fatalf("ticket numbers across a restart: %v", got)
	}
}
