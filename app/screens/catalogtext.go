package screens

import (
	"strings"

	"github.com/bianmin/kiosk/app/i18n"
)

// C shows a catalogue text (an item's name, a label, a choice, a guide line)
// in the screen's language: the catalogue's own translation when it has
// one, the published Chinese otherwise (kiosk.Catalog.Text). What is stored
// (a chosen choice, a material's name) stays Chinese; only display changes.
func (u *UI) C(s string) string { return u.sess.Catalog().Text(u.tr.Lang(), s) }

// punct gives the list and label punctuation of the screen's language:
// Chinese full-width marks, or their English forms.
func (u *UI) punct(zh string) string {
	if u.tr.Lang() == i18n.ZhCN {
		return zh
	}
	switch zh {
	case "：":
		return ": "
	case "；":
		return "; "
	case "，", "、":
		return ", "
	case "（":
		return " ("
	case "）":
		return ")"
	case "。":
		return ". "
	}
	return zh
}

// joinC shows catalogue texts as one line, joined with the language's mark.
func (u *UI) joinC(texts []string, zh string) string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = u.C(t)
	}
	return strings.Join(out, u.punct(zh))
}
