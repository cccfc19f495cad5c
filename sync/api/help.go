package api

import "time"

// Help calls (docs/platform-api.md, "Help calls"). A resident at a terminal
// taps 呼叫工作人员: the terminal raises a call with the platform's service
// desk, which routes it to the hall's staff; the desk acknowledges it when
// someone takes it. The terminal tells the resident that someone is coming
// only once the call is acknowledged, and to go to a window when it cannot
// be raised. No personal data: where the resident is stuck, not who.
const (
	PathHelp = "/v1/help" // POST HelpCall → HelpCallState (idempotent by ID); GET /v1/help/{id} → HelpCallState
	// PathInspectHelp lists the calls the emulator holds (GET) and
	// acknowledges one (POST …/{id}/ack with HelpAck): emulator only.
	PathInspectHelp = "/v1/_inspect/help"
)

// States of a help call.
const (
	HelpRaised = "raised" // held by the desk, nobody has taken it yet
	HelpAcked  = "acked"  // someone took it and is coming
)

// HelpCall is the body of POST /v1/help.
type HelpCall struct {
	ID       string    `json:"id"`       // chosen by the terminal; the same call raised again is the same call
	Terminal string    `json:"terminal"` // station code + "-" + terminal number
	Station  string    `json:"station"`  // station code
	Screen   string    `json:"screen"`   // the screen the resident was on
	ItemCode string    `json:"item_code,omitempty"`
	At       time.Time `json:"at"`
}

// HelpCallState is the data of POST /v1/help and GET /v1/help/{id}.
type HelpCallState struct {
	ID      string     `json:"id"`
	State   string     `json:"state"`        // HelpRaised or HelpAcked
	By      string     `json:"by,omitempty"` // who took it (a desk or staff role, shown to the resident)
	AckedAt *time.Time `json:"acked_at,omitempty"`
}

// HelpAck is the body of POST /v1/_inspect/help/{id}/ack.
type HelpAck struct {
	By string `json:"by"`
}

// HelpRecord is one call as the emulator holds it (GET /v1/_inspect/help).
type HelpRecord struct {
	HelpCall
	Peer     string     `json:"peer"` // the terminal identity of the connection ("dev" over plain HTTP)
	State    string     `json:"state"`
	By       string     `json:"by,omitempty"`
	Posts    int        `json:"posts"` // POSTs seen for this ID
	RaisedAt time.Time  `json:"raised_at"`
	AckedAt  *time.Time `json:"acked_at,omitempty"`
}
