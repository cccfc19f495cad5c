package main

import (
	"slices"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets"
)

// The kiosk's searcher over the shipped catalogue: the English screen
// finds 城乡居民养老保险缴费 by "pension" (its English name), the Chinese
// screen by 养老 and not by English words, each from its own index. Kills:
// one index for both languages (the Chinese one asked first answers the
// English screen too), the index built from search.Docs (no translations).
func TestCatalogSearchByLanguage(t *testing.T) {
	cat, err := assets.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	code := ""
	for _, it := range cat.Items {
		if it.Name == "城乡居民养老保险缴费" {
			code = it.Code
		}
	}
	if code == "" {
		t.Fatal("no 城乡居民养老保险缴费 in the catalogue")
	}
	cs := &catalogSearch{cat: func() *kiosk.Catalog { return cat }}
	if got := cs.Search("zh-CN", "pension", 0); len(got) != 0 {
		t.Errorf("the Chinese screen found %v for pension", got)
	}
	if got := cs.Search("zh-CN", "养老", 0); !slices.Contains(got, code) {
		t.Errorf("the Chinese screen did not find 养老: %v", got)
	}
	if got := cs.Search("en", "pension", 0); !slices.Contains(got, code) {
		t.Errorf("the English screen did not find pension: %v", got)
	}
	if got := cs.Search("en", "residents pension paying", 0); len(got) == 0 || got[0] != code {
		t.Errorf("the English screen's best match for its words: %v, want %s first", got, code)
	}
}
