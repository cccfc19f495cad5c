package kiosk

import (
	"strings"
	"time"
)

// ReceiptKind says which slip is printed.
type ReceiptKind string

// Receipt kinds.
const (
	ReceiptAcceptance ReceiptKind = "acceptance" // 受理回执
	ReceiptQueue      ReceiptKind = "queue"      // 排队号
	ReceiptProgress   ReceiptKind = "progress"   // 办件进度
)

// DeferredMaterial is a material to be supplied later (容缺), with its deadline.
type DeferredMaterial struct {
	Name string `json:"name"`
	Due  Date   `json:"due"`
}

// Receipt is everything printed on a slip, already masked: it never carries a
// full name or ID number. Printers render it; the printer packages own layout.
type Receipt struct {
	Kind          ReceiptKind        `json:"kind"`
	StationName   string             `json:"station_name"`
	StationCode   string             `json:"station_code"`
	Terminal      string             `json:"terminal"`
	AcceptanceNo  string             `json:"acceptance_no,omitempty"`
	ItemName      string             `json:"item_name,omitempty"`
	ItemCode      string             `json:"item_code,omitempty"`
	ApplicantName string             `json:"applicant_name,omitempty"` // masked
	ApplicantID   string             `json:"applicant_id,omitempty"`   // masked
	Time          time.Time          `json:"time"`
	Received      []string           `json:"received,omitempty"`  // materials received
	Committed     []string           `json:"committed,omitempty"` // covered by 告知承诺
	Deferred      []DeferredMaterial `json:"deferred,omitempty"`  // 容缺, to supply later
	Exempted      []string           `json:"exempted,omitempty"`  // by e-licence
	PromisedDays  int                `json:"promised_days,omitempty"`
	QueryHint     string             `json:"query_hint,omitempty"` // how to query progress
	QRPayload     string             `json:"qr_payload,omitempty"`
	TicketNo      string             `json:"ticket_no,omitempty"` // queue ticket
	Window        string             `json:"window,omitempty"`
	Waiting       int                `json:"waiting,omitempty"`
	WaitingKnown  bool               `json:"waiting_known,omitempty"` // Waiting is the hall's real figure
	Status        string             `json:"status,omitempty"`        // progress slip
	Phone         string             `json:"phone,omitempty"`
	Agent         string             `json:"agent,omitempty"` // 帮办代办: staff number and name
}

// AcceptanceReceipt builds the 受理回执 of a queued application.
func AcceptanceReceipt(a *Application, it *ServiceItem, queryBase string) Receipt {
	r := Receipt{
		Kind:          ReceiptAcceptance,
		StationName:   a.Station.Name,
		StationCode:   a.Station.Code,
		Terminal:      a.Station.Terminal,
		AcceptanceNo:  a.AcceptanceNo,
		ItemName:      a.ItemName,
		ItemCode:      a.ItemCode,
		ApplicantName: MaskName(ReplacePUA(a.Applicant.Name, "□")),
		ApplicantID:   MaskID(a.Applicant.IDNumber),
		Time:          a.CreatedAt,
		PromisedDays:  it.PromisedLimitDays,
		QueryHint:     "扫描二维码或在本机“进度查询”中放置身份证查询办理进度",
		QRPayload:     TrackURL(queryBase, ReceiptQuery{AcceptanceNo: a.AcceptanceNo, InstanceID: a.InstanceID, Secret: a.TrackSecret}),
		Phone:         a.Station.Phone,
		Agent:         strings.TrimSpace(a.Agent + " " + a.AgentName),
	}
	for _, m := range a.Materials {
		switch m.Mode {
		case MaterialScanned, MaterialFromCard:
			r.Received = append(r.Received, m.Name)
		case MaterialCommitted:
			r.Committed = append(r.Committed, m.Name)
		case MaterialDeferred:
			r.Deferred = append(r.Deferred, DeferredMaterial{Name: m.Name, Due: m.DeferUntil})
		case MaterialELicence:
			r.Exempted = append(r.Exempted, m.Name)
		}
	}
	return r
}
