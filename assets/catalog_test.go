package assets

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func mustCatalog(t testing.TB) *kiosk.Catalog {
	t.Helper()
	c, err := Catalog()
	if err != nil {
		t.Fatalf("bundled catalogue: %v", err)
	}
	return c
}

func TestCatalogParsesAndValidates(t *testing.T) {
	c := mustCatalog(t)
	if c.Version != 1 {
		t.Errorf("version = %d, want 1", c.Version)
	}
	if !c.Issued.Before(c.Expires) {
		t.Errorf("issued %v not before expires %v", c.Issued, c.Expires)
	}
	if c.Region == "" {
		t.Error("empty region")
	}
	if n := len(c.Items); n < 24 {
		t.Errorf("%d items, want at least 24", n)
	}
	if n := len(c.Bundles); n < 3 {
		t.Errorf("%d bundles, want at least 3", n)
	}
	frequent := 0
	for _, it := range c.Items {
		if it.Frequent {
			frequent++
		}
	}
	if frequent != 6 {
		t.Errorf("%d frequent items, want 6 (the home screen shows six)", frequent)
	}
	for _, cat := range c.Categories {
		if len(c.InCategory(cat.ID)) == 0 {
			t.Errorf("category %s (%s) has no items", cat.ID, cat.Name)
		}
	}
}

var (
	digits12   = regexp.MustCompile(`^[0-9]{12}$`)
	prefillFor = map[string][]kiosk.FieldKind{
		"name": {kiosk.FieldText}, "id_number": {kiosk.FieldIDNumber}, "sex": {kiosk.FieldChoice},
		"birth": {kiosk.FieldDate}, "address": {kiosk.FieldText}, "ethnicity": {kiosk.FieldText},
	}
	fieldKinds = map[kiosk.FieldKind]bool{kiosk.FieldText: true, kiosk.FieldIDNumber: true, kiosk.FieldMobile: true,
		kiosk.FieldCreditCode: true, kiosk.FieldDate: true, kiosk.FieldNumber: true, kiosk.FieldChoice: true, kiosk.FieldBankCard: true}
	materialForms = map[string]bool{"纸质": true, "电子": true, "纸质或电子": true}
)

// TestCatalogItems checks each item beyond what Validate requires: the
// elements a resident sees on the kiosk must all be filled in.
func TestCatalogItems(t *testing.T) {
	c := mustCatalog(t)
	basic := map[string]bool{}
	for _, it := range c.Items {
		t.Run(it.Name, func(t *testing.T) {
			if !digits12.MatchString(it.BasicCode) {
				t.Errorf("basic code %q is not 12 digits", it.BasicCode)
			}
			if basic[it.BasicCode] {
				t.Errorf("basic code %s used twice", it.BasicCode)
			}
			basic[it.BasicCode] = true
			if len(it.Code) > 36 || !strings.HasPrefix(it.Code, it.AgencyCode) {
				t.Errorf("implementation code %q: want agency code prefix and at most 36 characters", it.Code)
			}
			if !strings.HasPrefix(it.HandlingCode, it.Code) {
				t.Errorf("handling code %q does not extend implementation code", it.HandlingCode)
			}
			if err := kiosk.CheckCreditCode(it.AgencyCode); err != nil {
				t.Errorf("agency code %s: %v", it.AgencyCode, err)
			}
			if !strings.Contains(it.LegalBasis, "《") {
				t.Errorf("legal basis %q names no law or regulation", it.LegalBasis)
			}
			if len(it.Materials) == 0 {
				t.Error("no materials")
			}
			if it.LegalLimitDays <= 0 || it.PromisedLimitDays > it.LegalLimitDays {
				t.Errorf("limits legal %d promised %d: want a legal limit and a promised limit within it",
					it.LegalLimitDays, it.PromisedLimitDays)
			}
			if !it.Kiosk || it.Enquiry == "" || it.Complaint == "" || len(it.Keywords) == 0 ||
				len(it.Conditions) == 0 || len(it.Users) == 0 || it.Result == "" {
				t.Error("kiosk flag, enquiry, complaint, keywords, conditions, users and result must be set")
			}
			if it.Fee.Charged || it.Fee.Basis == "" {
				t.Errorf("fee %+v: sample items are free and say so", it.Fee)
			}
			for _, m := range it.Materials {
				if !materialForms[m.Form] || m.Copies < 1 {
					t.Errorf("material %s: form %q copies %d", m.ID, m.Form, m.Copies)
				}
				if m.FromCard && !m.Required {
					t.Errorf("material %s: from_card materials are the required ID card", m.ID)
				}
			}
			if len(it.Form) == 0 {
				t.Fatal("no form")
			}
			for _, f := range it.Form {
				if !fieldKinds[f.Kind] {
					t.Errorf("field %s: unknown kind %q", f.Key, f.Kind)
				}
				if f.Prefill != "" {
					kinds, ok := prefillFor[f.Prefill]
					if !ok || kinds[0] != f.Kind {
						t.Errorf("field %s: prefill %q does not fit kind %q", f.Key, f.Prefill, f.Kind)
					}
				}
				for _, ch := range f.Choices {
					if err := kiosk.CheckField(f, ch); err != nil {
						t.Errorf("field %s: choice %q fails its own check: %v", f.Key, ch, err)
					}
				}
			}
		})
	}
}

// TestCatalogPrefill fills every form from a sample identity and checks the
// prefilled values pass the field checks (e.g. the sex choice has 男/女).
func TestCatalogPrefill(t *testing.T) {
	c := mustCatalog(t)
	id := &kiosk.Identity{Name: "张三", IDNumber: "11010519491231002X", SexCode: "2", EthnicityCode: "01",
		Birth: kiosk.Date{Year: 1949, Month: 12, Day: 31}, Address: "浙江省某县某镇某村12号"}
	for _, it := range c.Items {
		form := map[string]string{}
		kiosk.Prefill(form, it.Form, id)
		for _, f := range it.Form {
			if f.Prefill == "" {
				continue
			}
			if err := kiosk.CheckField(f, form[f.Key]); err != nil {
				t.Errorf("%s: prefilled %s=%q: %v", it.Name, f.Key, form[f.Key], err)
			}
		}
	}
}

func TestBundleForms(t *testing.T) {
	c := mustCatalog(t)
	for _, b := range c.Bundles {
		t.Run(b.Name, func(t *testing.T) {
			fields, err := c.BundleForm(b)
			if err != nil {
				t.Fatalf("bundle form: %v", err)
			}
			items, _ := c.BundleItems(b)
			keys := map[string]bool{}
			for _, f := range fields {
				if keys[f.Key] {
					t.Errorf("field %s asked twice", f.Key)
				}
				keys[f.Key] = true
			}
			total := 0
			for _, it := range items {
				total += len(it.Form)
				for _, f := range it.Form {
					if !keys[f.Key] {
						t.Errorf("item %s field %s missing from merged form", it.Name, f.Key)
					}
				}
			}
			if len(fields) >= total {
				t.Errorf("merged form has %d fields, items %d: the bundle shares no field", len(fields), total)
			}
		})
	}
}

// TestTamperedCatalog checks that a broken catalogue is refused with an
// error saying what is wrong.
func TestTamperedCatalog(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(c *kiosk.Catalog)
		want   string
	}{
		{"promised beyond legal", func(c *kiosk.Catalog) { c.Items[0].PromisedLimitDays = c.Items[0].LegalLimitDays + 1 },
			"exceeds legal limit"},
		{"duplicate code", func(c *kiosk.Catalog) { c.Items[1].Code = c.Items[0].Code }, "duplicate code"},
		{"bundle to unknown item", func(c *kiosk.Catalog) { c.Bundles[0].Items[0] = "NO-SUCH-ITEM" }, "unknown item NO-SUCH-ITEM"},
		{"bundle of one item", func(c *kiosk.Catalog) { c.Bundles[0].Items = c.Bundles[0].Items[:1] }, "at least two items"},
		{"short basic code", func(c *kiosk.Catalog) { c.Items[2].BasicCode = "20012600100" }, "12 characters"},
		{"unknown type", func(c *kiosk.Catalog) { c.Items[0].Type = "行政服务" }, "unknown type"},
		{"unknown category", func(c *kiosk.Catalog) { c.Items[0].Category = "nosuch" }, "unknown category"},
		{"visit without reason", func(c *kiosk.Catalog) { c.Items[0].Visits, c.Items[0].VisitsReason = 1, "" }, "need a reason"},
		{"no legal basis", func(c *kiosk.Catalog) { c.Items[3].LegalBasis = "" }, "legal basis are required"},
		{"commitment without text", func(c *kiosk.Catalog) {
			c.Items[0].Materials[0].Committable, c.Items[0].Materials[0].Commitment = true, ""
		}, "no commitment text"},
		{"deferral without deadline", func(c *kiosk.Catalog) {
			c.Items[0].Materials[0].Deferrable, c.Items[0].Materials[0].DeferDays = true, 0
		}, "no deadline"},
		{"duplicate material", func(c *kiosk.Catalog) {
			c.Items[0].Materials = append(c.Items[0].Materials, c.Items[0].Materials[0])
		}, "unique id"},
		{"choice without choices", func(c *kiosk.Catalog) {
			c.Items[0].Form = append(c.Items[0].Form, kiosk.FieldSpec{Key: "x", Label: "x", Kind: kiosk.FieldChoice})
		}, "has no choices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCatalog(t)
			tt.tamper(c)
			data, err := json.Marshal(c)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseCatalog(data)
			if !errors.Is(err, kiosk.ErrCatalog) {
				t.Fatalf("err = %v, want kiosk.ErrCatalog", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestParseCatalogSyntax(t *testing.T) {
	good := string(CatalogJSON())
	tests := []struct {
		name string
		data string
	}{
		{"empty", ""},
		{"not json", "目录"},
		{"truncated", good[:len(good)/2]},
		{"trailing data", good + "{}"},
		{"unknown field", strings.Replace(good, `"legal_basis"`, `"legal_bases"`, 1)},
		{"wrong type", strings.Replace(good, `"version": 1`, `"version": "1"`, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseCatalog([]byte(tt.data))
			if !errors.Is(err, ErrCatalogSyntax) || c != nil {
				t.Fatalf("ParseCatalog = %v, %v; want ErrCatalogSyntax", c, err)
			}
		})
	}
}

// TestCatalogCopies checks that Catalog returns an independent copy.
func TestCatalogCopies(t *testing.T) {
	a, b := mustCatalog(t), mustCatalog(t)
	a.Items[0].Name = "changed"
	if b.Items[0].Name == "changed" {
		t.Fatal("Catalog returned shared data")
	}
}

// TestCatalogSummary compares a one-line-per-item index of the catalogue
// with testdata/catalog-summary.golden, so a change to codes, names, types
// or limits shows in review. Run with -update after an intended change.
func TestCatalogSummary(t *testing.T) {
	c := mustCatalog(t)
	var sb strings.Builder
	for _, it := range c.Items {
		flags := ""
		if it.Frequent {
			flags = " 常办"
		}
		fmt.Fprintf(&sb, "%s\t%s\t%s\t%s\t%d/%d\t%d材料%d字段%s\n", it.Code, it.Category, it.Type, it.Name,
			it.PromisedLimitDays, it.LegalLimitDays, len(it.Materials), len(it.Form), flags)
	}
	for _, b := range c.Bundles {
		fmt.Fprintf(&sb, "%s\t%s\t%s\n", b.Code, b.Name, strings.Join(b.Items, ","))
	}
	golden := filepath.Join("testdata", "catalog-summary.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./assets -run Summary -update)", err)
	}
	if sb.String() != string(want) {
		t.Errorf("catalogue summary changed; review and run with -update:\n%s", sb.String())
	}
}

func FuzzParseCatalog(f *testing.F) {
	f.Add(CatalogJSON())
	f.Add([]byte(`{"version":1,"items":[],"bundles":[]}`))
	f.Add([]byte(`{"items":[{"code":"A","basic_code":"000000000001"}],"bundles":[{"code":"B","items":["A","C"]}]}`))
	f.Add([]byte(`{"version":1}{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalog(data)
		if err != nil {
			if !errors.Is(err, ErrCatalogSyntax) && !errors.Is(err, kiosk.ErrCatalog) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		// A valid catalogue must survive a round trip and give bundle forms.
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseCatalog(out); err != nil {
			t.Fatalf("round trip: %v", err)
		}
		for _, b := range c.Bundles {
			if _, err := c.BundleForm(b); err != nil {
				t.Fatalf("bundle form of a valid catalogue: %v", err)
			}
		}
	})
}
