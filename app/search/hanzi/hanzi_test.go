package hanzi

import (
	"slices"
	"testing"
)

func TestReadings(t *testing.T) {
	tests := []struct {
		r    rune
		want string
	}{
		{'养', "yang"}, {'老', "lao"}, {'绿', "lv"}, {'行', "xing"}, {'行', "hang"}, {'女', "nv"},
	}
	for _, tt := range tests {
		if got := Readings(tt.r); !slices.Contains(got, tt.want) {
			t.Errorf("Readings(%c) = %v, want it to contain %q", tt.r, got, tt.want)
		}
	}
	if Readings('a') != nil {
		t.Errorf("Readings('a') should be nil")
	}
}

func TestCharsOrderedByFrequency(t *testing.T) {
	tests := []struct {
		syl   string
		first rune
		top   int // must be within the first top candidates
		want  rune
	}{
		{"de", '的', 1, '的'},
		{"shi", '是', 3, '时'},
		{"yi", '一', 10, '医'},
		{"zheng", 0, 5, '证'},
		{"bao", 0, 3, '保'},
	}
	for _, tt := range tests {
		cs := Chars(tt.syl)
		if len(cs) == 0 {
			t.Fatalf("Chars(%q) is empty", tt.syl)
		}
		if tt.first != 0 && cs[0] != tt.first {
			t.Errorf("Chars(%q)[0] = %c, want %c", tt.syl, cs[0], tt.first)
		}
		if i := slices.Index(cs, tt.want); i < 0 || i >= tt.top {
			t.Errorf("Chars(%q): %c at %d, want within first %d (%s)", tt.syl, tt.want, i, tt.top, string(cs[:min(10, len(cs))]))
		}
	}
}

func TestRankLevels(t *testing.T) {
	if Level('的') != 1 || Level('啊') != 1 {
		t.Errorf("common characters should be level 1")
	}
	if Level('亍') != 2 { // GB 2312 level 2
		t.Errorf("Level(亍) = %d, want 2", Level('亍'))
	}
	if Level('㐀') != 3 {
		t.Errorf("Level(㐀) = %d, want 3", Level('㐀'))
	}
	if !(Rank('的') < Rank('养') && Rank('养') < Rank('亍') && Rank('亍') < Rank('㐀')) {
		t.Errorf("rank order wrong")
	}
}

func TestSyllables(t *testing.T) {
	if !IsSyllable("zhuang") || IsSyllable("zhuan g") || IsSyllable("xq") {
		t.Errorf("IsSyllable wrong")
	}
	if !IsSyllablePrefix("zhu") || !IsSyllablePrefix("l") || IsSyllablePrefix("iv") {
		t.Errorf("IsSyllablePrefix wrong")
	}
	if got := Syllables("xia"); !slices.Contains(got, "xiang") || !slices.Contains(got, "xian") {
		t.Errorf("Syllables(xia) = %v", got)
	}
}

func TestStripTones(t *testing.T) {
	for in, want := range map[string]string{"lǜ": "lv", "Zhōng": "zhong", "nü3": "nv", "hǎo": "hao"} {
		if got := StripTones(in); got != want {
			t.Errorf("StripTones(%q) = %q, want %q", in, got, want)
		}
	}
}
