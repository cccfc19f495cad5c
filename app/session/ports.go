package session

import (
	"context"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// The session needs these of the rest of the terminal. They are owned here,
// small on purpose; cmd/kiosk adapts the store, the printer service, the
// scanner and the voice to them. Every method may block on I/O: the session
// never calls one on the UI goroutine.

// Store keeps applications and ratings durably.
type Store interface {
	// NextAcceptanceSeq returns the next local sequence number of day.
	NextAcceptanceSeq(ctx context.Context, day time.Time) (int, error)
	// Enqueue commits a queued application and its attachment bytes
	// (keyed by attachment ID) durably before it returns.
	Enqueue(ctx context.Context, app *kiosk.Application, files map[string][]byte) error
	// SaveRating keeps a rating for the relay to send.
	SaveRating(ctx context.Context, r kiosk.Rating) error
	// Progress finds the applications of an ID number or an acceptance
	// number (one of the two is set), newest first.
	Progress(ctx context.Context, idNumber, acceptanceNo string) ([]ProgressLine, error)
}

// ProgressLine is one application as the progress screen shows it: no
// personal data.
type ProgressLine struct {
	AcceptanceNo string
	ItemName     string
	State        kiosk.State
	Created      time.Time
	Synced       bool
}

// Printer prints a slip. A printer that cannot print returns an error; the
// receipt stays available for reprint.
type Printer interface {
	Print(ctx context.Context, r kiosk.Receipt) error
}

// Scanner captures one material: its pages as one PDF, and a thumbnail PNG
// per page for the screen.
type Scanner interface {
	ScanMaterial(ctx context.Context) (pdf []byte, thumbs [][]byte, err error)
}

// Speaker speaks a prompt; a new prompt interrupts the previous one.
type Speaker interface {
	Say(ctx context.Context, text string) error
}

// CardPace is told, after every change, whether a card is expected now (a
// screen asks for one: progress query, agent's manual identity, the end
// screen, a card taken off mid-session) and when the resident last did
// something. The ID card reader polls fast then and slowly on an idle
// attract screen (idcard.Service.CardPace).
type CardPace interface {
	CardPace(expect bool, lastActivity time.Time)
}

// cardExpected reports whether snap's screen waits for a card.
func cardExpected(snap Snapshot) bool {
	switch snap.Screen {
	case ScreenProgress, ScreenManualID, ScreenEnd:
		return true
	}
	return snap.CardOut
}

// Clock gives the time; tests inject a fake.
type Clock interface{ Now() time.Time }

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// DeviceError is how adapters report a device failure to the session: the
// summarised state (paper out, cover open, disconnected…) and the cause. The
// UI shows the state in plain Chinese; the cause goes to the technician's log.
type DeviceError struct {
	Device string
	State  kiosk.DeviceState
	Err    error
}

func (e *DeviceError) Error() string { return e.Device + " " + string(e.State) + ": " + e.Err.Error() }
func (e *DeviceError) Unwrap() error { return e.Err }

// EIDVerifier checks an electronic-ID QR code (电子身份证 / CTID 网证) with
// the issuing service and returns the identity it proves. No verifier ships:
// the national service needs a provincial agreement; a terminal without one
// tells the resident to use the card.
type EIDVerifier interface {
	Verify(ctx context.Context, payload string) (*kiosk.Identity, error)
}

// EIDPrefix marks an electronic-ID QR payload (placeholder scheme).
const EIDPrefix = "CTID:"

// FormPrinter prints an application's form on A4 paper (through CUPS), for
// residents who want a paper copy or a window that needs one.
type FormPrinter interface {
	PrintForm(ctx context.Context, app *kiosk.Application, item *kiosk.ServiceItem) error
}

// Helpdesk raises a resident's request for help to the people who can come:
// the hall's staff, or the platform's service desk through the relay.
type Helpdesk interface {
	// CallStaff raises the request and returns once someone acknowledged
	// it (the request is shown as answered only then), or an error when it
	// could not get through before ctx ended. Implementations should be
	// idempotent for the same request.
	CallStaff(ctx context.Context, r HelpRequest) (HelpAck, error)
}

// HelpRequest says where help is needed: no personal data.
type HelpRequest struct {
	Station  kiosk.Station
	Screen   Screen // where the resident was stuck
	ItemCode string // the item being handled, if any
	At       time.Time
}

// HelpAck is the acknowledgement of a help request.
type HelpAck struct {
	By string // who will come (a desk or staff role, shown to the resident)
}

// QueueDesk is the hall's queueing system: it issues tickets with the real
// window and the number of people waiting.
type QueueDesk interface {
	Ticket(ctx context.Context, itemName string) (QueueTicket, error)
}

// QueueTicket is a ticket as issued. Window "" and WaitingKnown false mean
// unknown: the ticket then says to watch the hall's calling screen.
type QueueTicket struct {
	Number       string
	Window       string
	Waiting      int
	WaitingKnown bool
}

// TicketCounter numbers local queue tickets (A001, A002…) durably: the
// count of a day goes on after a restart instead of starting at A001 again.
type TicketCounter interface {
	// NextTicket returns the next number of day (China time), from 1.
	NextTicket(ctx context.Context, day time.Time) (int, error)
}
