package hanzi

import (
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Rank orders characters by how common they are: 0 is the most common.
// Characters of the embedded frequency list come first in its order, then
// GB 2312 level-1 characters (the 3 755 common characters), then level 2,
// then everything else. No character-frequency table ships with Debian or
// go-pinyin, so GB 2312's two levels stand in for the 通用规范汉字表 levels
// beyond the embedded list.
func Rank(r rune) int {
	rankOnce.Do(loadRank)
	if r >= cjkFirst && r <= cjkLast {
		return int(ranks[r-cjkFirst])
	}
	if n, ok := listed[r]; ok {
		return n
	}
	return 400000 + int(r)
}

const cjkFirst, cjkLast = 0x4E00, 0x9FFF

// Level is 1 for a common character (embedded list or GB 2312 level 1), 2 for
// a GB 2312 level-2 character and 3 for any other.
func Level(r rune) int {
	rankOnce.Do(loadRank)
	if _, ok := listed[r]; ok {
		return 1
	}
	if r >= cjkFirst && r <= cjkLast {
		if l := levels[r-cjkFirst]; l > 0 {
			return int(l)
		}
	}
	return 3
}

var (
	rankOnce sync.Once
	listed   map[rune]int
	ranks    []int32 // by r-cjkFirst
	levels   []uint8 // GB 2312 level by r-cjkFirst, 0 if none
)

func loadRank() {
	listed = make(map[rune]int, utf8.RuneCountInString(commonChars))
	n := 0
	for _, r := range commonChars {
		if _, ok := listed[r]; !ok {
			listed[r] = n
			n++
		}
	}
	ranks = make([]int32, cjkLast-cjkFirst+1)
	levels = make([]uint8, cjkLast-cjkFirst+1)
	enc := simplifiedchinese.GBK.NewEncoder()
	for r := rune(cjkFirst); r <= cjkLast; r++ {
		l := gbLevel(enc, r)
		levels[r-cjkFirst] = uint8(l)
		switch n, ok := listed[r]; {
		case ok:
			ranks[r-cjkFirst] = int32(n)
		case l == 1:
			ranks[r-cjkFirst] = int32(10000 + r)
		case l == 2:
			ranks[r-cjkFirst] = int32(200000 + r)
		default:
			ranks[r-cjkFirst] = int32(400000 + r)
		}
	}
}

// gbLevel returns the GB 2312 level of r (1 or 2), or 0 when r is not in it.
func gbLevel(enc *encoding.Encoder, r rune) int {
	var src [4]byte
	n := utf8.EncodeRune(src[:], r)
	var dst [4]byte
	enc.Reset()
	nd, _, err := enc.Transform(dst[:], src[:n], true)
	if err != nil || nd != 2 {
		return 0
	}
	hi, lo := dst[0], dst[1]
	if lo < 0xA1 || lo > 0xFE {
		return 0
	}
	switch {
	case hi >= 0xB0 && hi <= 0xD7:
		return 1
	case hi >= 0xD8 && hi <= 0xF7:
		return 2
	}
	return 0
}
