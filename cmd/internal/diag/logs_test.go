package diag

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func jline(m map[string]any) string { b, _ := json.Marshal(m); return string(b) + "\n" }

// TestFilterLogs: numbers that look like an ID or a mobile number are
// masked in every kept field even when they are no test card's; a value
// with a denied string is replaced; fields off the allow-list go.
func TestFilterLogs(t *testing.T) {
	raw := jline(map[string]any{"MESSAGE": "sms to 13912345678 for 110101199003074514", "PRIORITY": "4",
		"KIOSK_ERR": "name 王小明 not allowed", "_HOSTNAME": "h", "CODE_FILE": "x.go"})
	r := FilterLogs([]byte(raw), []string{"王小明"})
	if len(r.Records) != 1 {
		t.Fatalf("records %v", r.Records)
	}
	rec := r.Records[0]
	if m := rec["MESSAGE"].(string); strings.Contains(m, "13912345678") || strings.Contains(m, "110101199003074514") || !strings.Contains(m, "139****5678") {
		t.Errorf("MESSAGE %q", m)
	}
	if rec["KIOSK_ERR"] != Redacted || r.Redacted != 1 || rec["PRIORITY"] != "4" {
		t.Errorf("record %v, redacted %d", rec, r.Redacted)
	}
	if _, ok := rec["_HOSTNAME"]; ok {
		t.Error("_HOSTNAME kept")
	}
	if _, ok := rec["CODE_FILE"]; ok {
		t.Error("CODE_FILE kept")
	}
}

// TestFilterLogsBounds: more records than MaxLogRecords, or more bytes than
// MaxLogBytes, keep the newest and count the rest.
func TestFilterLogsBounds(t *testing.T) {
	var b strings.Builder
	for i := range MaxLogRecords + 10 {
		b.WriteString(jline(map[string]any{"MESSAGE": fmt.Sprintf("line %d", i)}))
	}
	r := FilterLogs([]byte(b.String()), nil)
	if len(r.Records) != MaxLogRecords || r.Dropped != 10 || r.Records[len(r.Records)-1]["MESSAGE"] != fmt.Sprintf("line %d", MaxLogRecords+9) {
		t.Fatalf("%d records, %d dropped", len(r.Records), r.Dropped)
	}
	b.Reset()
	big := strings.Repeat("x", 100<<10)
	for i := range 40 { // 4 MB of 100 kB messages
		b.WriteString(jline(map[string]any{"MESSAGE": fmt.Sprintf("%d %s", i, big)}))
	}
	r = FilterLogs([]byte(b.String()), nil)
	out, _ := json.Marshal(r.Records)
	if len(out) > MaxLogBytes+len(r.Records)+2 || r.Dropped == 0 || !strings.HasPrefix(r.Records[len(r.Records)-1]["MESSAGE"].(string), "39 ") {
		t.Fatalf("%d bytes kept, %d dropped", len(out), r.Dropped)
	}
}

type errJournal struct{ err error }

func (e errJournal) Records(context.Context, string, time.Time, int) ([]byte, error) {
	return nil, e.err
}

// TestNoJournal: without journalctl the bundle says so; a journalctl that
// fails is said with its error.
func TestNoJournal(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := (Journalctl{}).Records(context.Background(), Unit, time.Now(), 10); !errors.Is(err, ErrNoJournal) {
		t.Fatalf("no journalctl: %v", err)
	}
	for _, j := range []Journal{Journalctl{}, errJournal{errors.New("boom")}} {
		var b Bundle
		b.AddLogs(context.Background(), j, time.Now())
		var r LogsReport
		if err := json.Unmarshal(b.Entries[0].Body, &r); err != nil || r.Note == "" || len(r.Records) != 0 {
			t.Fatalf("logs.json %s", b.Entries[0].Body)
		}
	}
}
