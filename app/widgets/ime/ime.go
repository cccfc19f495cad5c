// Package ime is the input-method engine behind the on-screen pinyin
// keyboard: it keeps the composing buffer of tone-less pinyin letters,
// splits it into syllables, and lists candidates — whole words first when
// the buffer spells one, then characters for the first syllable, most
// common first — in pages for a candidate bar with paging buttons. It has no
// Fyne code so it can be tested on its own.
package ime

import (
	"slices"
	"strings"
	"sync"

	"github.com/bianmin/kiosk/app/search/hanzi"
)

// DefaultPageSize is how many candidates a page of the candidate bar shows.
const DefaultPageSize = 6

// maxPrefixChars caps the characters offered for an incomplete syllable.
const maxPrefixChars = 120

// Candidate is one thing the resident may pick.
type Candidate struct {
	Text      string
	Syllables int // how many syllables of the buffer it consumes
}

// Engine holds the composing state. It is not safe for concurrent use; the
// keyboard widget calls it on the UI goroutine.
type Engine struct {
	PageSize int

	buf   string
	segs  []string
	cands []Candidate
	page  int
}

// New returns an empty engine.
func New() *Engine { return &Engine{PageSize: DefaultPageSize} }

// MaxBuffer bounds the composing buffer.
const MaxBuffer = 32

// Type adds a letter (a–z; v stands for ü). Other runes are ignored.
// It reports whether the letter was taken.
func (e *Engine) Type(r rune) bool {
	if r >= 'A' && r <= 'Z' {
		r += 'a' - 'A'
	}
	if r < 'a' || r > 'z' || len(e.buf) >= MaxBuffer {
		return false
	}
	e.buf += string(r)
	e.update()
	return true
}

// Backspace removes the last letter; it reports false when the buffer was
// already empty (the keyboard then deletes from the target instead).
func (e *Engine) Backspace() bool {
	if e.buf == "" {
		return false
	}
	e.buf = e.buf[:len(e.buf)-1]
	e.update()
	return true
}

// Clear empties the buffer.
func (e *Engine) Clear() {
	e.buf = ""
	e.update()
}

// Composing reports whether there are letters in the buffer.
func (e *Engine) Composing() bool { return e.buf != "" }

// Buffer returns the letters typed so far.
func (e *Engine) Buffer() string { return e.buf }

// Display returns the buffer split into syllables with apostrophes
// ("yang'lao"), as shown above the candidate bar.
func (e *Engine) Display() string {
	if len(e.segs) == 0 {
		return e.buf
	}
	return strings.Join(e.segs, "'")
}

// Candidates returns every candidate for the buffer.
func (e *Engine) Candidates() []Candidate { return e.cands }

// Page returns the candidates on the current page.
func (e *Engine) Page() []Candidate {
	n := e.pageSize()
	lo := min(e.page*n, len(e.cands))
	return e.cands[lo:min(lo+n, len(e.cands))]
}

// PageInfo returns the current page (1-based) and the number of pages.
func (e *Engine) PageInfo() (page, pages int) {
	n := e.pageSize()
	pages = (len(e.cands) + n - 1) / n
	if pages == 0 {
		return 0, 0
	}
	return e.page + 1, pages
}

// NextPage and PrevPage move through the candidate pages; they report
// whether the page changed.
func (e *Engine) NextPage() bool {
	if _, pages := e.PageInfo(); e.page+1 < pages {
		e.page++
		return true
	}
	return false
}

// PrevPage: see NextPage.
func (e *Engine) PrevPage() bool {
	if e.page > 0 {
		e.page--
		return true
	}
	return false
}

// Pick chooses candidate i of the current page and returns the text to
// commit. The syllables it stands for leave the buffer; what remains is
// composed further (pick 养 from "yanglao", then 老).
func (e *Engine) Pick(i int) (string, bool) {
	p := e.Page()
	if i < 0 || i >= len(p) {
		return "", false
	}
	c := p[i]
	consumed := 0
	for _, s := range e.segs[:min(c.Syllables, len(e.segs))] {
		consumed += len(s)
	}
	e.buf = e.buf[consumed:]
	e.update()
	return c.Text, true
}

func (e *Engine) pageSize() int {
	if e.PageSize <= 0 {
		return DefaultPageSize
	}
	return e.PageSize
}

func (e *Engine) update() {
	e.page = 0
	e.segs = Segment(e.buf)
	e.cands = e.cands[:0]
	if len(e.segs) == 0 {
		return
	}
	seen := map[string]bool{}
	add := func(text string, n int) {
		if !seen[text] {
			seen[text] = true
			e.cands = append(e.cands, Candidate{Text: text, Syllables: n})
		}
	}
	// Words spelled by the first k syllables, longest first.
	idx := wordIndex()
	for k := len(e.segs); k >= 2; k-- {
		last := e.segs[k-1]
		if hanzi.IsSyllable(last) {
			for _, w := range idx[strings.Join(e.segs[:k], " ")] {
				add(w, k)
			}
		}
	}
	first := e.segs[0]
	if hanzi.IsSyllable(first) {
		for _, r := range hanzi.Chars(first) {
			add(string(r), 1)
		}
		return
	}
	// An incomplete syllable: the common characters of every syllable it
	// begins, by rank.
	var rs []rune
	for _, s := range hanzi.Syllables(first) {
		for _, r := range hanzi.Chars(s) {
			// Common characters whose usual reading begins so (not 度 for zh).
			if hanzi.Level(r) == 1 && strings.HasPrefix(hanzi.Readings(r)[0], first) {
				rs = append(rs, r)
			}
		}
	}
	slices.SortFunc(rs, func(a, b rune) int { return hanzi.Rank(a) - hanzi.Rank(b) })
	for _, r := range rs[:min(len(rs), maxPrefixChars)] {
		add(string(r), 1)
	}
}

// Segment splits tone-less pinyin into syllables, longest syllable first
// with backtracking, the last one possibly incomplete ("yangl" → yang, l).
// It returns nil when the letters cannot be split.
func Segment(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	var rec func(rest string) bool
	rec = func(rest string) bool {
		if rest == "" {
			return true
		}
		for n := min(6, len(rest)); n >= 1; n-- {
			if hanzi.IsSyllable(rest[:n]) {
				out = append(out, rest[:n])
				if rec(rest[n:]) {
					return true
				}
				out = out[:len(out)-1]
			}
		}
		if hanzi.IsSyllablePrefix(rest) {
			out = append(out, rest)
			return true
		}
		return false
	}
	if !rec(s) {
		return nil
	}
	return out
}

var (
	wordsOnce sync.Once
	words     map[string][]string // "shen fen zheng" → 身份证
)

// wordIndex maps every reading combination of each common word (up to a
// few per word, so 银行 is found as yin hang) to the word.
func wordIndex() map[string][]string {
	wordsOnce.Do(func() {
		words = map[string][]string{}
		for _, w := range commonWords {
			keys := []string{""}
			for _, r := range w {
				rs := hanzi.Readings(r)
				if len(rs) > 2 {
					rs = rs[:2]
				}
				var next []string
				for _, k := range keys {
					for _, p := range rs {
						next = append(next, strings.TrimSpace(k+" "+p))
					}
				}
				keys = next
			}
			for _, k := range keys {
				if !slices.Contains(words[k], w) {
					words[k] = append(words[k], w)
				}
			}
		}
	})
	return words
}
