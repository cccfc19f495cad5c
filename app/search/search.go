// Package search finds service items by what a resident types or writes:
// Chinese characters, full tone-less pinyin, pinyin initials or a mix
// ("养老", "yanglao", "yl", "ylbx", "yang lao"). It indexes item names,
// keywords and category names and ranks matches: exact name, name prefix,
// name by initials, name substring, keyword, category. It imports no UI code;
// app/screens uses it behind the search box.
package search

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/search/hanzi"
)

// Doc is what the index knows of one item.
type Doc struct {
	Code     string
	Name     string
	Category string // category name, e.g. 社会保障
	Keywords []string
	Frequent bool // breaks ties in favour of frequently used items
	// Words are the item's name, category and keywords in the screen's
	// other language (the catalogue's translations, DocsIn), matched word
	// by word: "pension", "medical ins".
	Words *Words
}

// Words is an item's texts in a language written in words (English).
type Words struct {
	Name     string
	Category string
	Keywords []string
}

// Docs builds documents from a catalogue, resolving category IDs to names.
func Docs(c *kiosk.Catalog) []Doc {
	names := make(map[string]string, len(c.Categories))
	for _, cat := range c.Categories {
		names[cat.ID] = cat.Name
	}
	docs := make([]Doc, 0, len(c.Items))
	for _, it := range c.Items {
		cat := it.Category
		if n, ok := names[cat]; ok {
			cat = n
		}
		docs = append(docs, Doc{Code: it.Code, Name: it.Name, Category: cat, Keywords: it.Keywords, Frequent: it.Frequent})
	}
	return docs
}

// DocsIn is Docs for a screen in language lang: for a language other than
// Chinese each item also carries its translated name, category and
// keywords (Catalog.Text), so that a resident reading the English screen
// finds an item by the English name shown. Chinese and pinyin still match.
func DocsIn(c *kiosk.Catalog, lang string) []Doc {
	docs := Docs(c)
	if lang == "" || strings.HasPrefix(lang, "zh") {
		return docs
	}
	cats := make(map[string]string, len(c.Categories))
	for _, cat := range c.Categories {
		cats[cat.ID] = cat.Name
	}
	for i, it := range c.Items {
		w := &Words{Name: c.Text(lang, it.Name)}
		if n, ok := cats[it.Category]; ok {
			w.Category = c.Text(lang, n)
		}
		for _, k := range it.Keywords {
			w.Keywords = append(w.Keywords, c.Text(lang, k))
		}
		docs[i].Words = w
	}
	return docs
}

// Match kinds, best first. A result's Score is its kind's weight.
const (
	ScoreExact          = 1000 // the whole name
	ScoreNamePrefix     = 900  // the name begins with the query (characters or full pinyin)
	ScoreNameInitials   = 800  // the name begins with the query as initials or mixed pinyin
	ScoreNameSubstring  = 600  // the query is inside the name
	ScoreNameAbbrev     = 500  // initials inside the name
	ScoreKeywordPrefix  = 400
	ScoreKeywordInitial = 350
	ScoreKeyword        = 300
	ScoreCategory       = 200
)

// Result is one matching item.
type Result struct {
	Code  string
	Score int
}

// Index is an immutable search index; it is safe for concurrent use.
type Index struct {
	docs []doc
}

type doc struct {
	code     string
	nameLen  int
	frequent bool
	mask     uint64 // letters and digits in any field's readings
	name     field
	keywords []field
	category field
	words    *wordFields // the other language's texts, if any
}

// wordFields are a doc's texts in a language written in words.
type wordFields struct {
	name, category []string
	keywords       [][]string
	nameText       string // the name normalised as normText does
}

// wordsOf lower-cases s and splits it into its words of letters and digits
// (Latin script: Han characters are left to the pinyin fields).
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r >= utf8.RuneSelf || !(unicode.IsLetter(r) || unicode.IsDigit(r))
	})
}

type field struct {
	text   string     // lower-cased original, spaces removed
	joined string     // primary readings joined ("yanglaobaoxian")
	syls   [][]string // per token: its readings (one for a latin/digit run)
	mask   uint64     // letters and digits of all readings
	first  uint64     // first letters of all readings
}

// New indexes docs. Building the index for 5 000 items takes a few
// milliseconds; rebuild it when the catalogue changes.
func New(docs []Doc) *Index {
	ix := &Index{docs: make([]doc, len(docs))}
	for i, d := range docs {
		x := doc{code: d.Code, nameLen: utf8.RuneCountInString(d.Name), frequent: d.Frequent}
		x.name = newField(d.Name)
		x.category = newField(d.Category)
		x.mask = x.name.mask | x.category.mask
		for _, k := range d.Keywords {
			f := newField(k)
			x.keywords = append(x.keywords, f)
			x.mask |= f.mask
		}
		if w := d.Words; w != nil {
			wf := &wordFields{name: wordsOf(w.Name), category: wordsOf(w.Category), nameText: normText(w.Name)}
			for _, k := range w.Keywords {
				wf.keywords = append(wf.keywords, wordsOf(k))
			}
			for _, ws := range append([][]string{wf.name, wf.category}, wf.keywords...) {
				for _, s := range ws {
					x.mask |= maskOf(s)
				}
			}
			x.words = wf
		}
		ix.docs[i] = x
	}
	return ix
}

func newField(s string) field {
	f := field{text: normText(s)}
	var word []byte
	flush := func() {
		if len(word) > 0 {
			w := string(word)
			f.syls = append(f.syls, []string{w})
			f.joined += w
			word = word[:0]
		}
	}
	for _, r := range s {
		switch {
		case hanzi.IsHan(r):
			flush()
			rs := hanzi.Readings(r)
			if len(rs) == 0 {
				continue
			}
			if len(rs) > 3 {
				rs = rs[:3]
			}
			alts := append([]string(nil), rs...)
			// Residents type u for ü after l and n (lu for 绿).
			for _, p := range rs {
				if strings.ContainsRune(p, 'v') {
					alts = append(alts, strings.ReplaceAll(p, "v", "u"))
				}
			}
			f.syls = append(f.syls, alts)
			f.joined += rs[0]
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			word = append(word, byte(unicode.ToLower(r)))
		default:
			flush()
		}
	}
	flush()
	for _, alts := range f.syls {
		for _, a := range alts {
			f.mask |= maskOf(a)
			f.first |= maskOf(a[:1])
		}
	}
	return f
}

func maskOf(s string) uint64 {
	var m uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			m |= 1 << (c - 'a')
		case c >= '0' && c <= '9':
			m |= 1 << (26 + c - '0')
		}
	}
	return m
}

// normText lower-cases s and removes spaces and punctuation.
func normText(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Search returns the codes of the best matching items, best first, at most
// limit of them (all when limit <= 0).
func (ix *Index) Search(query string, limit int) []string {
	rs := ix.Results(query, limit)
	codes := make([]string, len(rs))
	for i, r := range rs {
		codes[i] = r.Code
	}
	return codes
}

// Results is Search with scores.
func (ix *Index) Results(query string, limit int) []Result {
	q := normText(query)
	if q == "" {
		return nil
	}
	han := false
	for _, r := range q {
		if hanzi.IsHan(r) {
			han = true
			break
		}
	}
	var hits []hit
	m := &matcher{}
	if han {
		for i := range ix.docs {
			if s := scoreHan(&ix.docs[i], q); s > 0 {
				hits = append(hits, hit{i: i, score: s})
			}
		}
	} else {
		q = pinyinQuery(query)
		if q == "" {
			return nil
		}
		qm := maskOf(q)
		qw := wordsOf(query)
		for i := range ix.docs {
			d := &ix.docs[i]
			if d.mask&qm != qm {
				continue
			}
			s := m.scorePinyin(d, q, qm)
			if d.words != nil {
				s = max(s, scoreWords(d.words, qw, normText(query)))
			}
			if s > 0 {
				hits = append(hits, hit{i: i, score: s})
			}
		}
	}
	// One integer key per hit: score, then frequent items, then shorter
	// names, then catalogue order.
	for k := range hits {
		d := &ix.docs[hits[k].i]
		key := int64(hits[k].score) << 40
		if d.frequent {
			key |= 1 << 39
		}
		key |= int64(1023-min(d.nameLen, 1023)) << 29
		key |= int64((1 << 29) - 1 - hits[k].i)
		hits[k].key = key
	}
	byKey := func(a, b hit) int { return cmp.Compare(b.key, a.key) }
	if limit > 0 && len(hits) > 2*limit {
		// Keep the best limit hits in a min-heap instead of sorting them all.
		h := hits[:limit]
		slices.SortFunc(h, func(a, b hit) int { return cmp.Compare(a.key, b.key) })
		for _, x := range hits[limit:] {
			if x.key <= h[0].key {
				continue
			}
			h[0] = x
			siftDown(h)
		}
		hits = h
	}
	slices.SortFunc(hits, byKey)
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]Result, len(hits))
	for i, h := range hits {
		out[i] = Result{Code: ix.docs[h.i].code, Score: h.score}
	}
	return out
}

// pinyinQuery lower-cases a latin query, strips tone marks, keeps digits
// (item names may hold them) and removes spaces and apostrophes.
func pinyinQuery(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
			continue
		}
		if p := hanzi.StripTones(string(r)); p != "" {
			b.WriteString(p)
		}
	}
	return b.String()
}

type hit struct {
	i     int // index in Index.docs
	score int
	key   int64 // sort key, larger is better
}

// siftDown restores the min-heap property (by key) after h[0] changed.
func siftDown(h []hit) {
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && h[r].key < h[l].key {
			m = r
		}
		if h[i].key <= h[m].key {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// scoreWords scores a query of words against a doc's texts in a language
// written in words: each query word must begin a word of the text, in the
// order typed ("med ins" finds "Residents' basic medical insurance"); the
// last word may still be being typed.
func scoreWords(w *wordFields, qw []string, q string) int {
	if len(qw) == 0 {
		return 0
	}
	if w.nameText == q {
		return ScoreExact
	}
	if at := wordsAt(w.name, qw); at == 0 {
		return ScoreNamePrefix
	} else if at > 0 {
		return ScoreNameSubstring
	}
	best := 0
	for _, k := range w.keywords {
		if at := wordsAt(k, qw); at == 0 {
			return ScoreKeywordPrefix
		} else if at > 0 {
			best = ScoreKeyword
		}
	}
	if best > 0 {
		return best
	}
	if wordsAt(w.category, qw) >= 0 {
		return ScoreCategory
	}
	return 0
}

// wordsAt reports where the query words begin words of text in order: the
// index of the text word the first query word matched when they follow one
// another from there, a positive number when they match further apart, -1
// when they do not all match.
func wordsAt(text, qw []string) int {
	for start := range text {
		if !strings.HasPrefix(text[start], qw[0]) {
			continue
		}
		j, together := start+1, true
		for _, w := range qw[1:] {
			k := j
			for k < len(text) && !strings.HasPrefix(text[k], w) {
				k++
			}
			if k == len(text) {
				j = -1
				break
			}
			together = together && k == j
			j = k + 1
		}
		if j < 0 {
			continue
		}
		if together {
			return start
		}
		return start + 1
	}
	return -1
}

func scoreHan(d *doc, q string) int {
	switch i := strings.Index(d.name.text, q); {
	case i == 0 && len(q) == len(d.name.text):
		return ScoreExact
	case i == 0:
		return ScoreNamePrefix
	case i > 0:
		return ScoreNameSubstring
	}
	for _, k := range d.keywords {
		switch i := strings.Index(k.text, q); {
		case i == 0:
			return ScoreKeywordPrefix
		case i > 0:
			return ScoreKeyword
		}
	}
	if strings.Contains(d.category.text, q) {
		return ScoreCategory
	}
	return 0
}

func (m *matcher) scorePinyin(d *doc, q string, qm uint64) int {
	first := maskOf(q[:1])
	if d.name.mask&qm == qm && d.name.first&first != 0 {
		if d.name.joined == q {
			return ScoreExact
		}
		m.reset(q, d.name.syls)
		switch m.at(0) {
		case 3:
			return ScoreNamePrefix
		case 2:
			return ScoreNameInitials
		}
		best := 0
		for start := 1; start < len(d.name.syls); start++ {
			switch m.at(start) {
			case 3:
				return ScoreNameSubstring
			case 2:
				best = ScoreNameAbbrev
			}
		}
		if best > 0 {
			return best
		}
	}
	best := 0
	for i := range d.keywords {
		k := &d.keywords[i]
		if k.mask&qm != qm || k.first&first == 0 {
			continue
		}
		m.reset(q, k.syls)
		for start := 0; start < len(k.syls); start++ {
			r := m.at(start)
			switch {
			case r < 2:
				continue
			case start == 0 && r == 3:
				return ScoreKeywordPrefix
			case start == 0:
				best = max(best, ScoreKeywordInitial)
			default:
				best = max(best, ScoreKeyword)
			}
		}
	}
	if best > 0 {
		return best
	}
	if d.category.mask&qm == qm && d.category.first&first != 0 {
		m.reset(q, d.category.syls)
		for start := 0; start < len(d.category.syls); start++ {
			if m.at(start) >= 2 {
				return ScoreCategory
			}
		}
	}
	return 0
}

// matcher matches a latin query against a sequence of syllables, each
// consumed whole, by a prefix (initials, "zh", "yan"), or — for the last
// one — partly as the resident is still typing. Results for (query
// position, syllable) do not depend on where the match started, so one memo
// serves every start position of a field.
type matcher struct {
	memo []uint8 // (syllable, qpos) → 0 unknown, 1 no, 2 abbreviated, 3 full
	nq   int
	q    string
	syls [][]string
}

const maxMatchLen = 64

func (m *matcher) reset(q string, syls [][]string) {
	if len(syls) > maxMatchLen {
		syls = syls[:maxMatchLen]
	}
	m.q, m.syls, m.nq = q, syls, len(q)+1
	n := m.nq * (len(syls) + 1)
	if cap(m.memo) < n {
		m.memo = make([]uint8, n)
	}
	m.memo = m.memo[:n]
	clear(m.memo)
}

// at reports how the query matches from syllable start: 1 not at all, 2 with
// initials or other abbreviations, 3 with whole syllables (the last one
// possibly incomplete).
func (m *matcher) at(start int) uint8 {
	if len(m.q) > maxMatchLen {
		return 1
	}
	return m.step(m.q, 0, m.syls, start)
}

func (m *matcher) step(q string, qp int, syls [][]string, i int) uint8 {
	if qp == len(q) {
		return 3
	}
	if i == len(syls) {
		return 1
	}
	key := i*m.nq + qp
	if v := m.memo[key]; v != 0 {
		return v
	}
	rest := q[qp:]
	res := uint8(1)
	for _, alt := range syls[i] {
		if strings.HasPrefix(rest, alt) {
			if r := m.step(q, qp+len(alt), syls, i+1); r > res {
				res = r
			}
		} else if len(rest) < len(alt) && strings.HasPrefix(alt, rest) {
			res = 3 // the last syllable is still being typed
		}
		if res == 3 {
			break
		}
		for k := min(len(alt)-1, len(rest)); k >= 1; k-- {
			if rest[:k] != alt[:k] {
				continue
			}
			if r := m.step(q, qp+k, syls, i+1); r >= 2 {
				res = max(res, 2)
				break
			}
		}
	}
	m.memo[key] = res
	return res
}
