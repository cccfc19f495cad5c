package kiosk

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// cells is a receipt's width: ASCII 1 column, everything else 2.
func cells(s string) int {
	n := 0
	for _, r := range s {
		if r < 0x80 {
			n++
		} else {
			n += 2
		}
	}
	return n
}

func TestBreakLines(t *testing.T) {
	tests := []struct {
		in   string
		cols int
		want []string
	}{
		{"abc", 10, []string{"abc"}},
		{"一二三四五", 4, []string{"一二", "三四", "五"}},
		{"一二三", 5, []string{"一二", "三"}},
		{"ab一二", 4, []string{"ab一", "二"}},
		// no pause or closing punctuation at a line's start
		{"一二。三", 4, []string{"一", "二。", "三"}},
		{"一二三四五。", 10, []string{"一二三四", "五。"}},
		{"一二三四五六，七八", 12, []string{"一二三四五", "六，七八"}},
		{"一二三四五、六", 10, []string{"一二三四", "五、六"}},
		{"一二三四：五", 8, []string{"一二三", "四：五"}},
		{"一二三四！", 8, []string{"一二三", "四！"}},
		// two closing marks together go down with the character before them
		{"一二三。」四五", 8, []string{"一二", "三。」四", "五"}},
		{"他说「好」。", 8, []string{"他说", "「好」。"}},
		// no opening bracket at a line's end
		{"请带上（原件）", 8, []string{"请带上", "（原件）"}},
		{"材料『一』", 6, []string{"材料", "『一』"}},
		// numbers, dates and words whole while they fit
		{"请于2026-12-07前", 12, []string{"请于", "2026-12-07前"}},
		{"Please place your ID card", 10, []string{"Please", "place your", "ID card"}},
		{"abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		// an ellipsis or a dash pair is one piece
		{"等一下……好", 6, []string{"等一", "下……", "好"}},
		{"一二三——四", 8, []string{"一二", "三——四"}},
		// a number alone on its line gives up its last digit to a closing mark
		{"拨打12345）", 6, []string{"拨打", "1234", "5）"}},
		{"a\nb", 4, []string{"a", "b"}},
		{"", 4, []string{""}},
	}
	for _, tt := range tests {
		got := WrapColumns(tt.in, tt.cols, cells)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("WrapColumns(%q, %d) = %q, want %q", tt.in, tt.cols, got, tt.want)
		}
	}
}

// checkRules asserts what every breaking must keep: nothing lost or
// reordered, every line fits, and no forbidden character at a line's start
// or end unless the line before is a single piece that could not give one.
func checkRules(t *testing.T, in string, cols int, lines []string) {
	t.Helper()
	strip := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
	if got := strip(strings.Join(lines, "")); got != strip(in) {
		t.Fatalf("%q at %d: text changed: %q", in, cols, lines)
	}
	for i, l := range lines {
		if cells(l) > cols {
			t.Fatalf("%q at %d: line %q too wide", in, cols, l)
		}
		if i > 0 && l != "" && utf8.RuneCountInString(lines[i-1]) > 1 {
			if r, _ := utf8.DecodeRuneInString(l); strings.ContainsRune(noStart, r) {
				t.Errorf("%q at %d: line %d starts with %q: %q", in, cols, i, r, lines)
			}
		}
		if i < len(lines)-1 && utf8.RuneCountInString(l) > 1 {
			if r, _ := utf8.DecodeLastRuneInString(l); strings.ContainsRune(noEnd, r) {
				t.Errorf("%q at %d: line %d ends with %q: %q", in, cols, i, r, lines)
			}
		}
	}
}

// Every width of a real notice keeps the rules. Kills: a breaker that
// forgets the start rule, the end rule, or drops characters.
func TestBreakLinesRulesAtEveryWidth(t *testing.T) {
	texts := []string{
		"申请已受理，请取走回执。您可以扫描回执上的二维码（或拨打12345）查询办理进度：受理、审核、办结。",
		"打印机缺纸，暂时无法打印凭条！请联系工作人员；回执可在「我的申请」中重新打印。",
		"告知承诺：本人承诺所填信息真实、准确、完整……如有不实，愿承担相应责任——特此承诺。",
		"Please place your ID card on the reader, then choose a service.",
	}
	for _, in := range texts {
		for cols := 6; cols <= 40; cols++ {
			checkRules(t, in, cols, WrapColumns(in, cols, cells))
		}
	}
}

func FuzzBreakLines(f *testing.F) {
	f.Add("一二三，四五「六」。七……八", 8)
	f.Add("abc def，（一）", 6)
	f.Fuzz(func(t *testing.T, in string, cols int) {
		if !utf8.ValidString(in) || cols < 4 || cols > 80 || strings.ContainsAny(in, "\r\t") {
			return
		}
		lines := WrapColumns(in, cols, cells)
		strip := func(s string) string { return strings.NewReplacer(" ", "", "\n", "").Replace(s) }
		if strip(strings.Join(lines, "")) != strip(in) {
			t.Fatalf("text changed: %q → %q", in, lines)
		}
		for _, l := range lines {
			if cells(l) > cols {
				t.Fatalf("line %q wider than %d", l, cols)
			}
		}
	})
}
