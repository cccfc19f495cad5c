package session

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// fakeDesk acknowledges a help request only when told to.
type fakeDesk struct {
	mu   sync.Mutex
	reqs []HelpRequest
	ack  chan HelpAck
	err  error
}

func (d *fakeDesk) CallStaff(ctx context.Context, r HelpRequest) (HelpAck, error) {
	d.mu.Lock()
	d.reqs = append(d.reqs, r)
	err := d.err
	d.mu.Unlock()
	if err != nil {
		return HelpAck{}, err
	}
	select {
	case a := <-d.ack:
		return a, nil
	case <-ctx.Done():
		return HelpAck{}, ctx.Err()
	}
}

func (d *fakeDesk) requests() int { d.mu.Lock(); defer d.mu.Unlock(); return len(d.reqs) }

// "已通知工作人员" only once someone acknowledged the request raised
// through the port.
func TestHelpIsShownAsCalledOnlyOnceAcknowledged(t *testing.T) {
	s, _, _, _ := newSession(t)
	desk := &fakeDesk{ack: make(chan HelpAck)}
	s.deps.Help = desk
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.OpenHelp()
	waitFor(t, "request raised", func() bool { return desk.requests() == 1 })
	if st := s.Snapshot().Help.Status; st != HelpCalling {
		t.Fatalf("before the acknowledgement: %q", st)
	}
	desk.mu.Lock()
	r := desk.reqs[0]
	desk.mu.Unlock()
	if r.Station.Code != "330106001" || r.Screen != ScreenGuide || r.ItemCode != "A" {
		t.Fatalf("request %+v", r)
	}
	desk.ack <- HelpAck{By: "大厅值班"}
	waitFor(t, "acknowledged", func() bool { return s.Snapshot().Help.Status == HelpAcked })
	if by := s.Snapshot().Help.By; by != "大厅值班" {
		t.Fatalf("by %q", by)
	}
	s.Back()
	s.OpenHelp() // again: no second request for the same visit
	if desk.requests() != 1 || s.Snapshot().Help.Status != HelpAcked {
		t.Fatalf("second open: %d requests, %q", desk.requests(), s.Snapshot().Help.Status)
	}
}

func TestHelpWithoutADeskSaysSo(t *testing.T) {
	s, _, _, _ := newSession(t)
	s.OpenHelp()
	if st := s.Snapshot().Help.Status; st != HelpUnavailable {
		t.Fatalf("no helpdesk: %q", st)
	}
	s2, _, _, _ := newSession(t)
	s2.deps.Help = &fakeDesk{err: errors.New("relay offline")}
	s2.OpenHelp()
	waitFor(t, "failed", func() bool { return s2.Snapshot().Help.Status == HelpFailed })
}

// fakeCounter is a durable counter as the store keeps it: it survives a new
// session (a restart of the kiosk).
type fakeCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *fakeCounter) NextTicket(ctx context.Context, day time.Time) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	k := day.Format("2006-01-02")
	c.n[k]++
	return c.n[k], nil
}

// Local tickets go on counting after a restart and never invent a window
// or a waiting count.
func TestQueueTicketsCountOnAndClaimNothing(t *testing.T) {
	ctr := &fakeCounter{}
	var got []kiosk.Receipt
	for restart := 0; restart < 2; restart++ {
		s, _, pr, _ := newSession(t)
		s.deps.Tickets = ctr
		s.OpenHelp()
		s.PrintQueueTicket()
		waitFor(t, "ticket printed", func() bool { sn := s.Snapshot(); return sn.Help.Ticket != nil && !sn.Busy })
		pr.mu.Lock()
		got = append(got, pr.receipts...)
		pr.mu.Unlock()
	}
	if len(got) != 2 || got[0].TicketNo != "A001" || got[1].TicketNo != "A002" {
		t.Fatalf("tickets %+v", got)
	}
	for _, r := range got {
		if r.Window != "" || r.WaitingKnown || r.Kind != kiosk.ReceiptQueue {
			t.Fatalf("a local ticket claims a window or a waiting count: %+v", r)
		}
	}
}

type fakeQueue struct{}

func (fakeQueue) Ticket(ctx context.Context, item string) (QueueTicket, error) {
	return QueueTicket{Number: "B017", Window: "5号", Waiting: 7, WaitingKnown: true}, nil
}

func TestQueueTicketFromTheHallQueue(t *testing.T) {
	s, _, pr, _ := newSession(t)
	s.deps.Queue = fakeQueue{}
	s.OpenHelp()
	s.PrintQueueTicket()
	waitFor(t, "ticket printed", func() bool { sn := s.Snapshot(); return sn.Help.Ticket != nil && !sn.Busy })
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if r := pr.receipts[0]; r.TicketNo != "B017" || r.Window != "5号" || r.Waiting != 7 || !r.WaitingKnown {
		t.Fatalf("ticket %+v", r)
	}
}

func TestNoQueueTicketsSaysSo(t *testing.T) {
	s, _, pr, _ := newSession(t)
	s.OpenHelp()
	s.PrintQueueTicket()
	waitFor(t, "refused", func() bool { return errors.Is(s.Snapshot().Help.TicketErr, ErrNoQueue) })
	if len(pr.receipts) != 0 {
		t.Fatal("printed a ticket without a counter")
	}
}

// An applicant born in 1990 cannot start the form of an 80+ allowance.
func TestTooYoungForAnAgeBoundItem(t *testing.T) {
	st, pr := &fakeStore{}, &fakePrinter{}
	cat := catalog()
	cat.Items[0].MinAge = 80
	clk := &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	s := New(Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01"}}, Deps{Catalog: cat, Store: st, Printer: pr, Clock: clk})
	young := card()
	young.Birth = kiosk.Date{Year: 1990, Month: 3, Day: 7}
	s.CardRead(young)
	_ = s.ChooseItem("A")
	s.StartForm()
	if sn := s.Snapshot(); sn.Screen != ScreenGuide || sn.Notice != "notice.not_eligible" {
		t.Fatalf("born 1990: screen %s notice %q", sn.Screen, sn.Notice)
	}
	s.End()
	old := card()
	old.Birth = kiosk.Date{Year: 1940, Month: 5, Day: 6}
	s.CardRead(old)
	_ = s.ChooseItem("A")
	s.StartForm()
	if sn := s.Snapshot(); sn.Screen != ScreenForm {
		t.Fatalf("born 1940: screen %s notice %q", sn.Screen, sn.Notice)
	}
}
