package kiosk

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ItemType is the national type of a service item.
type ItemType string

// Item types (GB/T 39554.1).
const (
	TypeLicensing     ItemType = "行政许可"
	TypeConfirmation  ItemType = "行政确认"
	TypeAdjudication  ItemType = "行政裁决"
	TypeBenefit       ItemType = "行政给付"
	TypeReward        ItemType = "行政奖励"
	TypeFiling        ItemType = "行政备案"
	TypeOtherPower    ItemType = "其他行政权力"
	TypePublicService ItemType = "公共服务"
)

var itemTypes = map[ItemType]bool{TypeLicensing: true, TypeConfirmation: true, TypeAdjudication: true,
	TypeBenefit: true, TypeReward: true, TypeFiling: true, TypeOtherPower: true, TypePublicService: true}

// Fee says whether an item is charged, and on what basis.
type Fee struct {
	Charged  bool   `json:"charged"`
	Basis    string `json:"basis,omitempty"`
	Standard string `json:"standard,omitempty"`
}

// MaterialSpec is one row of an item's materials list.
type MaterialSpec struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Form        string `json:"form"` // 纸质 / 电子 / 纸质或电子
	Required    bool   `json:"required"`
	Copies      int    `json:"copies"`
	Source      string `json:"source,omitempty"`   // 申请人自备 / 政府部门核发 …
	Standard    string `json:"standard,omitempty"` // acceptance standard
	Deferrable  bool   `json:"deferrable"`         // 容缺: may be supplied later
	DeferDays   int    `json:"defer_days,omitempty"`
	Committable bool   `json:"committable"`          // 告知承诺: a signed commitment may replace it
	Commitment  string `json:"commitment,omitempty"` // the commitment text the resident signs
	ELicence    string `json:"e_licence,omitempty"`  // e-licence type that exempts it (免证办)
	Notes       string `json:"notes,omitempty"`
	FromCard    bool   `json:"from_card,omitempty"` // satisfied by reading the ID card
}

// FieldKind is the kind of a form field, which decides its keyboard and check.
type FieldKind string

// Field kinds.
const (
	FieldText       FieldKind = "text"
	FieldIDNumber   FieldKind = "id_number"
	FieldMobile     FieldKind = "mobile"
	FieldCreditCode FieldKind = "credit_code"
	FieldDate       FieldKind = "date"
	FieldNumber     FieldKind = "number"
	FieldChoice     FieldKind = "choice"
	FieldBankCard   FieldKind = "bank_card"
)

// FieldSpec describes one form field.
type FieldSpec struct {
	Key      string    `json:"key"`
	Label    string    `json:"label"`
	Kind     FieldKind `json:"kind"`
	Required bool      `json:"required"`
	Prefill  string    `json:"prefill,omitempty"` // identity field: name, id_number, sex, birth, address, ethnicity
	Choices  []string  `json:"choices,omitempty"`
	MaxLen   int       `json:"max_len,omitempty"`
	Hint     string    `json:"hint,omitempty"`
}

// ServiceItem is one government-service item with its standard elements
// (see shared reference gov-service.md).
type ServiceItem struct {
	Code              string         `json:"code"`          // implementation code
	BasicCode         string         `json:"basic_code"`    // 12 characters
	HandlingCode      string         `json:"handling_code"` // up to 50
	Name              string         `json:"name"`
	Type              ItemType       `json:"type"`
	Category          string         `json:"category"`
	Keywords          []string       `json:"keywords,omitempty"`
	Version           string         `json:"version"`
	Level             string         `json:"level"` // exercise level
	Agency            string         `json:"agency"`
	AgencyCode        string         `json:"agency_code"`
	LegalBasis        string         `json:"legal_basis"`
	Users             []string       `json:"users"`
	Conditions        []string       `json:"conditions"`
	Materials         []MaterialSpec `json:"materials"`
	LegalLimitDays    int            `json:"legal_limit_days"`
	PromisedLimitDays int            `json:"promised_limit_days"`
	Fee               Fee            `json:"fee"`
	Visits            int            `json:"visits"`
	VisitsReason      string         `json:"visits_reason,omitempty"`
	Online            bool           `json:"online"`
	Kiosk             bool           `json:"kiosk"` // supports kiosk handling
	Process           []string       `json:"process,omitempty"`
	Place             string         `json:"place,omitempty"`
	Hours             string         `json:"hours,omitempty"`
	Enquiry           string         `json:"enquiry,omitempty"`
	Complaint         string         `json:"complaint,omitempty"`
	Result            string         `json:"result,omitempty"`
	Scope             string         `json:"scope,omitempty"` // 通办范围
	Form              []FieldSpec    `json:"form"`
	Frequent          bool           `json:"frequent,omitempty"`
	MinAge            int            `json:"min_age,omitempty"` // applicant's age bounds in whole years on the day of application (0: none);
	MaxAge            int            `json:"max_age,omitempty"` // e.g. 高龄津贴 80+: CheckAge applies them
}

// Material returns the item's material with that id.
func (it *ServiceItem) Material(id string) (MaterialSpec, bool) {
	for _, m := range it.Materials {
		if m.ID == id {
			return m, true
		}
	}
	return MaterialSpec{}, false
}

// Bundle is an 一件事 bundle: several items handled with one form.
type Bundle struct {
	Code        string   `json:"code"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Items       []string `json:"items"` // item codes
}

// Category groups items on the home screen.
type Category struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Icon string `json:"icon,omitempty"`
}

// Catalog is the set of items a terminal offers, as published (and signed) by
// the provincial platform. Versions only increase.
type Catalog struct {
	Version    int64         `json:"version"`
	Issued     time.Time     `json:"issued"`
	Expires    time.Time     `json:"expires"`
	Region     string        `json:"region"`
	Categories []Category    `json:"categories"`
	Items      []ServiceItem `json:"items"`
	Bundles    []Bundle      `json:"bundles"`
	// Translations holds the catalogue's own texts in other languages,
	// keyed by language ("en") and then by the Chinese text as published
	// (like a gettext msgid). Chinese is the catalogue's language; a text
	// without a translation is shown in Chinese.
	Translations map[string]map[string]string `json:"translations,omitempty"`
}

// Text returns the catalogue text s (a name, a label, a choice, a guide
// line) in language lang, or s itself when lang is Chinese or the catalogue
// has no translation for it. Stored values (a chosen choice, a material's
// name on the wire) stay Chinese: Text is for display only.
func (c *Catalog) Text(lang, s string) string {
	if c == nil || s == "" || lang == "" || strings.HasPrefix(lang, "zh") {
		return s
	}
	if t, ok := c.Translations[lang][s]; ok && t != "" {
		return t
	}
	return s
}

// ErrNoItem is returned when a catalogue has no item with the code asked for.
var ErrNoItem = errors.New("no such service item")

// Item returns the item with that code.
func (c *Catalog) Item(code string) (*ServiceItem, error) {
	for i := range c.Items {
		if c.Items[i].Code == code {
			return &c.Items[i], nil
		}
	}
	return nil, fmt.Errorf("item %q: %w", code, ErrNoItem)
}

// InCategory returns the items of a category, in catalogue order.
func (c *Catalog) InCategory(id string) []*ServiceItem {
	var out []*ServiceItem
	for i := range c.Items {
		if c.Items[i].Category == id {
			out = append(out, &c.Items[i])
		}
	}
	return out
}

// BundleItems returns the items of a bundle.
func (c *Catalog) BundleItems(b Bundle) ([]*ServiceItem, error) {
	var out []*ServiceItem
	for _, code := range b.Items {
		it, err := c.Item(code)
		if err != nil {
			return nil, fmt.Errorf("bundle %s: %w", b.Code, err)
		}
		out = append(out, it)
	}
	return out, nil
}

// BundleForm merges the forms of a bundle's items: a field whose key appears
// in several items is asked once (一件事一次办).
func (c *Catalog) BundleForm(b Bundle) ([]FieldSpec, error) {
	items, err := c.BundleItems(b)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []FieldSpec
	for _, it := range items {
		for _, f := range it.Form {
			if !seen[f.Key] {
				seen[f.Key] = true
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// ErrCatalog marks a catalogue that breaks the rules of its elements.
var ErrCatalog = errors.New("invalid catalogue")

// Validate checks the standard elements: codes present and unique, known
// types, promised limit within the legal one, a reason for on-site visits,
// materials and form fields well formed, bundles pointing at real items.
func (c *Catalog) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrCatalog}, a...)...))
	}
	codes := map[string]bool{}
	cats := map[string]bool{}
	for _, cat := range c.Categories {
		cats[cat.ID] = true
	}
	for i, it := range c.Items {
		where := fmt.Sprintf("item %d (%s)", i, it.Code)
		if it.MinAge < 0 || it.MaxAge < 0 || (it.MaxAge > 0 && it.MaxAge < it.MinAge) {
			bad("%s: age bounds %d..%d", where, it.MinAge, it.MaxAge)
		}
		switch {
		case it.Code == "":
			bad("%s: empty code", where)
		case codes[it.Code]:
			bad("%s: duplicate code", where)
		}
		codes[it.Code] = true
		if it.Name == "" {
			bad("%s: empty name", where)
		}
		if len(it.BasicCode) != 12 {
			bad("%s: basic code must have 12 characters", where)
		}
		if len(it.HandlingCode) > 50 {
			bad("%s: handling code longer than 50", where)
		}
		if !itemTypes[it.Type] {
			bad("%s: unknown type %q", where, it.Type)
		}
		if it.Agency == "" || it.LegalBasis == "" {
			bad("%s: agency and legal basis are required", where)
		}
		if it.PromisedLimitDays < 0 || it.LegalLimitDays < 0 ||
			(it.LegalLimitDays > 0 && it.PromisedLimitDays > it.LegalLimitDays) {
			bad("%s: promised limit %d exceeds legal limit %d", where, it.PromisedLimitDays, it.LegalLimitDays)
		}
		if it.Visits < 0 || (it.Visits > 0 && it.VisitsReason == "") {
			bad("%s: on-site visits other than 0 need a reason", where)
		}
		if len(cats) > 0 && !cats[it.Category] {
			bad("%s: unknown category %q", where, it.Category)
		}
		mids := map[string]bool{}
		for _, m := range it.Materials {
			if m.ID == "" || m.Name == "" || mids[m.ID] {
				bad("%s: material %q needs a unique id and a name", where, m.ID)
			}
			mids[m.ID] = true
			if m.Committable && m.Commitment == "" {
				bad("%s: material %s allows 告知承诺 but has no commitment text", where, m.ID)
			}
			if m.Deferrable && m.DeferDays <= 0 {
				bad("%s: material %s allows 容缺 but has no deadline", where, m.ID)
			}
		}
		keys := map[string]bool{}
		for _, f := range it.Form {
			if f.Key == "" || f.Label == "" || keys[f.Key] {
				bad("%s: form field %q needs a unique key and a label", where, f.Key)
			}
			keys[f.Key] = true
			if f.Kind == FieldChoice && len(f.Choices) == 0 {
				bad("%s: choice field %s has no choices", where, f.Key)
			}
		}
	}
	for _, b := range c.Bundles {
		if b.Code == "" || b.Name == "" || len(b.Items) < 2 {
			bad("bundle %q: needs a code, a name and at least two items", b.Code)
		}
		for _, code := range b.Items {
			if !codes[code] {
				bad("bundle %s: unknown item %s", b.Code, code)
			}
		}
	}
	return errors.Join(errs...)
}
