package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// chinaTime is the zone of the terminal's day (China has one, UTC+8).
var chinaTime = time.FixedZone("CST", 8*3600)

// HelpStatus is where a help request stands.
type HelpStatus string

// Help statuses. Only HelpAcked may tell the resident that someone is coming.
const (
	HelpNone        HelpStatus = ""            // not asked
	HelpUnavailable HelpStatus = "unavailable" // nobody can be called from here: go to a window
	HelpCalling     HelpStatus = "calling"     // raised, not yet acknowledged
	HelpAcked       HelpStatus = "acked"       // someone acknowledged: they are coming
	HelpFailed      HelpStatus = "failed"      // the request did not get through
)

// HelpState is the help request of this visit, and the queue ticket taken.
type HelpState struct {
	Status HelpStatus
	By     string // who acknowledged (a desk or staff name, no resident data)
	Err    error  // why it failed
	// Ticket is the last queue ticket printed or being printed; nil before.
	Ticket *kiosk.Receipt
	// TicketErr: no ticket could be taken (no counter, or it failed).
	TicketErr error
}

// ErrNoQueue is the TicketErr of a terminal that issues no queue tickets.
var ErrNoQueue = errors.New("no queue tickets from this terminal")

// OpenHelp opens "call staff / 办不成事" and raises a help request through
// the Helpdesk port. The screen may say that staff are coming only once the
// request is acknowledged; without a Helpdesk it says plainly to go to a
// window.
func (s *Session) OpenHelp() {
	var seq int
	var req HelpRequest
	s.update(func() {
		s.goLocked(ScreenHelp)
		if s.s.Help.Status == HelpCalling || s.s.Help.Status == HelpAcked {
			return // one request per visit is enough
		}
		if s.deps.Help == nil {
			s.s.Help.Status = HelpUnavailable
			return
		}
		s.helpSeq++
		seq = s.helpSeq
		s.s.Help.Status, s.s.Help.Err, s.s.Help.By = HelpCalling, nil, ""
		req = HelpRequest{Station: s.cfg.Station, At: s.deps.Clock.Now()}
		if n := len(s.history); n > 0 {
			req.Screen = s.history[n-1]
		}
		if len(s.s.Fields) > 0 || s.s.Item != nil {
			if its := s.itemsLocked(); len(its) > 0 {
				req.ItemCode = its[0].Code
			}
		}
	})
	if seq == 0 {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		ack, err := s.deps.Help.CallStaff(ctx, req)
		s.update(func() {
			if s.helpSeq != seq {
				return // the visit ended meanwhile
			}
			if err != nil {
				s.log.Warn("help request failed", "err", err)
				s.s.Help.Status, s.s.Help.Err = HelpFailed, err
				return
			}
			s.s.Help.Status, s.s.Help.By = HelpAcked, ack.By
		})
		if err == nil {
			s.speak("prompt.help_acked")
		}
	}()
}

// PrintQueueTicket takes a ticket for a hall window and prints it. With a
// QueueDesk the ticket carries the hall's real window and waiting count;
// otherwise it is numbered by the durable TicketCounter and says that the
// window and the waiting count are shown on the hall's calling screen.
func (s *Session) PrintQueueTicket() {
	s.mu.Lock()
	if s.ticketing {
		s.mu.Unlock()
		return
	}
	s.ticketing = true
	item := ""
	if its := s.itemsLocked(); len(its) > 0 {
		item = its[0].Name
	}
	s.mu.Unlock()
	s.update(func() { s.s.Busy = true; s.s.Help.TicketErr = nil; s.touchLocked() })
	go func() {
		defer func() { s.mu.Lock(); s.ticketing = false; s.mu.Unlock() }()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		now := s.deps.Clock.Now()
		t, err := s.takeTicket(ctx, now, item)
		if err != nil {
			s.log.Warn("queue ticket", "err", err)
			s.update(func() { s.s.Busy = false; s.s.Help.TicketErr = err })
			return
		}
		r := kiosk.Receipt{Kind: kiosk.ReceiptQueue, StationName: s.cfg.Station.Name, StationCode: s.cfg.Station.Code,
			Terminal: s.cfg.Station.Terminal, Time: now, TicketNo: t.Number, ItemName: item,
			Window: t.Window, Waiting: t.Waiting, WaitingKnown: t.WaitingKnown}
		s.update(func() { s.s.Receipt = &r; s.s.Help.Ticket = &r; s.s.PrintErr = nil })
		err = s.deps.Printer.Print(ctx, r)
		s.update(func() { s.s.Busy = false; s.s.PrintErr = err })
	}()
}

func (s *Session) takeTicket(ctx context.Context, now time.Time, item string) (QueueTicket, error) {
	if s.deps.Queue != nil {
		t, err := s.deps.Queue.Ticket(ctx, item)
		if err != nil {
			return QueueTicket{}, fmt.Errorf("queue ticket: %w", err)
		}
		return t, nil
	}
	if s.deps.Tickets == nil {
		return QueueTicket{}, ErrNoQueue
	}
	n, err := s.deps.Tickets.NextTicket(ctx, now.In(chinaTime))
	if err != nil {
		return QueueTicket{}, fmt.Errorf("queue ticket: %w", err)
	}
	return QueueTicket{Number: fmt.Sprintf("A%03d", n)}, nil
}
