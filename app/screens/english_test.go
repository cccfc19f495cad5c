package screens

import (
	"testing"

	"github.com/bianmin/kiosk/app/i18n"
)

// Defect 9 (issue 10): `--lang en` left the catalogue's service, category
// and field names Chinese. With the screens in English, the home screen's
// categories and services, the guide's name, conditions and materials, and
// the form's labels and choices show the catalogue's English, and none of
// the Chinese originals is on screen.
func TestEnglishShowsTheCatalogueInEnglish(t *testing.T) {
	s, _, w, _ := setupWith(t, false, Options{Lang: i18n.En}, portrait)
	cat := s.Catalog()
	en := func(zh string) string { return cat.Text(i18n.En, zh) }
	check := func(where string, zh ...string) {
		t.Helper()
		for _, z := range zh {
			if z == "" || en(z) == z {
				continue
			}
			if !shows(w.Content(), en(z)) {
				t.Errorf("%s: %q (for %q) not shown; screen: %q", where, en(z), z, texts(w.Content()))
			}
			if shows(w.Content(), z) {
				t.Errorf("%s: Chinese %q shown on the English screen", where, z)
			}
		}
	}
	s.CardRead(resident())
	it := s.Frequent()[0]
	var names []string
	for _, f := range s.Frequent() {
		names = append(names, f.Name)
	}
	check("home", names...)
	for _, c := range cat.Categories {
		if len(kioskItems(cat, c.ID)) > 0 {
			check("home", c.Name)
		}
	}
	if err := s.ChooseItem(it.Code); err != nil {
		t.Fatal(err)
	}
	check("guide", it.Name, string(it.Type), it.Agency)
	for _, m := range it.Materials {
		check("guide", m.Name)
	}
	s.StartForm()
	for _, f := range it.Form {
		check("form", f.Label)
		check("form", f.Choices...)
	}
}
