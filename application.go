package kiosk

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// State is where an application stands in its life.
//
//	draft → queued → uploading → submitted → accepted | rejected | needs_supplement → completed
//	                                          any final state → purged
type State string

// Application states.
const (
	StateDraft           State = "draft"            // on screen only
	StateQueued          State = "queued"           // committed durably; receipt printed from here
	StateUploading       State = "uploading"        // the relay started sending it
	StateSubmitted       State = "submitted"        // platform confirmed form and every attachment
	StateAccepted        State = "accepted"         // 已受理
	StateRejected        State = "rejected"         // 不予受理
	StateNeedsSupplement State = "needs_supplement" // 需补正
	StateCompleted       State = "completed"        // 办结
	StatePurged          State = "purged"           // personal data removed, audit kept
)

var transitions = map[State][]State{
	StateDraft:           {StateQueued},
	StateQueued:          {StateUploading},
	StateUploading:       {StateQueued, StateSubmitted},
	StateSubmitted:       {StateAccepted, StateRejected, StateNeedsSupplement, StateCompleted},
	StateAccepted:        {StateCompleted, StateNeedsSupplement, StateRejected, StatePurged},
	StateNeedsSupplement: {StateAccepted, StateRejected, StateCompleted, StatePurged},
	StateRejected:        {StatePurged},
	StateCompleted:       {StatePurged},
}

// ErrTransition is returned for a state change the life cycle does not allow.
var ErrTransition = errors.New("state change not allowed")

// CanBecome reports whether an application in state s may move to next.
func (s State) CanBecome(next State) bool {
	for _, n := range transitions[s] {
		if n == next {
			return true
		}
	}
	return false
}

// Synced reports whether the platform has the application.
func (s State) Synced() bool {
	switch s {
	case StateSubmitted, StateAccepted, StateRejected, StateNeedsSupplement, StateCompleted, StatePurged:
		return true
	}
	return false
}

// Label is the resident-facing Chinese name of the state.
func (s State) Label() string {
	switch s {
	case StateDraft:
		return "填写中"
	case StateQueued:
		return "已提交，等待上传"
	case StateUploading:
		return "正在上传"
	case StateSubmitted:
		return "已送达，等待受理"
	case StateAccepted:
		return "已受理"
	case StateRejected:
		return "不予受理"
	case StateNeedsSupplement:
		return "需补正材料"
	case StateCompleted:
		return "已办结"
	case StatePurged:
		return "已归档"
	}
	return string(s)
}

// MaterialMode is how a required material was satisfied.
type MaterialMode string

// Material modes.
const (
	MaterialScanned   MaterialMode = "scanned"   // pages scanned or photographed at the terminal
	MaterialCommitted MaterialMode = "committed" // 告知承诺: signed commitment replaces it
	MaterialDeferred  MaterialMode = "deferred"  // 容缺: to be supplied by DeferUntil
	MaterialELicence  MaterialMode = "elicence"  // 免证办: exempt by an e-licence
	MaterialFromCard  MaterialMode = "from_card" // satisfied by the ID card read
)

// Attachment is a file that travels with an application: a scanned material
// as PDF, a signature image. SHA256 is of the plaintext bytes, lowercase hex.
type Attachment struct {
	ID         string `json:"id"`
	MaterialID string `json:"material_id,omitempty"`
	Name       string `json:"name"`
	MediaType  string `json:"media_type"`
	SHA256     string `json:"sha256"`
	Size       int64  `json:"size"`
}

// MaterialSubmission records how one material of the item was handled.
type MaterialSubmission struct {
	SpecID        string       `json:"spec_id"`
	Name          string       `json:"name"`
	Mode          MaterialMode `json:"mode"`
	DeferUntil    Date         `json:"defer_until,omitempty"`
	AttachmentIDs []string     `json:"attachment_ids,omitempty"`
}

// Application is one resident's request for one service item (or one bundle).
// The InstanceID, made when it is queued, is the platform's idempotency key for
// ever. Everything but the codes, numbers and states is personal data.
type Application struct {
	InstanceID   string               `json:"instance_id"`
	AcceptanceNo string               `json:"acceptance_no"`
	ItemCode     string               `json:"item_code"`
	ItemName     string               `json:"item_name"`
	BundleCode   string               `json:"bundle_code,omitempty"`
	Station      Station              `json:"station"`
	Applicant    Identity             `json:"applicant"`
	Agent        string               `json:"agent,omitempty"`      // 帮办代办 staff number, authenticated by PIN
	AgentName    string               `json:"agent_name,omitempty"` // the agent's name as configured
	Form         map[string]string    `json:"form"`
	Materials    []MaterialSubmission `json:"materials"`
	Attachments  []Attachment         `json:"attachments"`
	CreatedAt    time.Time            `json:"created_at"`
	State        State                `json:"state"`
	Test         bool                 `json:"test,omitempty"` // synthetic data (kioskctl queue demo)
	// TrackSecret is a random secret printed only in the receipt's QR
	// code: a progress query by QR must carry it, so that acceptance
	// numbers (which follow a sequence) cannot be enumerated.
	TrackSecret string `json:"track_secret,omitempty"`
}

// ErrIncomplete is returned by Check when an application cannot be queued.
var ErrIncomplete = errors.New("application incomplete")

// Check verifies that an application may be queued against its item: every
// required field is filled and valid, every required material satisfied in a
// mode the item allows, and every referenced attachment present.
func (a *Application) Check(it *ServiceItem) error {
	var errs []error
	if a.InstanceID == "" || a.AcceptanceNo == "" {
		errs = append(errs, fmt.Errorf("%w: instance id and acceptance number are required", ErrIncomplete))
	}
	for _, f := range it.Form {
		if err := CheckField(f, a.Form[f.Key]); err != nil {
			errs = append(errs, fmt.Errorf("%w: field %s: %w", ErrIncomplete, f.Key, err))
		}
	}
	// Age on the day of application, in China (where the terminal stands).
	if err := it.CheckAge(a.Applicant.Birth, NewDate(a.CreatedAt.In(time.FixedZone("CST", 8*3600)))); err != nil {
		errs = append(errs, err)
	}
	atts := map[string]bool{}
	for _, at := range a.Attachments {
		atts[at.ID] = true
	}
	got := map[string]MaterialSubmission{}
	for _, m := range a.Materials {
		got[m.SpecID] = m
		for _, id := range m.AttachmentIDs {
			if !atts[id] {
				errs = append(errs, fmt.Errorf("%w: material %s refers to missing attachment %s", ErrIncomplete, m.SpecID, id))
			}
		}
	}
	for _, spec := range it.Materials {
		m, ok := got[spec.ID]
		if !ok {
			if spec.Required {
				errs = append(errs, fmt.Errorf("%w: material %s missing", ErrIncomplete, spec.ID))
			}
			continue
		}
		switch m.Mode {
		case MaterialScanned:
			if len(m.AttachmentIDs) == 0 {
				errs = append(errs, fmt.Errorf("%w: material %s has no pages", ErrIncomplete, spec.ID))
			}
		case MaterialCommitted:
			if !spec.Committable {
				errs = append(errs, fmt.Errorf("%w: material %s does not allow 告知承诺", ErrIncomplete, spec.ID))
			}
		case MaterialDeferred:
			if !spec.Deferrable || m.DeferUntil.IsZero() {
				errs = append(errs, fmt.Errorf("%w: material %s does not allow 容缺", ErrIncomplete, spec.ID))
			}
		case MaterialELicence:
			if spec.ELicence == "" {
				errs = append(errs, fmt.Errorf("%w: material %s has no e-licence", ErrIncomplete, spec.ID))
			}
		case MaterialFromCard:
			if !spec.FromCard {
				errs = append(errs, fmt.Errorf("%w: material %s is not on the card", ErrIncomplete, spec.ID))
			}
		default:
			errs = append(errs, fmt.Errorf("%w: material %s: unknown mode %q", ErrIncomplete, spec.ID, m.Mode))
		}
	}
	return errors.Join(errs...)
}

// ErrRequired is returned by CheckField for an empty required field.
var ErrRequired = errors.New("required")

// CheckField validates one form value against its field spec.
func CheckField(f FieldSpec, v string) error {
	v = strings.TrimSpace(v)
	if v == "" {
		if f.Required {
			return ErrRequired
		}
		return nil
	}
	if f.MaxLen > 0 && len([]rune(v)) > f.MaxLen {
		return fmt.Errorf("longer than %d characters", f.MaxLen)
	}
	switch f.Kind {
	case FieldIDNumber:
		return CheckIDNumber(v)
	case FieldMobile:
		return CheckMobile(v)
	case FieldCreditCode:
		return CheckCreditCode(v)
	case FieldDate:
		_, err := ParseDate(v)
		return err
	case FieldNumber, FieldBankCard:
		for _, r := range v {
			if r < '0' || r > '9' {
				return ErrNotNumber
			}
		}
	case FieldChoice:
		for _, c := range f.Choices {
			if c == v {
				return nil
			}
		}
		return ErrNotAChoice
	}
	return nil
}

// Errors of CheckField.
var (
	ErrNotNumber  = errors.New("digits only")
	ErrNotAChoice = errors.New("not one of the choices")
)

// Prefill fills the form fields that name an identity field from id, leaving
// fields the resident already typed alone.
func Prefill(form map[string]string, fields []FieldSpec, id *Identity) {
	for _, f := range fields {
		if form[f.Key] != "" {
			continue
		}
		var v string
		switch f.Prefill {
		case "name":
			v = id.Name
		case "id_number":
			v = id.IDNumber
		case "sex":
			v = id.Sex()
		case "birth":
			v = id.Birth.String()
		case "address":
			v = id.Address
		case "ethnicity":
			v = id.Ethnicity()
		}
		if v != "" {
			form[f.Key] = v
		}
	}
}

// ChinaTime is the zone acceptance numbers and their daily sequence are
// counted in: China Standard Time, UTC+8 all year (no daylight saving), fixed
// here so that a terminal whose system zone is UTC (or unset) numbers the
// same day as the counter beside it.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// AcceptanceDay is the day (YYYY-MM-DD, China time) whose sequence an
// acceptance number made at t belongs to.
func AcceptanceDay(t time.Time) string { return t.In(ChinaTime).Format("2006-01-02") }

// ErrStorageFull is returned (wrapped) by a store that cannot keep a new
// application for lack of space (it keeps its reserve for sync): the
// resident is told plainly to go to the counter.
var ErrStorageFull = errors.New("disk full")

// ErrAcceptanceNoTaken is returned (wrapped) by a store asked to keep an
// application under an acceptance number another application already has:
// the caller takes a new number.
var ErrAcceptanceNoTaken = errors.New("acceptance number already taken")

// AcceptanceNo builds the acceptance number printed on the receipt, made
// offline from the station code, the terminal number, the date in China time
// and a local sequence of that day: 330106001-T01-20261123-0042.
func AcceptanceNo(st Station, day time.Time, seq int) string {
	return fmt.Sprintf("%s-%s-%s-%04d", st.Code, st.Terminal, day.In(ChinaTime).Format("20060102"), seq)
}

// ParseAcceptanceNo splits an acceptance number made by AcceptanceNo into
// its station code, terminal, day (YYYY-MM-DD) and sequence.
func ParseAcceptanceNo(no string) (station, terminal, day string, seq int, ok bool) {
	parts := strings.Split(strings.TrimSpace(no), "-")
	if len(parts) < 4 {
		return "", "", "", 0, false
	}
	n := len(parts)
	d, err := time.Parse("20060102", parts[n-2])
	if err != nil {
		return "", "", "", 0, false
	}
	q, err := strconv.Atoi(parts[n-1])
	if err != nil || q < 1 || len(parts[n-1]) < 4 {
		return "", "", "", 0, false
	}
	return strings.Join(parts[:n-3], "-"), parts[n-3], d.Format("2006-01-02"), q, true
}

// ReceiptQR is the payload of a receipt's QR code: a tracking URL on the
// platform's query page (a phone opens it; the kiosk recognises it).
func ReceiptQR(queryBase, acceptanceNo, instanceID string) string {
	v := url.Values{}
	v.Set("no", acceptanceNo)
	v.Set("id", instanceID)
	return strings.TrimRight(queryBase, "?") + "?" + v.Encode()
}

// ReceiptQuery is what a receipt's QR code carries: the acceptance number,
// the instance ID and the application's TrackSecret (k).
type ReceiptQuery struct {
	AcceptanceNo, InstanceID, Secret string
}

// TrackURL is the payload of a receipt's QR code with its secret.
func TrackURL(queryBase string, q ReceiptQuery) string {
	v := url.Values{}
	v.Set("no", q.AcceptanceNo)
	v.Set("id", q.InstanceID)
	if q.Secret != "" {
		v.Set("k", q.Secret)
	}
	return strings.TrimRight(queryBase, "?") + "?" + v.Encode()
}

// ParseReceiptQuery recognises a payload made by TrackURL or ReceiptQR:
// any http(s) URL whose query carries both no and id (k may be missing:
// the lookup then refuses an application that has a secret).
func ParseReceiptQuery(payload string) (ReceiptQuery, bool) {
	u, err := url.Parse(strings.TrimSpace(payload))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return ReceiptQuery{}, false
	}
	q := u.Query()
	r := ReceiptQuery{AcceptanceNo: q.Get("no"), InstanceID: q.Get("id"), Secret: q.Get("k")}
	if r.AcceptanceNo == "" || r.InstanceID == "" {
		return ReceiptQuery{}, false
	}
	return r, true
}

// ParseReceiptQR recognises a payload made by ReceiptQR: any http(s) URL whose
// query carries both no and id.
func ParseReceiptQR(payload string) (acceptanceNo, instanceID string, ok bool) {
	q, ok := ParseReceiptQuery(payload)
	return q.AcceptanceNo, q.InstanceID, ok
}

// ErrNoneDue is returned by a queue when no application is due for upload
// now. It lives here so that the store that returns it and the relay that
// tests for it share one sentinel without importing each other.
var ErrNoneDue = errors.New("no application due")

// SampleValue returns a valid example value for a field: the screen tour,
// demos and tests fill forms with it.
func SampleValue(f FieldSpec) string {
	switch f.Kind {
	case FieldMobile:
		return "13800138000"
	case FieldChoice:
		if len(f.Choices) > 0 {
			return f.Choices[0]
		}
		return ""
	case FieldBankCard, FieldNumber:
		return "6217001234567890"
	case FieldDate:
		return "2026-11-23"
	case FieldCreditCode:
		return "91350100M000100Y43"
	case FieldIDNumber:
		return "440524188001010014"
	}
	return "双流村"
}
