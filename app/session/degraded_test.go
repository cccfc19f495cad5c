package session

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// settle reports d and lets it hold past the settle time.
func settle(s *Session, clk *fakeClock, d Degraded) {
	s.SetDegraded(d)
	clk.Add(settleDefault + time.Second)
	s.SetDegraded(d)
}

// A degraded mode reaches the snapshot only once it has held for the settle
// time; one that flaps back and forth never does. Kills: SetDegraded taking
// every report at once (no debounce), or not restarting the settle time
// when the report changes.
func TestDegradedModesAreDebounced(t *testing.T) {
	s, _, _, clk := newSession(t)
	out := Degraded{PrinterOut: true}
	renders := 0
	s.OnChange(func(Snapshot) { renders++ })
	for i := 0; i < 10; i++ { // a printer that misses every other status reply
		s.SetDegraded(out)
		clk.Add(time.Second)
		s.SetDegraded(Degraded{})
		clk.Add(time.Second)
	}
	if d := s.Snapshot().Degraded; d.Any() || renders != 0 {
		t.Fatalf("a flapping printer was shown: %+v after %d renders", d, renders)
	}
	s.SetDegraded(out)
	clk.Add(2 * time.Second)
	s.SetDegraded(out)
	if s.Snapshot().Degraded.PrinterOut {
		t.Fatal("taken before the settle time")
	}
	clk.Add(2 * time.Second)
	s.SetDegraded(out)
	if !s.Snapshot().Degraded.PrinterOut || renders != 1 {
		t.Fatalf("not taken after holding %v (renders %d)", settleDefault+time.Second, renders)
	}
	s.SetDegraded(out) // the same again changes nothing on screen
	if renders != 1 {
		t.Fatalf("%d renders for one change", renders)
	}
}

// The degraded modes are the terminal's, not the visit's: the end of a
// visit (which wipes everything else) keeps them. Kills: reset dropping
// Snapshot.Degraded.
func TestDegradedModesSurviveTheEndOfAVisit(t *testing.T) {
	s, _, _, clk := newSession(t)
	settle(s, clk, Degraded{ReaderMissing: true, DiskLow: true})
	s.StartManual()
	if err := s.SubmitManual("A01", staffPIN, "张三", "11010519491231002X"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "home", func() bool { return s.Snapshot().Screen == ScreenHome })
	s.End()
	if d := s.Snapshot().Degraded; !d.ReaderMissing || !d.DiskLow {
		t.Fatalf("after the end: %+v", d)
	}
}

// With the disk low a new application is refused at the start, with the
// plain question that offers staff help, and nothing reaches the store.
// Kills: StartForm without the disk check.
func TestDiskLowRefusesNewApplications(t *testing.T) {
	s, st, _, clk := newSession(t)
	settle(s, clk, Degraded{DiskLow: true})
	desk := &fakeDesk{ack: make(chan HelpAck, 1)}
	s.deps.Help = desk
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.StartForm()
	sn := s.Snapshot()
	if sn.Screen != ScreenGuide || sn.Ask != "ask.disk_low" {
		t.Fatalf("disk low: screen %s ask %q", sn.Screen, sn.Ask)
	}
	s.AnswerAsk(true) // 呼叫工作人员
	if sn := s.Snapshot(); sn.Screen != ScreenHelp || sn.Ask != "" {
		t.Fatalf("after asking for staff: %s %q", sn.Screen, sn.Ask)
	}
	waitFor(t, "help raised", func() bool { return desk.requests() == 1 })
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.apps) != 0 {
		t.Fatalf("%d applications stored with the disk low", len(st.apps))
	}
}

// With the printer out the resident is told before the form that the
// receipt will be on screen and can be reprinted later, once per visit;
// the application is still taken, and its receipt is on the done screen.
// Kills: StartForm without the printer check; the told flag not kept for
// the visit (asked again at every start) or kept across visits.
func TestPrinterOutToldBeforeTheServiceStarts(t *testing.T) {
	s, st, pr, clk := newSession(t)
	pr.fail = &DeviceError{Device: "printer", State: kiosk.DevicePaperOut, Err: errors.New("paper out")}
	settle(s, clk, Degraded{PrinterOut: true})
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.StartForm()
	if sn := s.Snapshot(); sn.Screen != ScreenGuide || sn.Ask != "ask.printer_out" {
		t.Fatalf("printer out: screen %s ask %q", sn.Screen, sn.Ask)
	}
	s.AnswerAsk(false)
	if sn := s.Snapshot(); sn.Screen != ScreenGuide || sn.Ask != "" {
		t.Fatalf("no: %s %q", sn.Screen, sn.Ask)
	}
	s.StartForm()
	s.AnswerAsk(true)
	if sn := s.Snapshot(); sn.Screen != ScreenForm {
		t.Fatalf("yes: %s", sn.Screen)
	}
	s.Back()
	s.StartForm() // not asked twice in one visit
	if sn := s.Snapshot(); sn.Screen != ScreenForm || sn.Ask != "" {
		t.Fatalf("asked again in the same visit: %s %q", sn.Screen, sn.Ask)
	}
	s.Back()
	submitChosen(t, s)
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })
	sn := s.Snapshot()
	if len(st.apps) != 1 || sn.Receipt == nil || sn.Receipt.QRPayload == "" || sn.PrintErr == nil {
		t.Fatalf("apps %d receipt %v print err %v", len(st.apps), sn.Receipt, sn.PrintErr)
	}
	s.End()
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.StartForm()
	if sn := s.Snapshot(); sn.Ask != "ask.printer_out" {
		t.Fatalf("the next visit was not told: %q", sn.Ask)
	}
}

// blockingPrinter holds each print until released.
type blockingPrinter struct {
	mu      sync.Mutex
	calls   int
	release chan struct{}
	state   kiosk.DeviceState
	fail    error
}

func (p *blockingPrinter) Print(ctx context.Context, r kiosk.Receipt) error {
	p.mu.Lock()
	p.calls++
	fail := p.fail
	p.mu.Unlock()
	if fail != nil {
		return fail
	}
	select {
	case <-p.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *blockingPrinter) PrinterState() kiosk.DeviceState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

func (p *blockingPrinter) n() int { p.mu.Lock(); defer p.mu.Unlock(); return p.calls }

// The reprint guard lives in the session: a second reprint while one is
// printing, or any reprint while the printer cannot print, reaches the
// printer (whose failed prints are spooled) not at all and says why.
// Kills: Reprint without the busy check; without the printer-state check.
func TestReprintGuardInTheSession(t *testing.T) {
	s, _, pr, clk := newSession(t)
	pr.fail = &DeviceError{Device: "printer", State: kiosk.DevicePaperOut, Err: errors.New("paper out")}
	s.CardRead(card())
	_ = s.ChooseItem("A")
	submitChosen(t, s)
	waitFor(t, "done", func() bool { return s.Snapshot().Screen == ScreenDone })

	bp := &blockingPrinter{release: make(chan struct{}), state: kiosk.DeviceReady}
	s.deps.Printer = bp
	if err := s.Reprint(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "printing", func() bool { return bp.n() == 1 })
	for i := 0; i < 3; i++ { // a slow finger taps again
		if err := s.Reprint(); !errors.Is(err, ErrPrintBusy) {
			t.Fatalf("second reprint while printing: %v", err)
		}
	}
	if sn := s.Snapshot(); !errors.Is(sn.ReprintErr, ErrPrintBusy) {
		t.Fatalf("ReprintErr %v", sn.ReprintErr)
	}
	close(bp.release)
	waitFor(t, "printed", func() bool { sn := s.Snapshot(); return !sn.Busy && sn.PrintErr == nil })
	if n := bp.n(); n != 1 {
		t.Fatalf("%d prints for one reprint", n)
	}

	// The printer says it is out of paper: nothing is sent.
	bp.mu.Lock()
	bp.state = kiosk.DevicePaperOut
	bp.mu.Unlock()
	if err := s.Reprint(); !errors.Is(err, ErrPrinterNotReady) {
		t.Fatalf("reprint with the printer out of paper: %v", err)
	}
	// The terminal says the printer is out (debounced): nothing is sent.
	bp.mu.Lock()
	bp.state = kiosk.DeviceReady
	bp.mu.Unlock()
	settle(s, clk, Degraded{PrinterOut: true})
	if err := s.Reprint(); !errors.Is(err, ErrPrinterNotReady) {
		t.Fatalf("reprint in printer_out: %v", err)
	}
	if n := bp.n(); n != 1 {
		t.Fatalf("%d prints reached the printer", n)
	}
	if sn := s.Snapshot(); !errors.Is(sn.ReprintErr, ErrPrinterNotReady) || sn.Busy {
		t.Fatalf("snapshot: ReprintErr %v busy %v", sn.ReprintErr, sn.Busy)
	}
}

// countingScanner counts scans.
type countingScanner struct {
	mu sync.Mutex
	n  int
}

func (c *countingScanner) ScanMaterial(context.Context) ([]byte, [][]byte, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return []byte("%PDF"), [][]byte{[]byte("png")}, nil
}

// A face check is refused by the session itself: no scan, no "scanned"
// material. Kills: ScanMaterial without the NeedsPerson check.
func TestScanRefusesAFaceCheck(t *testing.T) {
	s, _, _, _ := newSession(t)
	sc := &countingScanner{}
	s.deps.Scanner = sc
	cat := catalog()
	cat.Items[0].Materials = append(cat.Items[0].Materials, kiosk.MaterialSpec{ID: "face", Name: "现场人脸识别", Required: true})
	s.cat.Store(cat)
	s.CardRead(card())
	_ = s.ChooseItem("A")
	s.StartForm()
	s.SetField("phone", "13800138000")
	if !s.SubmitForm() {
		t.Fatal("form refused")
	}
	face := len(s.Snapshot().Materials) - 1
	if err := s.ScanMaterial(face); !errors.Is(err, ErrNeedsPerson) {
		t.Fatalf("scan of a face check: %v", err)
	}
	sn := s.Snapshot()
	if sn.Materials[face].Mode != "" || sn.Notice != "notice.needs_person" || sn.Busy {
		t.Fatalf("face check: mode %q notice %q busy %v", sn.Materials[face].Mode, sn.Notice, sn.Busy)
	}
	if err := s.ScanMaterial(3); err != nil { // an ordinary paper still scans
		t.Fatal(err)
	}
	waitFor(t, "scan", func() bool { return s.Snapshot().Materials[3].Mode == kiosk.MaterialScanned })
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.n != 1 {
		t.Fatalf("%d scans", sc.n)
	}
}

// Without a reader the attract screen's spoken prompt does not ask for a
// card. Kills: update speaking prompt.attract whatever the reader.
func TestNoCardPromptWithoutAReader(t *testing.T) {
	s, _, _, clk := newSession(t)
	sp := &recSpeaker{}
	s.deps.Speaker, s.deps.Prompt = sp, func(k string) string { return k }
	settle(s, clk, Degraded{ReaderMissing: true})
	s.StartManual()
	s.Back()
	waitFor(t, "prompt", func() bool { return sp.count("prompt.attract_no_reader") > 0 })
	if sp.count("prompt.attract") > 0 {
		t.Fatal("asked for a card with no reader")
	}
}
