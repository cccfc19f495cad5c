package diag

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// exportRecord is one record in the journal export format
// (systemd-journal-remote's input): a binary field is name, newline,
// little-endian length, bytes.
func exportRecord(fields [][2]string) []byte {
	var b []byte
	for _, f := range fields {
		if strings.ContainsAny(f[1], "\n\x00") {
			b = append(b, f[0]+"\n"...)
			b = binary.LittleEndian.AppendUint64(b, uint64(len(f[1])))
			b = append(b, f[1]+"\n"...)
			continue
		}
		b = append(b, f[0]+"="+f[1]+"\n"...)
	}
	return append(b, '\n')
}

// TestJournalctlRealJournal: the real journalctl reads a real journal file
// (written by systemd-journal-remote) with the arguments the bundle uses:
// only the kiosk's unit, only since the time asked; its JSON is what
// FilterLogs expects (a value with a NUL comes as a byte array and is left
// out; a multi-line message stays a string), and a test card's name in a
// message does not come through.
func TestJournalctlRealJournal(t *testing.T) {
	remote := "/lib/systemd/systemd-journal-remote"
	if _, err := os.Stat(remote); err != nil {
		t.Fatalf("%s missing (packaging/build-deps.txt: systemd-journal-remote): %v", remote, err)
	}
	deny := PersonalDeny()
	if len(deny) == 0 {
		t.Fatal("no test card data")
	}
	now := time.Now()
	us := func(t time.Time) string { return strconv.FormatInt(t.UnixMicro(), 10) }
	rec := func(i int, at time.Time, unit, msg string, extra ...[2]string) []byte {
		f := [][2]string{{"__CURSOR", fmt.Sprintf("s=1;i=%d", i)}, {"__REALTIME_TIMESTAMP", us(at)}, {"__MONOTONIC_TIMESTAMP", strconv.Itoa(i)},
			{"_BOOT_ID", "0123456789abcdef0123456789abcdef"}, {"_SYSTEMD_UNIT", unit}, {"_HOSTNAME", "kiosk-330106001-t01"},
			{"PRIORITY", "6"}, {"SYSLOG_IDENTIFIER", "bianmin-kiosk"}, {"MESSAGE", msg}}
		return exportRecord(append(f, extra...))
	}
	var in []byte
	in = append(in, rec(1, now.Add(-3*time.Hour), Unit, "too old")...)
	in = append(in, rec(2, now.Add(-time.Minute), Unit, "relay: queue drained", [2]string{"KIOSK_SERVICE", "relay"})...)
	in = append(in, rec(3, now.Add(-time.Minute+time.Second), "other.service", "not the kiosk")...)
	in = append(in, rec(4, now.Add(-time.Minute+2*time.Second), Unit, "card read for "+deny[0])...)
	in = append(in, rec(5, now.Add(-time.Minute+3*time.Second), Unit, "two\nlines", [2]string{"KIOSK_BLOB", "a\x00b"})...)
	dir := t.TempDir()
	file := filepath.Join(dir, "kiosk.journal")
	cmd := exec.Command(remote, "-o", file, "-")
	cmd.Stdin = bytes.NewReader(in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("systemd-journal-remote: %v\n%s", err, out)
	}
	raw, err := Journalctl{Files: []string{file}}.Records(context.Background(), Unit, now.Add(-time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	r := FilterLogs(raw, deny)
	var msgs []string
	for _, rec := range r.Records {
		m, _ := rec["MESSAGE"].(string)
		msgs = append(msgs, m)
		if _, ok := rec["_HOSTNAME"]; ok {
			t.Errorf("_HOSTNAME kept: %v", rec)
		}
		if _, ok := rec["KIOSK_BLOB"]; ok {
			t.Errorf("a binary value kept: %v", rec)
		}
	}
	if strings.Join(msgs, "|") != "relay: queue drained|"+Redacted+"|two\nlines" || r.Redacted != 1 || r.Records[0]["KIOSK_SERVICE"] != "relay" {
		t.Fatalf("messages %q, redacted %d, first %v", msgs, r.Redacted, r.Records[0])
	}
	if strings.Contains(string(mustJSON(t, r)), deny[0]) {
		t.Fatal("a test card's name came through")
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
