package search

import (
	"slices"
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

var testCatalog = &kiosk.Catalog{
	Categories: []kiosk.Category{{ID: "sb", Name: "社会保障"}, {ID: "hj", Name: "户籍管理"}, {ID: "yl", Name: "医疗卫生"}},
	Items: []kiosk.ServiceItem{
		{Code: "A1", Name: "城乡居民养老保险参保登记", Category: "sb", Keywords: []string{"养老", "社保"}},
		{Code: "A2", Name: "养老保险待遇申领", Category: "sb", Frequent: true},
		{Code: "A3", Name: "城乡居民基本医疗保险参保登记", Category: "yl", Keywords: []string{"医保", "新农合"}},
		{Code: "A4", Name: "户口迁移", Category: "hj", Keywords: []string{"迁户口"}},
		{Code: "A5", Name: "居民身份证补领", Category: "hj", Keywords: []string{"身份证丢失"}},
		{Code: "A6", Name: "绿色通道预约", Category: "yl"},
		{Code: "A7", Name: "ETC办理", Category: "sb"},
		{Code: "A8", Name: "银行卡挂失", Category: "sb"},
		{Code: "A9", Name: "养老院床位申请", Category: "sb"},
	},
}

func TestSearch(t *testing.T) {
	ix := New(Docs(testCatalog))
	tests := []struct {
		q     string
		first string   // the best result, if not empty
		has   []string // must all be found
		not   []string // must not be found
	}{
		{q: "养老", first: "A2", has: []string{"A1", "A9"}, not: []string{"A3"}},
		{q: "yanglao", first: "A2", has: []string{"A1", "A9"}},
		{q: "yl", has: []string{"A2", "A9", "A1"}},
		{q: "ylbx", first: "A2", has: []string{"A1"}, not: []string{"A9"}},
		{q: "yang lao", first: "A2", has: []string{"A1"}},
		{q: "Yǎng Lǎo", first: "A2"},
		{q: "yangl", first: "A2"},
		{q: "yanglaobaoxian", first: "A2", has: []string{"A1"}},
		{q: "医保", first: "A3"},
		{q: "yibao", first: "A3"},
		{q: "医疗保险", first: "A3"},
		{q: "sfz", first: "A5"},
		{q: "shenfenzheng", first: "A5"},
		{q: "身份证丢失", first: "A5"},
		{q: "huji", has: []string{"A4", "A5"}}, // category 户籍管理
		{q: "lvse", first: "A6"},
		{q: "luse", first: "A6"},
		{q: "etc", first: "A7"},
		{q: "yinhang", first: "A8"}, // 行 read hang
		{q: "yhk", first: "A8"},
		{q: "qianyi", first: "A4"},
		{q: "xyz", not: []string{"A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9"}},
		{q: "  ", not: []string{"A1"}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			got := ix.Search(tt.q, 0)
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("Search(%q) = %v, want %s first", tt.q, got, tt.first)
			}
			for _, c := range tt.has {
				if !slices.Contains(got, c) {
					t.Errorf("Search(%q) = %v, missing %s", tt.q, got, c)
				}
			}
			for _, c := range tt.not {
				if slices.Contains(got, c) {
					t.Errorf("Search(%q) = %v, should not contain %s", tt.q, got, c)
				}
			}
		})
	}
}

func TestRanking(t *testing.T) {
	ix := New([]Doc{
		{Code: "kw", Name: "社会保险登记", Keywords: []string{"养老"}},
		{Code: "sub", Name: "城乡居民养老保险"},
		{Code: "ini", Name: "养路费"}, // y-l initials only (yang lu)
		{Code: "pre", Name: "养老保险"},
		{Code: "exact", Name: "养老"},
	})
	tests := []struct {
		q    string
		want []string
	}{
		{"养老", []string{"exact", "pre", "sub", "kw"}},
		{"yanglao", []string{"exact", "pre", "sub", "kw"}},
		{"yl", []string{"exact", "ini", "pre", "sub", "kw"}},
	}
	for _, tt := range tests {
		got := ix.Search(tt.q, 0)
		// "yl" on exact/pre/ini all rank as initials prefix: shorter names first.
		if !slices.Equal(got, tt.want) {
			t.Errorf("Search(%q) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if got := ix.Search("yl", 2); len(got) != 2 {
		t.Errorf("limit ignored: %v", got)
	}
}

func TestLimitKeepsBest(t *testing.T) {
	// The bounded selection must return the same first results as a full sort.
	ix := New(genDocs(2000))
	for _, q := range []string{"z", "yl", "s", "养老", "bao"} {
		all := ix.Search(q, 0)
		for _, n := range []int{1, 5, 50} {
			got := ix.Search(q, n)
			if !slices.Equal(got, all[:min(n, len(all))]) {
				t.Errorf("Search(%q, %d) = %v, want %v", q, n, got, all[:min(n, len(all))])
			}
		}
	}
}

// TestEnglishWords: on the English screen (DocsIn with "en") an item is
// found by the English name the screen shows, word by word and while the
// last word is still being typed; Chinese and pinyin still work; the
// Chinese screen's index knows no English. Kills: DocsIn ignoring the
// translations, the word fields left out of the index or its letter mask
// (every English query filtered out), words matched out of order.
func TestEnglishWords(t *testing.T) {
	c := *testCatalog
	c.Translations = map[string]map[string]string{"en": {
		"城乡居民养老保险参保登记":   "Residents' pension insurance: enrolment",
		"养老保险待遇申领":       "Pension benefits: claim",
		"城乡居民基本医疗保险参保登记": "Residents' basic medical insurance: enrolment",
		"医保":   "Medical insurance",
		"户口迁移": "Moving household registration",
		"户籍管理": "Household registration",
	}}
	ix := New(DocsIn(&c, "en"))
	tests := []struct {
		q     string
		first string
		has   []string
		not   []string
	}{
		{q: "Pension benefits: claim", first: "A2"},
		{q: "pension", first: "A2", has: []string{"A1"}, not: []string{"A3", "A4"}},
		{q: "PENS", has: []string{"A1", "A2"}},
		{q: "medical ins", first: "A3", not: []string{"A1", "A2"}},
		{q: "basic med", first: "A3"},
		{q: "insurance medical", not: []string{"A3"}},      // out of order
		{q: "household", first: "A4", has: []string{"A5"}}, // A5 by its category
		{q: "养老", first: "A2"},
		{q: "yanglao", first: "A2"},
	}
	for _, tt := range tests {
		got := ix.Search(tt.q, 0)
		if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
			t.Errorf("Search(%q) = %v, want %s first", tt.q, got, tt.first)
		}
		for _, c := range tt.has {
			if !slices.Contains(got, c) {
				t.Errorf("Search(%q) = %v, missing %s", tt.q, got, c)
			}
		}
		for _, c := range tt.not {
			if slices.Contains(got, c) {
				t.Errorf("Search(%q) = %v, should not contain %s", tt.q, got, c)
			}
		}
	}
	if got := New(DocsIn(&c, "zh-CN")).Search("pension", 0); len(got) != 0 {
		t.Errorf("the Chinese screen's index found %v for pension", got)
	}
}
