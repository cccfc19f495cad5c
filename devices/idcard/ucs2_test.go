package idcard_test

import (
	"encoding/binary"
	"errors"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/devices/idcard"
)

// TestTextIsUCS2: the text block is UCS-2 (GA 467), so parse and encode
// agree on what a card can hold. A surrogate unit (what a character outside
// the BMP would need in UTF-16) is rejected on parse as a malformed field,
// and encoding such a character fails the same way, instead of a name that
// parses and then cannot be written back ("value too long for its field",
// found by FuzzParseText; the input is in testdata/fuzz).
func TestTextIsUCS2(t *testing.T) {
	cards, err := testcards.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cards {
		t.Run(c.Label, func(t *testing.T) {
			b, err := idcard.EncodeText(c.Identity)
			if err != nil {
				t.Fatal(err)
			}
			for _, off := range []int{0, 52, 220} { // a name field on every card type
				bad := append([]byte(nil), b...)
				binary.LittleEndian.PutUint16(bad[off:], 0xD835) // U+1D400 as UTF-16
				binary.LittleEndian.PutUint16(bad[off+2:], 0xDC00)
				if c.Identity.CardType != kiosk.CardForeign2023 && off == 220 {
					continue
				}
				if _, err := idcard.ParseText(bad); !errors.Is(err, idcard.ErrBadField) {
					t.Errorf("surrogate pair at byte %d: ParseText err = %v, want ErrBadField", off, err)
				}
			}
		})
	}
	id := &kiosk.Identity{CardType: kiosk.CardForeign2023, Name: "玛丽亚", NameEN: "\U0001D400LICE SMITH", SexCode: "2", IDNumber: "932682198501010017", Nationality: "USA"}
	if _, err := idcard.EncodeText(id); !errors.Is(err, idcard.ErrBadField) {
		t.Errorf("EncodeText of a non-BMP English name: err = %v, want ErrBadField", err)
	}
	id.NameEN = "ALICE SMITH"
	id.Name = "玛\ue000亚" // rare characters come as Private Use Area code points: kept
	b, err := idcard.EncodeText(id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := idcard.ParseText(b)
	if err != nil || got.Name != id.Name || len(got.RareChars) != 1 {
		t.Errorf("PUA name round trip: %+v, %v", got, err)
	}
}
