package testcards

import (
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

func TestAll(t *testing.T) {
	cards, err := All()
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	types := map[kiosk.CardType]bool{}
	longTerm, rare := false, false
	for _, c := range cards {
		if labels[c.Label] || c.Label == "" {
			t.Errorf("label %q empty or repeated", c.Label)
		}
		labels[c.Label] = true
		types[c.Identity.CardType] = true
		longTerm = longTerm || c.Identity.LongTerm
		rare = rare || c.Identity.HasRareChars()
		if n := len(c.Identity.IDNumber); n == 18 && !c.Identity.IDChecksumOK() {
			t.Errorf("%s: id number fails its checksum", c.Label)
		}
	}
	if len(types) != 4 || !longTerm || !rare {
		t.Errorf("types %v long-term %v rare %v", types, longTerm, rare)
	}
	a, _ := Get("resident")
	a.Wipe()
	if b, _ := Get("resident"); b.Name == "" {
		t.Error("Get returns shared identities")
	}
}
