package kiosk

import (
	"errors"
	"testing"
	"time"
)

func TestCheckIDNumber(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"11010519491231002X", nil},
		{"11010519491231002x", nil},
		{"440524188001010014", nil},
		{"110105194912310021", ErrIDChecksum},
		{"1101051949123100", ErrIDLength},
		{"11010519491331002X", ErrIDBirthDate},
		{"11010519A91231002X", ErrIDCharacters},
		{"11010519491231002Y", ErrIDCharacters},
		{"", ErrIDLength},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if err := CheckIDNumber(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("CheckIDNumber(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestIDNumberSexCode(t *testing.T) {
	if got := IDNumberSexCode("11010519491231002X"); got != "2" {
		t.Errorf("sex = %q, want 2", got)
	}
	if got := IDNumberSexCode("440524188001010014"); got != "1" {
		t.Errorf("sex = %q, want 1", got)
	}
}

func TestCheckCreditCode(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"91350100M000100Y43", nil},
		{"91110000600037341L", nil},
		{"91350100M000100Y44", ErrCreditChecksum},
		{"91350100M000100Y4", ErrCreditLength},
		{"91350100I000100Y43", ErrCreditCharacters},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if err := CheckCreditCode(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("CheckCreditCode(%q) = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func TestCheckMobile(t *testing.T) {
	for in, ok := range map[string]bool{"13800138000": true, "19912345678": true, "12800138000": false, "1380013800": false, "138001380001": false, "1380013800a": false} {
		if got := CheckMobile(in) == nil; got != ok {
			t.Errorf("CheckMobile(%q) ok = %v, want %v", in, got, ok)
		}
	}
}

func TestMasking(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
	}{
		{MaskName, "张三", "张*"},
		{MaskName, "李小龙", "李*龙"},
		{MaskName, "欧阳娜娜", "欧**娜"},
		{MaskName, "王", "*"},
		{MaskName, "JOHN SMITH", "J*** S****"},
		{MaskName, "", ""},
		{MaskID, "11010519491231002X", "110***********002X"},
		{MaskID, "ABC", "***"},
		{MaskMobile, "13800138000", "138****8000"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPUA(t *testing.T) {
	name := "王\ue8a1明\ue8a1"
	if got := FindPUA(name); len(got) != 1 || got[0] != 0xe8a1 {
		t.Errorf("FindPUA = %U", got)
	}
	id := Identity{Name: name}
	if got := id.DisplayName(); got != "王□明□" {
		t.Errorf("DisplayName = %q", got)
	}
}

func TestDate(t *testing.T) {
	d, err := ParseDate("19491231")
	if err != nil || d.String() != "1949-12-31" {
		t.Fatalf("ParseDate = %v, %v", d, err)
	}
	if _, err := ParseDate("20230229"); !errors.Is(err, ErrBadDate) {
		t.Errorf("Feb 29 2023 accepted: %v", err)
	}
	if got := d.AddDays(1).String(); got != "1950-01-01" {
		t.Errorf("AddDays = %s", got)
	}
	var z Date
	if b, _ := z.MarshalText(); len(b) != 0 {
		t.Errorf("zero date marshals to %q", b)
	}
}

func TestStateTransitions(t *testing.T) {
	ok := [][2]State{{StateDraft, StateQueued}, {StateQueued, StateUploading}, {StateUploading, StateSubmitted},
		{StateUploading, StateQueued}, {StateSubmitted, StateAccepted}, {StateAccepted, StatePurged}}
	bad := [][2]State{{StateDraft, StateSubmitted}, {StateQueued, StateSubmitted}, {StatePurged, StateQueued}, {StateRejected, StateAccepted}}
	for _, p := range ok {
		if !p[0].CanBecome(p[1]) {
			t.Errorf("%s → %s refused", p[0], p[1])
		}
	}
	for _, p := range bad {
		if p[0].CanBecome(p[1]) {
			t.Errorf("%s → %s allowed", p[0], p[1])
		}
	}
}

func testItem() *ServiceItem {
	return &ServiceItem{
		Code: "X1", BasicCode: "000000000001", Name: "测试事项", Type: TypeBenefit, Agency: "某局", LegalBasis: "某法",
		LegalLimitDays: 20, PromisedLimitDays: 5,
		Materials: []MaterialSpec{
			{ID: "id", Name: "身份证", Required: true, FromCard: true},
			{ID: "bank", Name: "银行卡", Required: true, Deferrable: true, DeferDays: 5},
			{ID: "proof", Name: "证明", Required: true, Committable: true, Commitment: "本人承诺"},
			{ID: "photo", Name: "照片", Required: false},
		},
		Form: []FieldSpec{
			{Key: "name", Label: "姓名", Kind: FieldText, Required: true, Prefill: "name"},
			{Key: "idno", Label: "身份证号", Kind: FieldIDNumber, Required: true, Prefill: "id_number"},
			{Key: "phone", Label: "手机", Kind: FieldMobile, Required: true},
			{Key: "kind", Label: "类别", Kind: FieldChoice, Choices: []string{"甲", "乙"}},
		},
	}
}

func TestApplicationCheck(t *testing.T) {
	it := testItem()
	id := Identity{Name: "张三", IDNumber: "11010519491231002X"}
	app := Application{InstanceID: "u", AcceptanceNo: "n", Form: map[string]string{"phone": "13800138000"}}
	Prefill(app.Form, it.Form, &id)
	if app.Form["name"] != "张三" || app.Form["idno"] != id.IDNumber {
		t.Fatalf("prefill: %v", app.Form)
	}
	app.Materials = []MaterialSubmission{
		{SpecID: "id", Mode: MaterialFromCard},
		{SpecID: "bank", Mode: MaterialDeferred, DeferUntil: Date{2026, 12, 1}},
		{SpecID: "proof", Mode: MaterialCommitted},
	}
	if err := app.Check(it); err != nil {
		t.Fatalf("valid application refused: %v", err)
	}
	bad := app
	bad.Form = map[string]string{"name": "张三", "idno": "110105194912310021", "phone": "123", "kind": "丙"}
	bad.Materials = []MaterialSubmission{{SpecID: "id", Mode: MaterialCommitted}, {SpecID: "proof", Mode: MaterialScanned, AttachmentIDs: []string{"missing"}}}
	err := bad.Check(it)
	for _, want := range []error{ErrIDChecksum, ErrMobile, ErrNotAChoice, ErrIncomplete} {
		if !errors.Is(err, want) {
			t.Errorf("Check error %v does not include %v", err, want)
		}
	}
}

func TestCatalogValidate(t *testing.T) {
	good := Catalog{Version: 1, Items: []ServiceItem{*testItem(), *testItem()}, Bundles: []Bundle{{Code: "B", Name: "一件事", Items: []string{"X1", "X2"}}}}
	good.Items[1].Code = "X2"
	if err := good.Validate(); err != nil {
		t.Fatalf("valid catalogue refused: %v", err)
	}
	form, err := good.BundleForm(good.Bundles[0])
	if err != nil || len(form) != 4 {
		t.Fatalf("bundle form: %d fields, %v", len(form), err)
	}
	tests := map[string]func(c *Catalog){
		"duplicate code":   func(c *Catalog) { c.Items[1].Code = "X1" },
		"promised > legal": func(c *Catalog) { c.Items[0].PromisedLimitDays = 30 },
		"visits no reason": func(c *Catalog) { c.Items[0].Visits = 1 },
		"bad type":         func(c *Catalog) { c.Items[0].Type = "随便" },
		"bundle unknown":   func(c *Catalog) { c.Bundles[0].Items = []string{"X1", "nope"} },
		"commit no text":   func(c *Catalog) { c.Items[0].Materials[2].Commitment = "" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			c := good
			c.Items = append([]ServiceItem(nil), good.Items...)
			c.Items[0] = *testItem()
			c.Bundles = append([]Bundle(nil), good.Bundles...)
			mutate(&c)
			if err := c.Validate(); !errors.Is(err, ErrCatalog) {
				t.Errorf("Validate = %v, want ErrCatalog", err)
			}
		})
	}
}

func TestReceiptQRAndAcceptance(t *testing.T) {
	st := Station{Code: "330106001", Terminal: "T01"}
	no := AcceptanceNo(st, time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC), 42)
	if no != "330106001-T01-20261123-0042" {
		t.Errorf("AcceptanceNo = %s", no)
	}
	p := ReceiptQR("https://zwfw.example.gov.cn/track", no, "5f0c")
	gotNo, gotID, ok := ParseReceiptQR(p)
	if !ok || gotNo != no || gotID != "5f0c" {
		t.Errorf("ParseReceiptQR(%q) = %q %q %v", p, gotNo, gotID, ok)
	}
	if _, _, ok := ParseReceiptQR("hello"); ok {
		t.Error("garbage recognised as receipt")
	}
	app := Application{InstanceID: "5f0c", AcceptanceNo: no, Station: st, Applicant: Identity{Name: "张三丰", IDNumber: "11010519491231002X"},
		Materials: []MaterialSubmission{{Name: "证明", Mode: MaterialCommitted}, {Name: "银行卡", Mode: MaterialDeferred, DeferUntil: Date{2026, 12, 1}}}}
	r := AcceptanceReceipt(&app, testItem(), "https://q")
	if r.ApplicantName != "张*丰" || r.ApplicantID != "110***********002X" || len(r.Committed) != 1 || len(r.Deferred) != 1 {
		t.Errorf("receipt = %+v", r)
	}
}

func TestRating(t *testing.T) {
	if !Dissatisfied.NeedsFollowUp() || Neutral.NeedsFollowUp() {
		t.Error("follow-up levels wrong")
	}
	if VerySatisfied.Label() != "非常满意" || len(RatingLevels) != 5 {
		t.Error("labels wrong")
	}
	r := Rating{InstanceID: "x", Level: 6}
	if !errors.Is(r.Check(), ErrRatingLevel) {
		t.Error("level 6 accepted")
	}
}

func TestSampleValuesAreValid(t *testing.T) {
	for _, k := range []FieldKind{FieldText, FieldIDNumber, FieldMobile, FieldCreditCode, FieldDate, FieldNumber, FieldBankCard} {
		f := FieldSpec{Key: "k", Label: "l", Kind: k, Required: true}
		if err := CheckField(f, SampleValue(f)); err != nil {
			t.Errorf("%s: sample %q: %v", k, SampleValue(f), err)
		}
	}
	c := FieldSpec{Kind: FieldChoice, Choices: []string{"甲"}, Required: true}
	if CheckField(c, SampleValue(c)) != nil {
		t.Error("choice sample invalid")
	}
}
