package diag

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/systemd"
)

// The kiosk's logs in the bundle: the service's journal records since a
// time, reduced to an allow-list of fields (the journal's own trusted
// fields that say where and when, and the kiosk's KIOSK_ attributes),
// every value masked again for ID and mobile numbers, any value holding
// one of the test cards' personal data replaced, and bounded in count and
// size (the newest kept). The kiosk's logs are designed to carry no
// personal data; this is the second line behind that.

// Unit is the kiosk's systemd unit.
const Unit = "bianmin-kiosk.service"

// Bounds of logs.json.
const (
	MaxLogRecords = 5000
	MaxLogBytes   = 2 << 20
	DefaultSince  = 72 * time.Hour
)

// Journal reads the unit's journal records as journalctl -o json prints
// them: one JSON object a line.
type Journal interface {
	// Records returns at most max records of unit since the time, oldest
	// first. ErrNoJournal: this machine has no journal to read.
	Records(ctx context.Context, unit string, since time.Time, max int) ([]byte, error)
}

// ErrNoJournal: journalctl is not installed (a development machine, a
// container).
var ErrNoJournal = errors.New("diag: no journalctl on this machine")

// Journalctl runs journalctl (Path, default found in PATH) on the system
// journal, or on the journal files Files (tests: a journal written by
// systemd-journal-remote).
type Journalctl struct {
	Path  string
	Files []string
}

var _ Journal = Journalctl{}

func (j Journalctl) Records(ctx context.Context, unit string, since time.Time, max int) ([]byte, error) {
	path := j.Path
	if path == "" {
		p, err := exec.LookPath("journalctl")
		if err != nil {
			return nil, ErrNoJournal
		}
		path = p
	}
	args := []string{"-u", unit, "--since", "@" + strconv.FormatInt(since.Unix(), 10), "-o", "json", "--no-pager", "-n", strconv.Itoa(max)}
	for _, f := range j.Files {
		args = append(args, "--file", f)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("diag: journalctl: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// logFields are the journal's trusted fields kept; every KIOSK_ field (the
// kiosk's own slog attributes) is kept too. Everything else (_CMDLINE,
// _HOSTNAME, _EXE, _UID, CODE_*, another program's fields …) goes.
var logFields = map[string]bool{
	"__REALTIME_TIMESTAMP": true, "_BOOT_ID": true, "PRIORITY": true, "MESSAGE": true,
	"SYSLOG_IDENTIFIER": true, "_PID": true, "_SYSTEMD_UNIT": true,
}

// LogsReport is logs.json.
type LogsReport struct {
	Unit    string           `json:"unit"`
	Since   time.Time        `json:"since"`
	Note    string           `json:"note,omitempty"`
	Records []map[string]any `json:"records"`
	// Dropped counts records left out by the bounds; Redacted values
	// replaced because they held personal data; Unreadable lines that
	// were not journal JSON.
	Dropped, Redacted, Unreadable int
}

// Redacted replaces a value that held personal data.
const Redacted = "REDACTED (personal data)"

// PersonalDeny is the personal data of the test cards (names, ID and pass
// numbers, addresses): what a bundle must never hold.
func PersonalDeny() []string {
	cards, err := testcards.All()
	if err != nil {
		return nil
	}
	var out []string
	for _, c := range cards {
		id := c.Identity
		for _, v := range []string{id.Name, id.NameEN, id.IDNumber, id.PassNumber, id.Address} {
			if len([]rune(v)) >= 2 {
				out = append(out, v)
			}
		}
	}
	return out
}

// FilterLogs turns journalctl's JSON lines into logs.json.
func FilterLogs(raw []byte, deny []string) LogsReport {
	var r LogsReport
	sc := bufio.NewScanner(bytes.NewReader(raw))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var in map[string]any
		if err := json.Unmarshal(line, &in); err != nil {
			r.Unreadable++
			continue
		}
		out := map[string]any{}
		for k, v := range in {
			if !logFields[k] && !strings.HasPrefix(k, "KIOSK_") {
				continue
			}
			s, ok := v.(string)
			if !ok {
				// journalctl prints binary or non-UTF-8 values as byte
				// arrays: not kept.
				continue
			}
			s = systemd.MaskPersonal(s)
			for _, d := range deny {
				if d != "" && strings.Contains(s, d) {
					s = Redacted
					r.Redacted++
					break
				}
			}
			out[k] = s
		}
		r.Records = append(r.Records, out)
	}
	if err := sc.Err(); err != nil {
		r.Unreadable++
	}
	// Bounds: the newest records win.
	if n := len(r.Records) - MaxLogRecords; n > 0 {
		r.Records, r.Dropped = r.Records[n:], n
	}
	size, keep := 0, len(r.Records)
	for keep > 0 {
		b, _ := json.Marshal(r.Records[keep-1])
		if size+len(b) > MaxLogBytes {
			break
		}
		size += len(b)
		keep--
	}
	r.Dropped += keep
	r.Records = r.Records[keep:]
	if r.Records == nil {
		r.Records = []map[string]any{}
	}
	return r
}

// AddLogs adds logs.json: the unit's records since the time, filtered. No
// journal on this machine, or one that cannot be read, is said in the
// file's note.
func (b *Bundle) AddLogs(ctx context.Context, j Journal, since time.Time) {
	r := LogsReport{Unit: Unit, Since: since.UTC(), Records: []map[string]any{}}
	raw, err := j.Records(ctx, Unit, since, MaxLogRecords)
	switch {
	case errors.Is(err, ErrNoJournal):
		r.Note = "no journalctl on this machine: logs not collected"
	case err != nil:
		r.Note = "logs not collected: " + err.Error()
	default:
		f := FilterLogs(raw, PersonalDeny())
		f.Unit, f.Since = r.Unit, r.Since
		r = f
	}
	b.Add("logs.json", r)
}
