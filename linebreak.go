package kiosk

import (
	"strings"
	"unicode"
)

// The kiosk's one line breaker, for the screens (measured in pixels), the
// receipt printer (in columns) and anything else that lays out Chinese
// text. It follows the usual rules of Chinese typesetting (GB/T 15834 and
// the W3C "Requirements for Chinese Text Layout"):
//   - no closing or pause punctuation (、，。：；！？）」』 …) at the start
//     of a line: the character before it moves down with it;
//   - no opening bracket or quote (（「『《【“) at the end of a line: it
//     moves down with what it opens;
//   - ……, —— and a run of Latin letters and digits (a number, a date, a
//     code, an English word) are never split while they fit on a line;
//   - Chinese characters break anywhere; spaces are break points and are
//     dropped at the ends of lines; existing newlines are kept.

// noStart are the characters that must not begin a line.
const noStart = "、，。．：；！？）］｝〕〗〙〛〉》」』】”’…—～·‰℃%,.;:!?)]}"

// noEnd are the characters that must not end a line.
const noEnd = "（［｛〔〖〘〚〈《「『【“‘([{"

// BreakLines breaks s into lines for which fits holds (fits reports
// whether a line is short enough; it must hold for every single
// character). A unit longer than a whole line is cut where it must be.
func BreakLines(s string, fits func(line string) bool) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		out = append(out, breakPara(para, fits)...)
	}
	return out
}

// WrapColumns breaks s into lines of at most cols display columns, width
// giving the columns of a string (Chinese 2, ASCII 1 on a receipt).
func WrapColumns(s string, cols int, width func(string) int) []string {
	return BreakLines(s, func(l string) bool { return width(l) <= cols })
}

func breakPara(para string, fits func(string) bool) []string {
	units := splitUnits(para)
	var out []string
	var line []string // units of the current line
	flush := func(keep int) {
		out = append(out, strings.TrimRight(strings.Join(line[:keep], ""), " "))
		line = append([]string(nil), line[keep:]...)
		for len(line) > 0 && line[0] == " " {
			line = line[1:]
		}
	}
	for _, u := range units {
		if u == " " && len(line) == 0 && len(out) > 0 {
			continue // no space at the start of a wrapped line
		}
		if fits(strings.TrimRight(strings.Join(line, "")+u, " ")) {
			line = append(line, u)
			continue
		}
		if len(line) == 0 {
			// u alone is wider than a line: cut it.
			parts := cutToFit(u, fits)
			out = append(out, parts[:len(parts)-1]...)
			line = []string{parts[len(parts)-1]}
			continue
		}
		// Break before u, moved earlier while the rules forbid it.
		keep := len(line)
		if startsNoStart(u) {
			for keep > 1 && (line[keep-1] == " " || startsNoStart(line[keep-1])) {
				keep--
			}
			if keep > 1 {
				keep-- // the character before the punctuation goes down with it
			} else if rs := []rune(line[0]); len(rs) > 1 {
				// one long piece (a number, a word): its last character
				// goes down with the punctuation
				line = append([]string{string(rs[:len(rs)-1]), string(rs[len(rs)-1:])}, line[1:]...)
			}
		}
		for keep > 1 && endsNoEnd(line[keep-1]) {
			keep--
		}
		flush(keep)
		line = append(line, u)
		// What moved down may itself no longer fit with u (a long word).
		for len(line) > 1 && !fits(strings.TrimRight(strings.Join(line, ""), " ")) {
			flush(len(line) - 1)
		}
		if len(line) == 1 && !fits(line[0]) {
			parts := cutToFit(line[0], fits)
			out = append(out, parts[:len(parts)-1]...)
			line = []string{parts[len(parts)-1]}
		}
	}
	if len(line) > 0 || len(out) == 0 {
		out = append(out, strings.TrimRight(strings.Join(line, ""), " "))
	}
	return out
}

// splitUnits cuts a paragraph into the pieces a line may not break inside:
// a Latin run with its trailing punctuation, an ellipsis or dash pair, a
// space, or one other character.
func splitUnits(s string) []string {
	rs := []rune(s)
	var out []string
	for i := 0; i < len(rs); {
		j := i + 1
		switch r := rs[i]; {
		case r == ' ':
		case latin(r):
			for j < len(rs) && (latin(rs[j]) || strings.ContainsRune("-_./:#*@+", rs[j]) && j+1 < len(rs) && latin(rs[j+1])) {
				j++
			}
		case r == '…' || r == '—':
			for j < len(rs) && rs[j] == r {
				j++
			}
		}
		out = append(out, string(rs[i:j]))
		i = j
	}
	return out
}

func latin(r rune) bool {
	return r < 0x2E80 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

func startsNoStart(u string) bool {
	for _, r := range u {
		return strings.ContainsRune(noStart, r)
	}
	return false
}

func endsNoEnd(u string) bool {
	rs := []rune(u)
	return len(rs) > 0 && strings.ContainsRune(noEnd, rs[len(rs)-1])
}

// cutToFit cuts u into pieces that each fit (the last may be shorter).
func cutToFit(u string, fits func(string) bool) []string {
	var out []string
	var cur []rune
	for _, r := range u {
		if len(cur) > 0 && !fits(string(append(cur, r))) {
			out = append(out, string(cur))
			cur = nil
		}
		cur = append(cur, r)
	}
	return append(out, string(cur))
}
