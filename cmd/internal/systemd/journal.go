package systemd

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"unicode"

	"github.com/coreos/go-systemd/v22/journal"
)

func journalStream() bool {
	ok, err := journal.StderrIsJournalStream()
	return err == nil && ok && journal.Enabled()
}

// sender writes one journal entry; journal.Send in production.
type sender func(msg string, p journal.Priority, vars map[string]string) error

// journalHandler is a slog.Handler writing journald's native protocol: the
// message as MESSAGE, the level as PRIORITY, every attribute as an
// upper-case field (KIOSK_ prefixed, groups joined with _), so `journalctl
// -o verbose` and field matches (journalctl KIOSK_ERR=…) work.
type journalHandler struct {
	level  slog.Leveler
	send   sender
	prefix string
	fields map[string]string // from WithAttrs, named with the prefix of their time
}

func newJournalHandler(level slog.Leveler) *journalHandler {
	return &journalHandler{level: level, send: journal.Send, prefix: "KIOSK_"}
}

func (h *journalHandler) Enabled(_ context.Context, l slog.Level) bool {
	min := slog.LevelInfo
	if h.level != nil {
		min = h.level.Level()
	}
	return l >= min
}

func (h *journalHandler) Handle(_ context.Context, r slog.Record) error {
	vars := map[string]string{"SYSLOG_IDENTIFIER": "bianmin-kiosk"}
	for k, v := range h.fields {
		vars[k] = v
	}
	r.Attrs(func(a slog.Attr) bool {
		addField(vars, h.prefix, a)
		return true
	})
	return h.send(MaskPersonal(r.Message), priority(r.Level), vars)
}

func (h *journalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.fields = make(map[string]string, len(h.fields)+len(as))
	for k, v := range h.fields {
		c.fields[k] = v
	}
	for _, a := range as {
		addField(c.fields, h.prefix, a)
	}
	return &c
}

func (h *journalHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.prefix = h.prefix + fieldName(name) + "_"
	return &c
}

func addField(vars map[string]string, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			addField(vars, prefix+fieldName(a.Key)+"_", g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	vars[prefix+fieldName(a.Key)] = MaskPersonal(a.Value.String())
}

// fieldName makes a journal field name: upper-case letters, digits and _,
// not starting with _ (those are trusted fields journald sets itself).
func fieldName(k string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(k) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return strings.TrimLeft(b.String(), "_")
}

func priority(l slog.Level) journal.Priority {
	switch {
	case l >= slog.LevelError:
		return journal.PriErr
	case l >= slog.LevelWarn:
		return journal.PriWarning
	case l >= slog.LevelInfo:
		return journal.PriInfo
	default:
		return journal.PriDebug
	}
}

var (
	idNumber = regexp.MustCompile(`\b(\d{3})\d{11}(\d{3}[\dXx])\b`)
	mobile   = regexp.MustCompile(`\b(1[3-9]\d)\d{4}(\d{4})\b`)
)

// MaskPersonal masks what looks like an 18-character ID number or an 11-digit
// mainland mobile number in a log value: the last line of defence behind the
// callers' own masking (kiosk.MaskID), so a forgotten call cannot put a
// resident's number in the journal.
func MaskPersonal(s string) string {
	if !strings.ContainsAny(s, "0123456789") {
		return s
	}
	s = idNumber.ReplaceAllString(s, "$1***********$2")
	return mobile.ReplaceAllString(s, "$1****$2")
}
