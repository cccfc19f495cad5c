// Package hanzi provides tone-less pinyin readings of Chinese characters and
// a frequency rank for them, derived from github.com/mozillazg/go-pinyin's
// dictionary. It is shared by the catalogue search and the on-screen pinyin
// keyboard; it imports no UI code and may be imported by anything in app/.
package hanzi

import (
	"sort"
	"strings"
	"sync"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// IsHan reports whether r is a Chinese character.
func IsHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// Readings returns the tone-less readings of r (lower case, ü written v),
// most usual first, or nil when r is not in the dictionary.
func Readings(r rune) []string {
	load()
	return readings[r]
}

// Chars returns the characters read as syllable (tone-less, ü as v) in the
// CJK Unified Ideographs block, most common first.
func Chars(syllable string) []rune {
	load()
	return bySyllable[syllable]
}

// IsSyllable reports whether s is a complete tone-less syllable.
func IsSyllable(s string) bool {
	load()
	_, ok := bySyllable[s]
	return ok
}

// IsSyllablePrefix reports whether s begins at least one syllable.
func IsSyllablePrefix(s string) bool {
	load()
	i := sort.SearchStrings(syllables, s)
	return i < len(syllables) && strings.HasPrefix(syllables[i], s)
}

// Syllables returns every syllable beginning with prefix, in alphabetical order.
func Syllables(prefix string) []string {
	load()
	i := sort.SearchStrings(syllables, prefix)
	j := i
	for j < len(syllables) && strings.HasPrefix(syllables[j], prefix) {
		j++
	}
	return syllables[i:j]
}

var (
	once       sync.Once
	readings   map[rune][]string
	bySyllable map[string][]rune
	syllables  []string // sorted
	secondary  = map[secKey]bool{}
)

type secKey struct {
	r rune
	s string
}

// secondaryPenalty moves a character read by a secondary reading behind the
// embedded frequency list but ahead of uncommon characters.
const secondaryPenalty = 3000

func load() {
	once.Do(func() {
		readings = make(map[rune][]string, len(pinyin.PinyinDict))
		bySyllable = make(map[string][]rune, 512)
		for cp, v := range pinyin.PinyinDict {
			r := rune(cp)
			var rs []string
			for _, p := range strings.Split(v, ",") {
				p = StripTones(p)
				if p == "" || contains(rs, p) {
					continue
				}
				rs = append(rs, p)
			}
			if len(rs) == 0 {
				continue
			}
			readings[r] = rs
			if r < 0x4E00 || r > 0x9FFF {
				continue // candidates come from the CJK Unified block only
			}
			for i, p := range rs {
				bySyllable[p] = append(bySyllable[p], r)
				if i > 0 {
					secondary[secKey{r, p}] = true
				}
			}
		}
		for s, cs := range bySyllable {
			// A character's other readings (它 read yi, 失 read yi) rank it
			// lower for that syllable than characters usually read so.
			score := func(r rune) int {
				n := Rank(r)
				if secondary[secKey{r, s}] {
					n += secondaryPenalty
				}
				return n
			}
			sort.Slice(cs, func(i, j int) bool {
				ri, rj := score(cs[i]), score(cs[j])
				if ri != rj {
					return ri < rj
				}
				return cs[i] < cs[j]
			})
			syllables = append(syllables, s)
		}
		sort.Strings(syllables)
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// StripTones lower-cases a pinyin string, removes tone marks and tone
// digits, and writes ü as v ("lǜ" → "lv", "nü3" → "nv").
func StripTones(p string) string {
	var b strings.Builder
	b.Grow(len(p))
	for _, r := range p {
		switch r {
		case 'ā', 'á', 'ǎ', 'à':
			r = 'a'
		case 'ē', 'é', 'ě', 'è', 'ê', 'ế', 'ề':
			r = 'e'
		case 'ī', 'í', 'ǐ', 'ì':
			r = 'i'
		case 'ō', 'ó', 'ǒ', 'ò':
			r = 'o'
		case 'ū', 'ú', 'ǔ', 'ù':
			r = 'u'
		case 'ü', 'ǖ', 'ǘ', 'ǚ', 'ǜ', 'Ü':
			r = 'v'
		case 'ń', 'ň', 'ǹ':
			r = 'n'
		case 'ḿ':
			r = 'm'
		}
		r = unicode.ToLower(r)
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
