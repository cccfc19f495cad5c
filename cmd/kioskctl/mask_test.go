package main

import (
	"encoding/json"
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

// TestQueueShowMasksWhatNarrowsToOnePerson: without --reveal, queue show
// prints neither the birth date, the issuing authority nor the card's
// validity beside the masked ID number (together they single the resident
// out). Mutation killed: masking only the name and the ID number.
func TestQueueShowMasksWhatNarrowsToOnePerson(t *testing.T) {
	app := &kiosk.Application{
		InstanceID: "x", AcceptanceNo: "330106001-T01-20261123-0001",
		Applicant: kiosk.Identity{Name: "王小明", IDNumber: "11010519491231002X", Birth: kiosk.Date{Year: 1949, Month: 12, Day: 31},
			Authority: "北京市公安局西城分局", ValidFrom: kiosk.Date{Year: 2015, Month: 3, Day: 9}, ValidTo: kiosk.Date{Year: 2035, Month: 3, Day: 9},
			IssueCount: "01", Address: "北京市西城区某街1号"},
		Form: map[string]string{"birth": "1949-12-31", "authority": "北京市公安局西城分局"},
	}
	queueMaskApplication(app)
	b, err := json.Marshal(app)
	if err != nil {
		t.Fatal(err)
	}
	out := string(b)
	for _, secret := range []string{"1949", "12-31", "西城分局", "2015", "2035", "王小明", "11010519491231002X"} {
		if strings.Contains(out, secret) {
			t.Errorf("masked show still holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, kiosk.MaskID("11010519491231002X")) {
		t.Errorf("the masked ID number is gone too: %s", out)
	}
}
