// Package session is the resident's session as a state machine, free of Fyne:
// which screen is shown, what the resident chose and typed, the idle timeout
// with its visible warning, and wiping personal data at the end. Screens render
// a Snapshot and call the methods below on taps; device events arrive through
// CardRead, CardRemoved and QRScanned. Tested without a window. Only app/
// imports it.
package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	kiosk "github.com/bianmin/kiosk"
)

// Screen names what is on the display.
type Screen string

// Screens, in the order of a typical visit.
const (
	ScreenAttract    Screen = "attract"    // idle loop: 请放置身份证
	ScreenManualID   Screen = "manual_id"  // an assisting agent types the identity (帮办代办)
	ScreenConfirmID  Screen = "confirm_id" // the name holds rare characters: confirm
	ScreenHome       Screen = "home"       // categories, frequent items, bundles, search
	ScreenCategory   Screen = "category"   // the items of a category
	ScreenSearch     Screen = "search"     // search by characters or pinyin
	ScreenGuide      Screen = "guide"      // 办事指南 of the chosen item or bundle
	ScreenForm       Screen = "form"       // pre-filled form
	ScreenMaterials  Screen = "materials"  // scan, 告知承诺, 容缺, e-licence
	ScreenSign       Screen = "sign"       // signature for a commitment
	ScreenReview     Screen = "review"     // check and submit
	ScreenSubmitting Screen = "submitting" // committing and printing
	ScreenDone       Screen = "done"       // receipt printed, QR on screen
	ScreenRate       Screen = "rate"       // 好差评
	ScreenEnd        Screen = "end"        // take your card
	ScreenProgress   Screen = "progress"   // 进度查询
	ScreenHelp       Screen = "help"       // call staff, queue ticket
)

// Config holds what the session needs to know of its terminal.
type Config struct {
	Station     kiosk.Station
	QueryBase   string        // receipt QR tracking page
	IdleTimeout time.Duration // inactivity before the warning
	WarnFor     time.Duration // visible countdown before the session ends
	EndAfter    time.Duration // how long the end screen stays
	// CardGrace is how long a card taken off the reader mid-session may
	// take to come back before the session ends (default 30 s).
	CardGrace time.Duration
	// CardLeftFor is how long the end screen keeps reminding a resident
	// whose card is still on the reader (default 2 min); RemindEvery is
	// the interval of the spoken reminder (default 10 s).
	CardLeftFor time.Duration
	RemindEvery time.Duration
	// AdminIdle ends admin mode after this long without a tap (default
	// 2 min).
	AdminIdle time.Duration
	// DegradedSettle is how long a change of the degraded modes must hold
	// before the session takes it (default 3 s): see SetDegraded.
	DegradedSettle time.Duration
}

// Deps are the session's collaborators; Speaker, Scanner and Clock may be nil.
type Deps struct {
	Catalog *kiosk.Catalog
	Store   Store
	Printer Printer
	Scanner Scanner
	Speaker Speaker
	Clock   Clock
	Logger  *slog.Logger
	// Prompt turns a prompt key into the text spoken (translation).
	Prompt func(key string) string
	// Forms prints application forms on A4; nil: no A4 printer.
	Forms FormPrinter
	// EID verifies electronic-ID QR codes; nil: not available here.
	EID EIDVerifier
	// NewID makes instance IDs; nil means random UUIDs (tests inject
	// predictable ones).
	NewID func() string
	// Help raises help requests to staff; nil: nobody can be called from
	// here, and the help screen says to go to a window.
	Help Helpdesk
	// Queue issues queue tickets with the hall's real figures; nil: tickets
	// are numbered by Tickets and the window and waiting are unknown.
	Queue QueueDesk
	// Tickets numbers local queue tickets durably; nil (and no Queue): no
	// tickets from this terminal.
	Tickets TicketCounter
	// Admin checks the technician PIN; nil: admin mode cannot be entered.
	Admin AdminAuth
	// Reader is told whether a card is expected (CardPace); nil: not told.
	Reader CardPace
	// TechQR checks technician QR codes signed by the province (techqr.go);
	// nil: a technician QR is refused as not configured.
	TechQR TechQRAuth
	// Staff checks assisting agents; nil: 帮办代办 cannot sign in.
	Staff StaffAuth
	// Audit keeps admin and staff events (admin.go).
	Audit Auditor
	// Maintenance serves the admin mode's maintenance screen.
	Maintenance Maintenance
	// NewSecret makes receipt QR secrets; nil means 128 random bits.
	NewSecret func() string
}

// MaterialChoice is how the resident is handling one material.
type MaterialChoice struct {
	Spec   kiosk.MaterialSpec
	Mode   kiosk.MaterialMode // "" while undecided
	Due    kiosk.Date         // for 容缺
	PDF    []byte             // scanned pages
	Thumbs [][]byte           // PNG per page
}

// Snapshot is everything a screen needs to render. It is a copy: the screen
// may keep it. It holds personal data: screens show it masked where they can.
type Snapshot struct {
	Screen       Screen
	Identity     *kiosk.Identity
	Agent        string
	Category     *kiosk.Category
	Items        []*kiosk.ServiceItem // category list or search results
	Query        string
	Item         *kiosk.ServiceItem
	Bundle       *kiosk.Bundle
	BundleItems  []*kiosk.ServiceItem
	Fields       []kiosk.FieldSpec
	Form         map[string]string
	FieldErrors  map[string]error
	Materials    []MaterialChoice
	Signing      string // material ID being signed
	Receipt      *kiosk.Receipt
	Receipts     []kiosk.Receipt // all receipts of a bundle
	PrintErr     error
	FormsPrinted bool  // the A4 forms went to the printer
	FormErr      error // the A4 printer failed
	SubmitErr    error
	Busy         bool
	Progress     []ProgressLine
	ProgressErr  error
	Notice       string // a key of a short message to show (e.g. card read error)
	Warning      bool   // idle warning shown
	Remaining    time.Duration
	Rated        bool
	Elder        bool
	// CardOut: the session's card left the reader mid-session; the session
	// ends after CardOutRemaining unless it comes back.
	CardOut          bool
	CardOutRemaining time.Duration
	// CardLeft: the end screen is reminding the resident to take the card
	// still on the reader.
	CardLeft bool
	Help     HelpState // the help request of this visit
	// AgentName is the signed-in assisting agent's name (Agent the number).
	AgentName string
	// AuthErr is why the last PIN was refused (admin or staff).
	AuthErr error
	Admin   AdminState // admin mode (admin.go)
	// Degraded: what the terminal cannot do now (debounced; it survives
	// the end of a visit).
	Degraded Degraded
	// Ask is the key of a question the resident must answer before going
	// on (AnswerAsk): "ask.printer_out" before a service starts while no
	// receipt can be printed, "ask.disk_low" when a new application is
	// refused. "" when none.
	Ask string
	// ReprintErr says why the last Reprint spooled nothing (ErrPrintBusy,
	// ErrPrinterNotReady); nil when it was tried.
	ReprintErr error
}

// Session is one terminal's resident session. Safe for concurrent use.
type Session struct {
	cfg  Config
	deps Deps
	log  *slog.Logger

	mu       sync.Mutex
	s        Snapshot
	history  []Screen
	lastTap  time.Time
	endAt    time.Time
	apps     []*kiosk.Application
	drafts   map[string]*draft // by item code: what a resubmit keeps (Submit)
	signPNG  map[string][]byte
	onChange func(Snapshot)
	elder    bool

	card      cardState // the card on the reader
	helpSeq   int       // help requests made, to drop stale answers
	ticketing bool      // a queue ticket is being taken

	corner     []time.Time // taps on the attract screen's hidden corner
	idInjected bool        // NewID came from the caller (tests)

	cat     atomic.Pointer[kiosk.Catalog] // the catalogue in use
	pending *kiosk.Catalog                // a newer one, taken at the next session start

	degRaw      Degraded  // the last report of SetDegraded
	degSince    time.Time // since when degRaw holds
	printerTold bool      // this visit was told the receipt will be on screen
	printing    bool      // a reprint is running

	wake chan struct{} // a change: Run recomputes NextTick
}

// New returns a session showing the attract screen.
func New(cfg Config, deps Deps) *Session {
	if deps.Clock == nil {
		deps.Clock = realClock{}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	idInjected := deps.NewID != nil
	if deps.NewID == nil {
		deps.NewID = uuid.NewString
	}
	if cfg.AdminIdle == 0 {
		cfg.AdminIdle = 2 * time.Minute
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 90 * time.Second
	}
	if cfg.WarnFor == 0 {
		cfg.WarnFor = 20 * time.Second
	}
	if cfg.EndAfter == 0 {
		cfg.EndAfter = 8 * time.Second
	}
	if cfg.CardGrace == 0 {
		cfg.CardGrace = 30 * time.Second
	}
	if cfg.CardLeftFor == 0 {
		cfg.CardLeftFor = 2 * time.Minute
	}
	if cfg.RemindEvery == 0 {
		cfg.RemindEvery = 10 * time.Second
	}
	if cfg.DegradedSettle == 0 {
		cfg.DegradedSettle = settleDefault
	}
	s := &Session{cfg: cfg, deps: deps, log: deps.Logger, idInjected: idInjected, wake: make(chan struct{}, 1)}
	s.cat.Store(deps.Catalog)
	s.reset()
	return s
}

// OnChange registers the function called (outside the lock) after every
// change, with the new snapshot. The UI re-renders from it.
func (s *Session) OnChange(f func(Snapshot)) {
	s.mu.Lock()
	s.onChange = f
	s.mu.Unlock()
}

// Snapshot returns the current state.
func (s *Session) Snapshot() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.copyLocked()
}

func (s *Session) copyLocked() Snapshot {
	c := s.s
	c.Elder = s.elder
	c.Form = make(map[string]string, len(s.s.Form))
	for k, v := range s.s.Form {
		c.Form[k] = v
	}
	c.FieldErrors = make(map[string]error, len(s.s.FieldErrors))
	for k, v := range s.s.FieldErrors {
		c.FieldErrors[k] = v
	}
	c.Materials = append([]MaterialChoice(nil), s.s.Materials...)
	if s.s.Identity != nil {
		id := *s.s.Identity
		c.Identity = &id
	}
	return c
}

// update runs f under the lock, then notifies and speaks the new screen's
// prompt if the screen changed.
func (s *Session) update(f func()) {
	s.mu.Lock()
	before := s.s.Screen
	f()
	after := s.s.Screen
	snap := s.copyLocked()
	cb := s.onChange
	lastTap := s.lastTap
	s.mu.Unlock()
	if s.deps.Reader != nil {
		s.deps.Reader.CardPace(cardExpected(snap), lastTap)
	}
	select { // Run recomputes what is due
	case s.wake <- struct{}{}:
	default:
	}
	if after != before {
		s.log.Info("screen", "from", string(before), "to", string(after))
		prompt := "prompt." + string(after)
		if snap.Degraded.ReaderMissing && (after == ScreenAttract || after == ScreenProgress) {
			prompt += "_no_reader" // never ask for a card the terminal cannot read
		}
		s.speak(prompt)
	}
	if cb != nil {
		cb(snap)
	}
}

func (s *Session) speak(key string) {
	if s.deps.Speaker == nil || s.deps.Prompt == nil {
		return
	}
	text := s.deps.Prompt(key)
	if text == "" || text[0] == '[' {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.deps.Speaker.Say(ctx, text); err != nil {
			s.log.Warn("speak", "err", err)
		}
	}()
}

// Say speaks a translated key on request (the guide's 朗读 button).
func (s *Session) Say(text string) {
	if s.deps.Speaker == nil {
		return
	}
	go s.deps.Speaker.Say(context.Background(), text) //nolint:errcheck // best effort
}

// go moves to screen, remembering where we were for Back.
func (s *Session) goLocked(to Screen) {
	if s.s.Screen != to {
		s.history = append(s.history, s.s.Screen)
	}
	s.s.Screen = to
	s.s.Notice = ""
	s.touchLocked()
}

func (s *Session) touchLocked() {
	s.lastTap = s.deps.Clock.Now()
	s.s.Warning = false
	s.s.Remaining = 0
}

// reset wipes every personal datum and shows the attract screen.
func (s *Session) reset() {
	if s.s.Identity != nil {
		s.s.Identity.Wipe()
	}
	for _, a := range s.apps {
		a.Applicant.Wipe()
		clear(a.Form)
	}
	for k := range s.signPNG {
		clear(s.signPNG[k])
	}
	for i := range s.s.Materials {
		clear(s.s.Materials[i].PDF)
	}
	for _, d := range s.drafts {
		if d.app != nil {
			d.app.Applicant.Wipe()
			clear(d.app.Form)
		}
	}
	s.apps, s.drafts = nil, nil
	s.signPNG = map[string][]byte{}
	s.history = nil
	s.card.out, s.card.outAt, s.card.id = false, time.Time{}, ""
	s.helpSeq++           // an answer to this visit's help request is not the next one's
	if s.pending != nil { // between residents: a newer catalogue takes over
		s.cat.Store(s.pending)
		s.pending = nil
	}
	s.printerTold = false
	s.s = Snapshot{Screen: ScreenAttract, Form: map[string]string{}, FieldErrors: map[string]error{}, Degraded: s.s.Degraded}
	s.lastTap = s.deps.Clock.Now()
}

// Touch records activity (any tap), restarting the idle timer.
func (s *Session) Touch() { s.update(s.touchLocked) }

// MoreTime dismisses the idle warning.
func (s *Session) MoreTime() { s.update(s.touchLocked) }

// ToggleElder switches 长辈模式 on or off; it survives the session end.
func (s *Session) ToggleElder() {
	s.update(func() { s.elder = !s.elder; s.touchLocked() })
}

// SetElder sets 长辈模式.
func (s *Session) SetElder(on bool) { s.update(func() { s.elder = on }) }

// Tick advances timeouts; the UI calls it about once a second.
func (s *Session) Tick() {
	now := s.deps.Clock.Now()
	s.settleDegraded(now)
	s.mu.Lock()
	scr := s.s.Screen
	s.mu.Unlock()
	if s.adminIdle(now) {
		return
	}
	switch scr {
	case ScreenAttract:
		return
	case ScreenSubmitting:
		return // never interrupt a commit
	case ScreenEnd:
		if !s.endAt.IsZero() && !now.Before(s.endAt) {
			s.endScreenDue(now)
		}
		return
	}
	s.update(func() {
		if s.cardOutDueLocked(now) {
			return
		}
		idle := now.Sub(s.lastTap)
		switch {
		case idle >= s.cfg.IdleTimeout+s.cfg.WarnFor:
			s.log.Info("session timed out", "screen", string(s.s.Screen))
			s.endLocked(now)
		case idle >= s.cfg.IdleTimeout:
			s.s.Warning = true
			s.s.Remaining = s.cfg.IdleTimeout + s.cfg.WarnFor - idle
		}
	})
}

// Run calls Tick whenever something is due, until ctx ends. It keeps no
// ticker: it sleeps until NextTick (a countdown on screen: every second;
// the idle warning, the end screen's time, a degraded mode settling: at
// that instant) or until a change of the session may bring that instant
// forward. On the attract screen with nothing due no timer is armed at all,
// so an idle terminal does not wake for the session.
func (s *Session) Run(ctx context.Context) error {
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		s.Tick()
		select { // Tick's own change signalled the wake: it is seen below
		case <-s.wake:
		default:
		}
		var due <-chan time.Time
		if at, ok := s.NextTick(); ok {
			t.Reset(max(at.Sub(s.deps.Clock.Now()), 0))
			due = t.C
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-due:
		case <-s.wake:
			t.Stop()
		}
	}
}

// countdownStep is how often a countdown on screen (the idle warning, the
// card taken away) is updated.
const countdownStep = time.Second

// NextTick returns when Tick next has something to do, and false when
// nothing is due until the session changes (the attract screen with no
// degraded mode settling). Run sleeps until then.
func (s *Session) NextTick() (time.Time, bool) {
	now := s.deps.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	set := false
	due := func(at time.Time) {
		if !set || at.Before(next) {
			next, set = at, true
		}
	}
	if s.degRaw != s.s.Degraded {
		due(s.degSince.Add(s.cfg.DegradedSettle))
	}
	switch scr := s.s.Screen; {
	case adminScreen(scr):
		if !s.s.Busy && !s.s.Admin.Busy { // work ending is a change
			due(s.lastTap.Add(s.cfg.AdminIdle))
		}
	case scr == ScreenAttract, scr == ScreenSubmitting:
	case scr == ScreenEnd:
		switch {
		case s.endAt.IsZero():
		case now.Before(s.endAt):
			due(s.endAt)
		case s.card.present:
			due(s.card.remindAt)
			due(s.card.endedAt.Add(s.cfg.CardLeftFor))
		default:
			due(now)
		}
	default:
		if s.card.out { // counting down on screen, to the session's end
			due(now.Add(countdownStep))
			due(s.card.outAt.Add(s.cfg.CardGrace))
		}
		if s.s.Warning {
			due(now.Add(countdownStep))
			due(s.lastTap.Add(s.cfg.IdleTimeout + s.cfg.WarnFor))
		} else {
			due(s.lastTap.Add(s.cfg.IdleTimeout))
		}
	}
	return next, set
}

func (s *Session) endLocked(now time.Time) {
	hadCard := s.s.Identity != nil && s.s.Identity.Source == kiosk.SourceCard
	elder := s.elder
	s.reset()
	s.elder = elder
	if hadCard {
		s.s.Screen = ScreenEnd
		s.endAt = now.Add(s.cfg.EndAfter)
		s.card.endedAt, s.card.remindAt = now, s.endAt
	}
}

// End finishes the session: personal data leaves memory and screen; the end
// screen reminds the resident to take the card.
func (s *Session) End() {
	s.update(func() {
		hadCard := s.s.Identity != nil && s.s.Identity.Source == kiosk.SourceCard
		s.endLocked(s.deps.Clock.Now())
		if !hadCard {
			s.s.Screen = ScreenEnd
			s.endAt = s.deps.Clock.Now().Add(s.cfg.EndAfter)
		}
	})
}

// CardRead takes an identity from the reader. On the attract screen it
// starts a session; on the progress screen it queries; elsewhere a second
// card replaces nothing (one resident at a time) and is ignored.
func (s *Session) CardRead(id *kiosk.Identity) {
	if id == nil {
		return
	}
	s.mu.Lock()
	scr := s.s.Screen
	if id.Source == kiosk.SourceCard {
		s.card.present = true
	}
	back := s.cardBackLocked(id)
	s.mu.Unlock()
	if back != cardNotOut {
		s.cardReturned(id, back)
		return
	}
	switch scr {
	case ScreenAttract, ScreenEnd, ScreenManualID:
		s.update(func() {
			if scr == ScreenEnd {
				s.reset()
			}
			s.s.Identity = id
			if id.HasRareChars() {
				s.goLocked(ScreenConfirmID)
			} else {
				s.goLocked(ScreenHome)
			}
		})
		s.speak("prompt.card_read")
	case ScreenProgress:
		s.queryProgress(id.IDNumber, "")
	default:
		s.log.Info("card ignored: a session is in progress", "screen", string(scr))
	}
}

// CardError shows a short notice (the reader failed to read a card).
func (s *Session) CardError(noticeKey string) {
	s.update(func() { s.s.Notice = noticeKey })
}

// QRScanned takes a payload from the QR scanner: a receipt QR opens its
// progress; anything else is shown as not recognised.
func (s *Session) QRScanned(payload string) {
	if isTechQR(payload) {
		s.technicianQR(payload)
		return
	}
	if strings.HasPrefix(payload, EIDPrefix) {
		s.electronicID(payload)
		return
	}
	q, ok := kiosk.ParseReceiptQuery(payload)
	if !ok {
		s.update(func() { s.s.Notice = "notice.qr_unknown" })
		return
	}
	s.mu.Lock()
	scr := s.s.Screen
	s.mu.Unlock()
	if adminScreen(scr) {
		return // a scan never leaves admin mode
	}
	s.update(func() {
		if s.s.Screen != ScreenProgress {
			s.goLocked(ScreenProgress)
		}
	})
	s.queryReceipt(q)
}

// electronicID starts a session from an electronic-ID QR code when a
// verifier is configured; otherwise it says to use the card.
func (s *Session) electronicID(payload string) {
	if s.deps.EID == nil {
		s.update(func() { s.s.Notice = "notice.eid_unavailable" })
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	id, err := s.deps.EID.Verify(ctx, payload)
	if err != nil || id == nil {
		s.log.Warn("electronic ID not verified", "err", err)
		s.update(func() { s.s.Notice = "notice.eid_failed" })
		return
	}
	id.Source = kiosk.SourceQR
	s.CardRead(id)
}

// ConfirmIdentity accepts the name shown with placeholders.
func (s *Session) ConfirmIdentity() { s.update(func() { s.goLocked(ScreenHome) }) }

// StartManual opens manual entry by an assisting agent.
func (s *Session) StartManual() { s.update(func() { s.goLocked(ScreenManualID) }) }

// OpenProgress opens the progress query (card or receipt QR).
func (s *Session) OpenProgress() {
	s.update(func() { s.s.Progress = nil; s.s.ProgressErr = nil; s.goLocked(ScreenProgress) })
	s.mu.Lock()
	id := s.s.Identity
	var deny error
	if id != nil {
		deny = s.mayLookUpLocked(id)
	}
	s.mu.Unlock()
	if deny != nil {
		s.update(func() { s.s.ProgressErr = deny })
		return
	}
	if id != nil {
		s.queryProgress(id.IDNumber, "")
	}
}

func (s *Session) queryProgress(idNumber, acceptanceNo string) {
	s.update(func() { s.s.Busy = true })
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		lines, err := s.deps.Store.Progress(ctx, idNumber, acceptanceNo)
		s.update(func() {
			s.s.Busy = false
			s.s.Progress, s.s.ProgressErr = lines, err
		})
	}()
}

// Home returns to the home screen, keeping the identity.
func (s *Session) Home() {
	s.update(func() {
		s.clearChoiceLocked()
		s.history = nil
		if s.s.Identity == nil {
			s.s.Screen = ScreenAttract
			return
		}
		s.goLocked(ScreenHome)
	})
}

func (s *Session) clearChoiceLocked() {
	s.s.Item, s.s.Bundle, s.s.BundleItems, s.s.Category = nil, nil, nil, nil
	s.s.Fields, s.s.Materials, s.s.Receipt, s.s.Receipts = nil, nil, nil, nil
	s.s.Form = map[string]string{}
	s.s.FieldErrors = map[string]error{}
	s.s.PrintErr, s.s.SubmitErr, s.s.Rated = nil, nil, false
	s.s.FormsPrinted, s.s.FormErr = false, nil
	s.apps = nil
}

// Back returns to the previous screen.
func (s *Session) Back() {
	s.update(func() {
		for len(s.history) > 0 {
			prev := s.history[len(s.history)-1]
			s.history = s.history[:len(s.history)-1]
			if prev == ScreenSubmitting || prev == ScreenSign {
				continue
			}
			s.s.Screen = prev
			s.touchLocked()
			return
		}
		if s.s.Identity == nil {
			s.s.Screen = ScreenAttract
		}
	})
}

// ChooseCategory lists a category's items.
func (s *Session) ChooseCategory(id string) {
	s.update(func() {
		for i := range s.cat.Load().Categories {
			if s.cat.Load().Categories[i].ID == id {
				c := s.cat.Load().Categories[i]
				s.s.Category = &c
			}
		}
		s.s.Items = kioskOnly(s.cat.Load().InCategory(id))
		s.goLocked(ScreenCategory)
	})
}

func kioskOnly(items []*kiosk.ServiceItem) []*kiosk.ServiceItem {
	var out []*kiosk.ServiceItem
	for _, it := range items {
		if it.Kiosk {
			out = append(out, it)
		}
	}
	return out
}

// Frequent returns the frequent kiosk items of the catalogue.
func (s *Session) Frequent() []*kiosk.ServiceItem {
	var out []*kiosk.ServiceItem
	for i := range s.cat.Load().Items {
		if it := &s.cat.Load().Items[i]; it.Frequent && it.Kiosk {
			out = append(out, it)
		}
	}
	return out
}

// SetCatalog hands the session a newer catalogue (pulled and verified by the
// relay). It takes over at once on the attract screen, otherwise when the
// current resident's session ends: nobody sees items change under a finger.
func (s *Session) SetCatalog(c *kiosk.Catalog) {
	s.update(func() {
		if s.s.Screen == ScreenAttract {
			s.cat.Store(c)
			s.pending = nil
			return
		}
		s.pending = c
	})
}

// Catalog returns the catalogue the session serves.
func (s *Session) Catalog() *kiosk.Catalog { return s.cat.Load() }

// OpenSearch shows the search screen.
func (s *Session) OpenSearch() {
	s.update(func() { s.s.Query = ""; s.s.Items = nil; s.goLocked(ScreenSearch) })
}

// SetSearchResults shows results found by the UI's search index.
func (s *Session) SetSearchResults(query string, codes []string) {
	s.update(func() {
		s.s.Query = query
		s.s.Items = nil
		for _, c := range codes {
			if it, err := s.cat.Load().Item(c); err == nil && it.Kiosk {
				s.s.Items = append(s.s.Items, it)
			}
		}
		s.touchLocked()
	})
}

// ChooseItem opens the guide of an item.
func (s *Session) ChooseItem(code string) error {
	it, err := s.cat.Load().Item(code)
	if err != nil {
		return err
	}
	s.update(func() {
		s.clearChoiceLocked()
		s.s.Item = it
		s.s.Fields = it.Form
		s.goLocked(ScreenGuide)
	})
	return nil
}

// ChooseBundle opens the guide of an 一件事 bundle.
func (s *Session) ChooseBundle(code string) error {
	var b *kiosk.Bundle
	for i := range s.cat.Load().Bundles {
		if s.cat.Load().Bundles[i].Code == code {
			b = &s.cat.Load().Bundles[i]
		}
	}
	if b == nil {
		return fmt.Errorf("bundle %s: %w", code, kiosk.ErrNoItem)
	}
	items, err := s.cat.Load().BundleItems(*b)
	if err != nil {
		return err
	}
	fields, err := s.cat.Load().BundleForm(*b)
	if err != nil {
		return err
	}
	s.update(func() {
		s.clearChoiceLocked()
		s.s.Bundle, s.s.BundleItems, s.s.Fields = b, items, fields
		s.goLocked(ScreenGuide)
	})
	return nil
}

// items returns the chosen item, or the bundle's items.
func (s *Session) itemsLocked() []*kiosk.ServiceItem {
	if s.s.Bundle != nil {
		return s.s.BundleItems
	}
	if s.s.Item != nil {
		return []*kiosk.ServiceItem{s.s.Item}
	}
	return nil
}

// StartForm leaves the guide for the form, pre-filled from the identity.
//
// A new application is refused while the disk is low (Ask "ask.disk_low");
// while no receipt can be printed the resident is first told that it will
// be shown on screen and can be reprinted later (Ask "ask.printer_out"),
// once per visit, and goes on by answering yes.
func (s *Session) StartForm() {
	s.update(func() {
		if err := s.eligibleLocked(); err != nil {
			s.log.Info("applicant not eligible", "err", err)
			s.s.Notice = "notice.not_eligible"
			s.touchLocked()
			return
		}
		if s.s.Degraded.DiskLow {
			s.log.Warn("new application refused: disk low", "event", "application_refused_disk_low")
			s.s.Ask = "ask.disk_low"
			s.touchLocked()
			return
		}
		if s.s.Degraded.PrinterOut && !s.printerTold {
			s.s.Ask = "ask.printer_out"
			s.touchLocked()
			return
		}
		if s.s.Identity != nil {
			kiosk.Prefill(s.s.Form, s.s.Fields, s.s.Identity)
		}
		s.s.FieldErrors = map[string]error{}
		s.goLocked(ScreenForm)
	})
}

// SetField sets one form value and checks it at once, so the error shows
// next to the field.
func (s *Session) SetField(key, value string) {
	s.update(func() {
		s.s.Form[key] = value
		for _, f := range s.s.Fields {
			if f.Key == key {
				if err := kiosk.CheckField(f, value); err != nil && value != "" {
					s.s.FieldErrors[key] = err
				} else {
					delete(s.s.FieldErrors, key)
				}
			}
		}
		s.touchLocked()
	})
}

// SubmitForm checks every field; on success it moves to the materials.
func (s *Session) SubmitForm() bool {
	ok := true
	s.update(func() {
		s.s.FieldErrors = map[string]error{}
		for _, f := range s.s.Fields {
			if err := kiosk.CheckField(f, s.s.Form[f.Key]); err != nil {
				// An early pilot credit code fails its check but is valid:
				// a warning only, not a block.
				if errors.Is(err, kiosk.ErrCreditChecksum) {
					continue
				}
				s.s.FieldErrors[f.Key] = err
				ok = false
			}
		}
		if !ok {
			s.touchLocked()
			return
		}
		s.s.Materials = s.materialsLocked()
		s.goLocked(ScreenMaterials)
	})
	return ok
}

// materialsLocked lists the materials of the chosen items once each (a
// bundle asks for the same material once), with card-satisfied ones decided.
func (s *Session) materialsLocked() []MaterialChoice {
	if len(s.s.Materials) > 0 {
		return s.s.Materials
	}
	seen := map[string]bool{}
	var out []MaterialChoice
	for _, it := range s.itemsLocked() {
		for _, m := range it.Materials {
			if seen[m.Name] {
				continue
			}
			seen[m.Name] = true
			c := MaterialChoice{Spec: m}
			switch {
			case m.FromCard && s.s.Identity != nil && s.s.Identity.Source == kiosk.SourceCard:
				c.Mode = kiosk.MaterialFromCard
			case m.ELicence != "":
				c.Mode = kiosk.MaterialELicence
			}
			out = append(out, c)
		}
	}
	return out
}

// ErrModeNotAllowed is returned when a material does not allow a mode.
var ErrModeNotAllowed = errors.New("material does not allow this mode")

// SetMaterialMode chooses 告知承诺 (which then asks for a signature), 容缺
// (due date from the item's rule) or e-licence for material i.
func (s *Session) SetMaterialMode(i int, mode kiosk.MaterialMode) error {
	var err error
	s.update(func() {
		if i < 0 || i >= len(s.s.Materials) {
			err = fmt.Errorf("material %d: out of range", i)
			return
		}
		m := &s.s.Materials[i]
		switch mode {
		case kiosk.MaterialCommitted:
			if !m.Spec.Committable {
				err = ErrModeNotAllowed
				return
			}
			s.s.Signing = m.Spec.ID
			s.goLocked(ScreenSign)
			return // the mode is set when the signature is given
		case kiosk.MaterialDeferred:
			if !m.Spec.Deferrable {
				err = ErrModeNotAllowed
				return
			}
			m.Due = workingDaysAfter(kiosk.NewDate(s.deps.Clock.Now()), m.Spec.DeferDays)
		case kiosk.MaterialELicence:
			if m.Spec.ELicence == "" {
				err = ErrModeNotAllowed
				return
			}
		case "":
		default:
			err = ErrModeNotAllowed
			return
		}
		m.Mode = mode
		s.touchLocked()
	})
	return err
}

// workingDaysAfter counts n working days (Monday to Friday) after d.
func workingDaysAfter(d kiosk.Date, n int) kiosk.Date {
	for n > 0 {
		d = d.AddDays(1)
		if wd := d.Time().Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// ScanMaterial scans material i with the scanner; the pages replace any
// earlier scan (retake).
//
// A face check (NeedsPerson) is refused with ErrNeedsPerson: a document
// scan is not a face check, and nothing is recorded for it.
func (s *Session) ScanMaterial(i int) error {
	var refuse error
	s.update(func() {
		if i < 0 || i >= len(s.s.Materials) {
			refuse = fmt.Errorf("material %d: out of range", i)
			return
		}
		if NeedsPerson(s.s.Materials[i].Spec) {
			refuse = ErrNeedsPerson
			s.s.Notice = "notice.needs_person"
			s.touchLocked()
			return
		}
		if s.deps.Scanner == nil {
			refuse = errors.New("no scanner")
			s.s.Notice = "notice.no_scanner"
			return
		}
		if s.s.Busy {
			refuse = errors.New("busy")
			return
		}
		s.s.Busy = true
		s.s.Notice = ""
	})
	if refuse != nil {
		return refuse
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pdf, thumbs, err := s.deps.Scanner.ScanMaterial(ctx)
		s.update(func() {
			s.s.Busy = false
			if err != nil {
				s.log.Warn("scan failed", "err", err)
				s.s.Notice = "notice.scan_failed"
				return
			}
			if i >= 0 && i < len(s.s.Materials) {
				m := &s.s.Materials[i]
				m.PDF, m.Thumbs, m.Mode = pdf, thumbs, kiosk.MaterialScanned
			}
			s.touchLocked()
		})
	}()
	return nil
}

// ErrEmptySignature is returned when the signature pad is empty.
var ErrEmptySignature = errors.New("signature is empty")

// Sign completes a 告知承诺 with the resident's signature (PNG).
func (s *Session) Sign(png []byte) error {
	if len(png) == 0 {
		return ErrEmptySignature
	}
	s.update(func() {
		for i := range s.s.Materials {
			if s.s.Materials[i].Spec.ID == s.s.Signing {
				s.s.Materials[i].Mode = kiosk.MaterialCommitted
				s.signPNG[s.s.Signing] = png
			}
		}
		s.s.Signing = ""
		s.goLocked(ScreenMaterials)
	})
	return nil
}

// ErrMaterialsIncomplete is returned by Review while a required material is
// undecided.
var ErrMaterialsIncomplete = errors.New("a required material is not yet handled")

// Review moves to the review screen once every required material is handled.
func (s *Session) Review() error {
	var err error
	s.update(func() {
		for _, m := range s.s.Materials {
			if m.Spec.Required && m.Mode == "" {
				err = ErrMaterialsIncomplete
				s.s.Notice = "notice.materials_incomplete"
				return
			}
		}
		s.goLocked(ScreenReview)
	})
	return err
}

// Submit commits the application (one per item of a bundle) durably, then
// prints the receipt. A print failure leaves the application queued and the
// receipt available to reprint. Submitting is idempotent: each item's
// application is made once per draft (instance ID, acceptance number,
// attachment IDs) and kept across retries, so a double tap or a resubmit
// after a failure never makes a second application; the items of a bundle
// already queued are not queued again, only the missing ones.
func (s *Session) Submit() {
	started := false
	s.update(func() {
		if s.s.Screen != ScreenReview || s.s.Busy {
			return
		}
		s.goLocked(ScreenSubmitting)
		s.s.Busy, s.s.SubmitErr, started = true, nil, true
	})
	if started {
		go s.submit()
	}
}

// draft is one item's application as first built for the current choice:
// what a retry must keep.
type draft struct {
	app     *kiosk.Application
	queued  bool  // Enqueue returned nil: never queue it again
	lastErr error // why the last Enqueue failed
}

func (s *Session) submit() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.mu.Lock()
	snap := s.copyLocked()
	items := s.itemsLocked()
	signs := s.signPNG
	if s.drafts == nil {
		s.drafts = map[string]*draft{}
	}
	drafts := map[string]*draft{}
	for _, it := range items {
		drafts[it.Code] = s.drafts[it.Code]
	}
	s.mu.Unlock()

	now := s.deps.Clock.Now()
	var apps []*kiosk.Application
	var receipts []kiosk.Receipt
	for _, it := range items {
		d := drafts[it.Code]
		if d == nil || !d.queued {
			app, files, err := s.buildApplication(ctx, snap, it, signs, now, d)
			if err == nil {
				err = s.deps.Store.Enqueue(ctx, app, files)
			}
			s.mu.Lock()
			if app != nil {
				if d == nil {
					d = &draft{}
					s.drafts[it.Code] = d
				}
				d.app, d.queued, d.lastErr = app, err == nil, err
			}
			s.mu.Unlock()
			if err != nil {
				s.log.Error("submit failed", "item", it.Code, "err", err)
				s.update(func() {
					s.s.Busy = false
					s.s.SubmitErr = err
					s.s.Screen = ScreenReview
				})
				return
			}
			s.log.Info("application queued", "item", it.Code, "acceptance_no", d.app.AcceptanceNo)
		}
		apps = append(apps, d.app)
		receipts = append(receipts, kiosk.AcceptanceReceipt(d.app, it, s.cfg.QueryBase))
	}
	var printErr error
	for _, r := range receipts {
		if err := s.deps.Printer.Print(ctx, r); err != nil {
			s.log.Warn("receipt not printed", "acceptance_no", r.AcceptanceNo, "err", err)
			printErr = err
		}
	}
	s.update(func() {
		s.apps = apps
		s.drafts = nil // the next choice is a new application
		s.s.Busy = false
		s.s.Receipts = receipts
		s.s.Receipt = &receipts[0]
		s.s.PrintErr = printErr
		s.history = nil
		s.s.Screen = ScreenDone
		s.touchLocked()
	})
}

// buildApplication makes the item's application from the session. With a
// previous draft (a failed attempt) it keeps the draft's instance ID,
// creation time and acceptance number (a new number only when the old one
// turned out to be taken), so that the same content makes the same
// application; attachment IDs are derived from the instance ID.
func (s *Session) buildApplication(ctx context.Context, snap Snapshot, it *kiosk.ServiceItem, signs map[string][]byte, now time.Time, prev *draft) (*kiosk.Application, map[string][]byte, error) {
	id, created, no, secret := "", now, "", ""
	if prev != nil && prev.app != nil {
		id, created, no, secret = prev.app.InstanceID, prev.app.CreatedAt, prev.app.AcceptanceNo, prev.app.TrackSecret
		if errors.Is(prev.lastErr, kiosk.ErrAcceptanceNoTaken) {
			no = ""
		}
	}
	if id == "" {
		id = s.deps.NewID()
	}
	if secret == "" {
		secret = s.newTrackSecret(id)
	}
	if no == "" {
		seq, err := s.deps.Store.NextAcceptanceSeq(ctx, now)
		if err != nil {
			return nil, nil, fmt.Errorf("acceptance number: %w", err)
		}
		no = kiosk.AcceptanceNo(s.cfg.Station, now, seq)
	}
	app := &kiosk.Application{
		InstanceID:   id,
		AcceptanceNo: no,
		ItemCode:     it.Code,
		ItemName:     it.Name,
		Station:      s.cfg.Station,
		Agent:        snap.Agent,
		AgentName:    snap.AgentName,
		TrackSecret:  secret,
		Form:         map[string]string{},
		CreatedAt:    created,
		State:        kiosk.StateDraft,
	}
	if snap.Bundle != nil {
		app.BundleCode = snap.Bundle.Code
	}
	if snap.Identity != nil {
		app.Applicant = *snap.Identity
	}
	for _, f := range it.Form {
		if v, ok := snap.Form[f.Key]; ok {
			app.Form[f.Key] = v
		}
	}
	files := map[string][]byte{}
	attach := func(materialID, name, mediaType string, b []byte) string {
		sum := sha256.Sum256(b)
		tag := sha256.Sum256([]byte(id + "\x00" + materialID))
		aid := materialID + "-" + hex.EncodeToString(tag[:4])
		app.Attachments = append(app.Attachments, kiosk.Attachment{ID: aid, MaterialID: materialID, Name: name,
			MediaType: mediaType, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))})
		files[aid] = b
		return aid
	}
	byName := map[string]MaterialChoice{}
	for _, m := range snap.Materials {
		byName[m.Spec.Name] = m
	}
	for _, spec := range it.Materials {
		m, ok := byName[spec.Name]
		if !ok || m.Mode == "" {
			continue
		}
		sub := kiosk.MaterialSubmission{SpecID: spec.ID, Name: spec.Name, Mode: m.Mode, DeferUntil: m.Due}
		switch m.Mode {
		case kiosk.MaterialScanned:
			sub.AttachmentIDs = []string{attach(spec.ID, spec.Name+".pdf", "application/pdf", m.PDF)}
		case kiosk.MaterialCommitted:
			if png := signs[m.Spec.ID]; len(png) > 0 {
				sub.AttachmentIDs = []string{attach(spec.ID, spec.Name+"-承诺签名.png", "image/png", png)}
			}
		}
		app.Materials = append(app.Materials, sub)
	}
	if err := app.Check(it); err != nil {
		return nil, nil, err
	}
	return app, files, nil
}

// Reprint prints the session's receipts again, one copy at a time. While a
// print is running (ErrPrintBusy) or while the printer cannot print
// (ErrPrinterNotReady: out of paper, cover open, unplugged) it prints and
// spools nothing, and says why in Snapshot.ReprintErr; the receipt stays
// on screen and the first failed print is already kept for reprinting.
func (s *Session) Reprint() error {
	var receipts []kiosk.Receipt
	var refuse error
	s.update(func() {
		s.touchLocked()
		switch {
		case len(s.s.Receipts) == 0:
			refuse = ErrNothingToPrint
			return
		case s.printing || s.s.Busy:
			refuse = ErrPrintBusy
		case !s.printerReadyLocked():
			refuse = ErrPrinterNotReady
		}
		s.s.ReprintErr = refuse
		if refuse != nil {
			return
		}
		receipts = append([]kiosk.Receipt(nil), s.s.Receipts...)
		s.printing, s.s.Busy = true, true
	})
	if refuse != nil {
		s.log.Info("reprint refused", "reason", refuse.Error())
		return refuse
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var err error
		for _, r := range receipts {
			if e := s.deps.Printer.Print(ctx, r); e != nil {
				err = e
			}
		}
		s.update(func() { s.printing, s.s.Busy = false, false; s.s.PrintErr = err })
	}()
	return nil
}

// CanPrintForms reports whether an A4 printer is configured.
func (s *Session) CanPrintForms() bool { return s.deps.Forms != nil }

// PrintForms prints the A4 form of every application of this visit.
func (s *Session) PrintForms() {
	if s.deps.Forms == nil {
		return
	}
	s.mu.Lock()
	apps := append([]*kiosk.Application(nil), s.apps...)
	s.mu.Unlock()
	s.update(func() { s.s.Busy = true; s.s.FormErr = nil })
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var err error
		for _, a := range apps {
			it, e := s.cat.Load().Item(a.ItemCode)
			if e == nil {
				e = s.deps.Forms.PrintForm(ctx, a, it)
			}
			if e != nil {
				s.log.Warn("form not printed", "acceptance_no", a.AcceptanceNo, "err", e)
				err = e
			}
		}
		s.update(func() { s.s.Busy = false; s.s.FormErr = err; s.s.FormsPrinted = err == nil })
	}()
}

// OpenRating shows the 好差评 screen.
func (s *Session) OpenRating() { s.update(func() { s.goLocked(ScreenRate) }) }

// Rate stores one rating per application of this visit (一次一评) and ends.
func (s *Session) Rate(level kiosk.RatingLevel, tags []string) error {
	if !level.Valid() {
		return kiosk.ErrRatingLevel
	}
	s.mu.Lock()
	apps := append([]*kiosk.Application(nil), s.apps...)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sort.Strings(tags)
	for _, a := range apps {
		r := kiosk.Rating{InstanceID: a.InstanceID, AcceptanceNo: a.AcceptanceNo, ItemCode: a.ItemCode, Level: level,
			Tags: tags, At: s.deps.Clock.Now(), Channel: "kiosk"}
		if err := s.deps.Store.SaveRating(ctx, r); err != nil {
			return fmt.Errorf("save rating: %w", err)
		}
	}
	s.update(func() { s.s.Rated = true })
	s.End()
	return nil
}
