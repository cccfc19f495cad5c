package assets

import (
	"testing"
	"unicode"

	kiosk "github.com/bianmin/kiosk"
)

// displayTexts lists every catalogue text a screen, a guide or a receipt can
// show a resident: names, labels, choices, hints, materials and guide lines.
// Codes, keys and search keywords are not shown and are not listed.
func displayTexts(c *kiosk.Catalog) []string {
	var out []string
	add := func(s ...string) { out = append(out, s...) }
	for _, cat := range c.Categories {
		add(cat.Name)
	}
	for _, b := range c.Bundles {
		add(b.Name, b.Description)
	}
	for _, it := range c.Items {
		add(it.Name, string(it.Type), it.Level, it.Agency, it.LegalBasis, it.VisitsReason,
			it.Place, it.Hours, it.Enquiry, it.Complaint, it.Result, it.Scope, it.Fee.Basis, it.Fee.Standard)
		add(it.Users...)
		add(it.Conditions...)
		add(it.Process...)
		for _, m := range it.Materials {
			add(m.Name, m.Form, m.Source, m.Standard, m.Commitment, m.ELicence, m.Notes)
		}
		for _, f := range it.Form {
			add(f.Label, f.Hint)
			add(f.Choices...)
		}
	}
	return out
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// TestCatalogEnglish: `--lang en` shows the catalogue in English. Every
// Chinese text of the bundled catalogue has an English translation, and no
// translation is itself Chinese; an item added without translations fails
// here rather than showing Chinese on an English screen.
func TestCatalogEnglish(t *testing.T) {
	c := mustCatalog(t)
	en := c.Translations["en"]
	if len(en) == 0 {
		t.Fatal("the bundled catalogue has no English translations")
	}
	missing := 0
	for _, s := range displayTexts(c) {
		if !hasHan(s) {
			continue
		}
		got := c.Text("en", s)
		if got == s {
			missing++
			if missing <= 10 {
				t.Errorf("no English for %q", s)
			}
			continue
		}
		if hasHan(got) {
			t.Errorf("English for %q is Chinese: %q", s, got)
		}
		if c.Text("zh-CN", s) != s {
			t.Errorf("Text(zh-CN, %q) changed the text", s)
		}
	}
	if missing > 10 {
		t.Errorf("... %d texts without English in all", missing)
	}
	// Every translation belongs to a text the catalogue shows: stale
	// entries are removed when an item is.
	shown := map[string]bool{}
	for _, s := range displayTexts(c) {
		shown[s] = true
	}
	for zh := range en {
		if !shown[zh] {
			t.Errorf("translation for %q, which the catalogue does not show", zh)
		}
	}
}

func TestCatalogTextFallsBack(t *testing.T) {
	c := &kiosk.Catalog{Translations: map[string]map[string]string{"en": {"姓名": "Name", "空": ""}}}
	for _, tc := range []struct{ lang, in, want string }{
		{"en", "姓名", "Name"},
		{"en", "民族", "民族"}, // untranslated: shown as published
		{"en", "空", "空"},   // an empty translation is no translation
		{"zh-CN", "姓名", "姓名"},
		{"", "姓名", "姓名"},
		{"fr", "姓名", "姓名"},
	} {
		if got := c.Text(tc.lang, tc.in); got != tc.want {
			t.Errorf("Text(%q, %q) = %q, want %q", tc.lang, tc.in, got, tc.want)
		}
	}
	var nilCat *kiosk.Catalog
	if got := nilCat.Text("en", "姓名"); got != "姓名" {
		t.Errorf("nil catalogue: %q", got)
	}
}
