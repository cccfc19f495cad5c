package relay

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/client"
)

var _ Platform = (*client.Client)(nil)

// Platform is what the relay needs of the platform; *client.Client has it.
type Platform interface {
	PutApplication(ctx context.Context, a *kiosk.Application) (created bool, err error)
	Upload(ctx context.Context, instanceID string, att kiosk.Attachment, r io.ReadSeeker, uploadPath string, progress client.ProgressFunc) error
	Complete(ctx context.Context, instanceID string) (*api.CompleteResult, error)
	Catalog(ctx context.Context) (*api.SignedCatalog, error)
	Status(ctx context.Context, cursor string, limit int) (*api.StatusPage, error)
	SendRating(ctx context.Context, r kiosk.Rating) (created bool, err error)
	Heartbeat(ctx context.Context, hb api.Heartbeat) (*api.HeartbeatResult, error)
}

// Config tunes a Relay. Zero values take the defaults in brackets.
type Config struct {
	BackoffBase    time.Duration     // first retry delay ceiling [2 s]
	BackoffCap     time.Duration     // largest retry delay ceiling [10 min]
	PollEvery      time.Duration     // how often Serve looks for due applications while some wait [5 s]
	IdlePollEvery  time.Duration     // the same with none waiting; Kick drains at once [1 min; PollEvery if only that is set]
	CatalogEvery   time.Duration     // catalogue pull [1 h]
	StatusEvery    time.Duration     // status feed pull [1 min]
	RatingsEvery   time.Duration     // ratings send [1 min]
	HeartbeatEvery time.Duration     // heartbeat [5 min]
	MaxClockSkew   time.Duration     // local clock vs the platform's beyond which Status reports a skew [2 min]
	CatalogKey     ed25519.PublicKey // verifies the signed catalogue; nil: catalogue pulling off
	Terminal       string            // station code + terminal number, for heartbeats
	Versions       map[string]string // reported in heartbeats
	DeviceStates   func() []kiosk.DeviceStatus
	// Facts reads what the terminal knows beyond the relay (disk, queue
	// age, catalogue in use) for each heartbeat; nil sends none of them.
	Facts      func(ctx context.Context) (Facts, error)
	OnProgress func(Progress) // called after every acknowledged chunk (must not block)
	OnConn     func(Conn)     // called after the link state changed (must not block)
	OnCatalog  func(version int64, catalog json.RawMessage)
	Now        func() time.Time // [time.Now]
	Rand       func() float64   // uniform in [0,1) for jitter [math/rand/v2]
}

func (c *Config) defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.BackoffBase, 2*time.Second)
	def(&c.BackoffCap, 10*time.Minute)
	if c.IdlePollEvery <= 0 && c.PollEvery > 0 {
		c.IdlePollEvery = c.PollEvery
	}
	def(&c.PollEvery, 5*time.Second)
	def(&c.IdlePollEvery, time.Minute)
	def(&c.CatalogEvery, time.Hour)
	def(&c.StatusEvery, time.Minute)
	def(&c.RatingsEvery, time.Minute)
	def(&c.HeartbeatEvery, 5*time.Minute)
	def(&c.MaxClockSkew, 2*time.Minute)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
}

// Facts are the terminal's facts a heartbeat carries besides the relay's own
// (uptime, clock skew, queue depth): the same the metrics expose.
type Facts struct {
	DiskFree, DiskSize uint64
	OldestPending      time.Duration
	PendingBytes       int64
	CatalogVersion     int64 // of the catalogue in use
	CatalogExpires     time.Time
	Degraded           []string
}

// Conn is the relay's view of the link to the platform.
type Conn string

// Link states.
const (
	Online  Conn = "online"
	Offline Conn = "offline"
	Syncing Conn = "syncing"
)

// Status is a snapshot of the relay for the UI, the dock and kioskctl.
type Status struct {
	Conn        Conn       `json:"conn"`
	LastError   string     `json:"last_error,omitempty"` // no personal data
	LastSuccess time.Time  `json:"last_success"`
	Submitted   int        `json:"submitted"` // since start
	Failed      int        `json:"failed"`    // attempts failed since start
	Progress    []Progress `json:"progress"`
	Catalog     int64      `json:"catalog_version"`
	// ClockSkew is the platform's clock minus ours at the last heartbeat;
	// ClockSkewed is set while it exceeds Config.MaxClockSkew (acceptance
	// numbers and times on receipts are then suspect).
	ClockSkew   time.Duration `json:"clock_skew"`
	ClockSkewed bool          `json:"clock_skewed,omitempty"`
}

// Progress is one attachment's upload progress.
type Progress struct {
	InstanceID   string `json:"instance_id"`
	AttachmentID string `json:"attachment_id"`
	Sent         int64  `json:"sent"`
	Size         int64  `json:"size"`
}

// Relay moves the outbox to the platform. Create with New.
type Relay struct {
	out Outbox
	p   Platform
	cfg Config
	log *slog.Logger

	drain sync.Mutex // one drain at a time

	mu       sync.Mutex
	st       Status
	progress map[string]Progress // key instance/attachment
	attempts map[string]int      // failed attempts per instance since start
	hold     map[string]hold     // failures the outbox could not record

	started time.Time                            // for the heartbeat's uptime
	after   func(time.Duration) <-chan time.Time // the heartbeat loop's timer (tests)
	kick    chan struct{}                        // Kick: drain now
}

// New makes a relay. logger nil discards.
func New(out Outbox, p Platform, cfg Config, logger *slog.Logger) *Relay {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Relay{out: out, p: p, cfg: cfg, log: logger, st: Status{Conn: Offline},
		progress: map[string]Progress{}, attempts: map[string]int{}, hold: map[string]hold{},
		started: cfg.Now(), after: time.After, kick: make(chan struct{}, 1)}
}

// Backoff is the delay before retry number attempt (1 for the first retry):
// full jitter, uniformly random in [0, min(cap, base·2^(attempt-1))).
func Backoff(attempt int, base, cap time.Duration, rnd float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	ceil := cap
	if attempt-1 < 40 {
		if d := base << (attempt - 1); d > 0 && d < cap {
			ceil = d
		}
	}
	return time.Duration(rnd * float64(ceil))
}

// Status returns a snapshot.
func (r *Relay) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.st
	s.Progress = make([]Progress, 0, len(r.progress))
	for _, p := range r.progress {
		s.Progress = append(s.Progress, p)
	}
	sort.Slice(s.Progress, func(i, j int) bool {
		a, b := s.Progress[i], s.Progress[j]
		return a.InstanceID+a.AttachmentID < b.InstanceID+b.AttachmentID
	})
	return s
}

// Progress returns the upload progress of attachments in flight.
func (r *Relay) Progress() []Progress { return r.Status().Progress }

func (r *Relay) setConn(c Conn) {
	r.mu.Lock()
	was := r.st.Conn
	r.st.Conn = c
	r.mu.Unlock()
	r.connChanged(was, c)
}

// connChanged tells Config.OnConn of a change of the link state (called
// outside r.mu).
func (r *Relay) connChanged(was, now Conn) {
	if was != now && r.cfg.OnConn != nil {
		r.cfg.OnConn(now)
	}
}

// observe records the outcome of a platform exchange for the link state.
func (r *Relay) observe(err error) {
	r.mu.Lock()
	was := r.st.Conn
	r.observeLocked(err)
	now := r.st.Conn
	r.mu.Unlock()
	r.connChanged(was, now)
}

func (r *Relay) observeLocked(err error) {
	if err == nil {
		r.st.LastSuccess = r.cfg.Now()
		if r.st.Conn == Offline {
			r.st.Conn = Online
		}
		return
	}
	r.st.LastError = err.Error()
	var se *client.StatusError
	if !errors.As(err, &se) || errors.Is(err, client.ErrServer) {
		r.st.Conn = Offline // transport failure, captive portal, 5xx
	}
}

func (r *Relay) setProgress(p Progress) {
	r.mu.Lock()
	r.progress[p.InstanceID+"/"+p.AttachmentID] = p
	r.mu.Unlock()
	if r.cfg.OnProgress != nil {
		r.cfg.OnProgress(p)
	}
}

func (r *Relay) clearProgress(id string, atts []kiosk.Attachment) {
	r.mu.Lock()
	for _, a := range atts {
		delete(r.progress, id+"/"+a.ID)
	}
	r.mu.Unlock()
}

// DrainOnce sends every application due now (the outbox gives the smallest
// first, so forms go before large attachments), with up to inFlight
// applications on the way at once: while one upload streams, the next
// application's creation and upload creation, and the previous one's
// completion, wait out their round trips beside it instead of leaving the
// link idle. Each application is sent by one goroutine only (the others
// skip it). Each failure is recorded with its next attempt time; DrainOnce
// returns the failures joined, or nil when every due application was
// submitted.
func (r *Relay) DrainOnce(ctx context.Context) error {
	r.drain.Lock()
	defer r.drain.Unlock()
	var errs []error
	// Each application is tried at most once per pass: one that failed (it
	// may be due again at once: full jitter, or a failure the outbox could
	// not record) is skipped for the rest of the pass, and one whose failure
	// could not be recorded waits in memory; the others behind it are still
	// tried. A submitted one leaves the pending set by itself. After
	// maxSkip failures the pass ends (the skip list stays small).
	tried := r.held(r.cfg.Now())
	sent := map[string]bool{}
	type result struct {
		id  string
		err error
	}
	results := make(chan result, inFlight)
	busy := map[string]bool{} // in flight
	finish := func(res result) {
		delete(busy, res.id)
		if res.err != nil {
			if ctx.Err() != nil {
				return // shutting down: not the application's fault
			}
			errs = append(errs, fmt.Errorf("%s: %w", res.id, res.err))
			r.fail(ctx, res.id, res.err)
			tried = append(tried, res.id)
			return
		}
		sent[res.id] = true
		r.mu.Lock()
		delete(r.attempts, res.id)
		r.st.Submitted++
		r.mu.Unlock()
	}
	var loopErr error
	for {
		// Wait for one in flight when all slots are taken, or when its
		// failure could end the pass (maxSkip counts failures).
		if len(busy) >= inFlight || len(busy) > 0 && len(tried)+len(busy) >= maxSkip {
			finish(<-results)
			continue
		}
		if err := ctx.Err(); err != nil {
			loopErr = err
			break
		}
		skip := append(slices.Clone(tried), slices.Sorted(maps.Keys(busy))...)
		a, err := r.out.NextDue(ctx, r.cfg.Now(), skip...)
		if errors.Is(err, ErrNoneDue) {
			if len(busy) > 0 { // one in flight may fail and free nothing, or finish: look again after
				finish(<-results)
				continue
			}
			break
		}
		if err != nil {
			loopErr = fmt.Errorf("relay: next due: %w", err)
			break
		}
		if sent[a.InstanceID] || busy[a.InstanceID] || slices.Contains(tried, a.InstanceID) || len(tried) >= maxSkip {
			if len(busy) > 0 {
				finish(<-results)
				continue
			}
			break // an outbox that ignores skip or did not move it on: do not spin
		}
		r.setConn(Syncing)
		// Taken up here, in the order NextDue gave (smallest first); the
		// requests then run beside the one already in flight.
		if err := r.out.MarkUploading(ctx, a.InstanceID); err != nil {
			finish(result{a.InstanceID, fmt.Errorf("mark uploading: %w", err)})
			continue
		}
		busy[a.InstanceID] = true
		go func() { results <- result{a.InstanceID, r.send(ctx, a)} }()
	}
	for len(busy) > 0 {
		finish(<-results)
	}
	if loopErr != nil {
		return loopErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	was := r.st.Conn
	if r.st.Conn == Syncing {
		r.st.Conn = Online
	}
	now := r.st.Conn
	r.mu.Unlock()
	r.connChanged(was, now)
	return errors.Join(errs...)
}

// inFlight is how many applications DrainOnce has on the way at once: two
// keep a link busy through the round trips of one application's requests.
const inFlight = 2

func (r *Relay) fail(ctx context.Context, id string, err error) {
	r.mu.Lock()
	_, known := r.attempts[id]
	r.mu.Unlock()
	if !known { // first failure since this process started: continue the count
		if n, aerr := r.out.Attempts(ctx, id); aerr == nil {
			r.mu.Lock()
			if _, ok := r.attempts[id]; !ok {
				r.attempts[id] = n
			}
			r.mu.Unlock()
		}
	}
	r.mu.Lock()
	r.attempts[id]++
	n := r.attempts[id]
	r.st.Failed++
	r.mu.Unlock()
	d := Backoff(n, r.cfg.BackoffBase, r.cfg.BackoffCap, r.cfg.Rand())
	if client.Permanent(err) {
		d = r.cfg.BackoffCap // will not get better by itself; keep it visible, try rarely
	}
	msg := err.Error()
	if len(msg) > 300 {
		msg = msg[:300]
	}
	now := r.cfg.Now()
	if merr := r.out.MarkFailed(ctx, id, msg, now.Add(d)); merr != nil {
		r.log.Error("mark failed", "instance", id, "err", merr)
		r.mu.Lock()
		r.hold[id] = hold{from: now, until: now.Add(d)}
		r.mu.Unlock()
	} else {
		r.mu.Lock()
		delete(r.hold, id)
		r.mu.Unlock()
	}
	r.log.Warn("send failed", "instance", id, "attempt", n, "retry_in", d.Round(time.Millisecond), "err", msg)
}

// maxSkip bounds the failures of one pass (and so the skip list NextDue
// gets).
const maxSkip = 256

// hold keeps an application out of the drain in memory when its failure
// could not be recorded in the outbox.
type hold struct{ from, until time.Time }

// held returns the instance IDs still held at now. A hold ends at its time,
// or at once when the clock went back past the moment it was set (a
// corrected clock must not keep an application waiting).
func (r *Relay) held(now time.Time) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ids []string
	for id, h := range r.hold {
		if now.Before(h.from) || !now.Before(h.until) {
			delete(r.hold, id)
			continue
		}
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// send does one application, marked uploading: form, attachments,
// completion.
func (r *Relay) send(ctx context.Context, a *kiosk.Application) error {
	_, err := r.p.PutApplication(ctx, a)
	r.observe(err)
	if err != nil {
		return err
	}
	defer r.clearProgress(a.InstanceID, a.Attachments)
	for _, att := range a.Attachments {
		if err := r.upload(ctx, a.InstanceID, att); err != nil {
			return fmt.Errorf("attachment %s: %w", att.ID, err)
		}
	}
	res, err := r.p.Complete(ctx, a.InstanceID)
	r.observe(err)
	if errors.Is(err, client.ErrIncomplete) {
		// The platform lacks some attachment or holds bad bytes: start those
		// uploads afresh next time.
		var se *client.StatusError
		var det api.IncompleteDetail
		if errors.As(err, &se) && json.Unmarshal(se.Data, &det) == nil {
			for _, id := range det.Missing {
				r.out.SetUploadProgress(ctx, a.InstanceID, id, "", 0)
			}
		}
		return err
	}
	if err != nil {
		return err
	}
	if err := confirm(a, res); err != nil {
		return err
	}
	if err := r.out.MarkSubmitted(ctx, a.InstanceID, res.SubmittedAt); err != nil {
		return fmt.Errorf("mark submitted: %w", err)
	}
	r.log.Info("submitted", "instance", a.InstanceID, "attachments", len(a.Attachments))
	return nil
}

// confirm checks the platform's receipt against what we hold: it must name
// this application and every attachment with our sha256 and size.
func confirm(a *kiosk.Application, res *api.CompleteResult) error {
	if res == nil || res.InstanceID != a.InstanceID {
		return fmt.Errorf("complete: the platform's receipt is for another application: %w", client.ErrNotPlatform)
	}
	got := map[string]api.AttachmentReceipt{}
	for _, r := range res.Attachments {
		got[r.ID] = r
	}
	for _, at := range a.Attachments {
		r, ok := got[at.ID]
		if !ok || r.SHA256 != at.SHA256 || r.Size != at.Size {
			return fmt.Errorf("complete: platform confirmed attachment %s wrongly: %w", at.ID, client.ErrNotPlatform)
		}
	}
	return nil
}

func (r *Relay) upload(ctx context.Context, id string, att kiosk.Attachment) error {
	path, off, err := r.out.UploadProgress(ctx, id, att.ID)
	if err != nil {
		return fmt.Errorf("upload progress: %w", err)
	}
	r.setProgress(Progress{InstanceID: id, AttachmentID: att.ID, Sent: off, Size: att.Size})
	f, err := r.out.OpenAttachment(ctx, id, att.ID)
	if err != nil {
		return fmt.Errorf("open attachment: %w", err)
	}
	defer f.Close()
	err = r.p.Upload(ctx, id, att, f, path, func(p string, o int64) error {
		r.observe(nil)
		r.setProgress(Progress{InstanceID: id, AttachmentID: att.ID, Sent: o, Size: att.Size})
		return r.out.SetUploadProgress(ctx, id, att.ID, p, o)
	})
	r.observe(err)
	if errors.Is(err, client.ErrChecksum) {
		r.out.SetUploadProgress(ctx, id, att.ID, "", 0) // start afresh next time
	}
	return err
}

// Serve runs the drain loop and the periodic pullers until ctx ends.
func (r *Relay) Serve(ctx context.Context) error {
	var wg sync.WaitGroup
	every := func(d time.Duration, name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if err := f(ctx); err != nil && ctx.Err() == nil {
					r.log.Warn(name, "err", err)
				}
				t := time.NewTimer(d)
				select {
				case <-ctx.Done():
					t.Stop()
					return
				case <-t.C:
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.drainLoop(ctx)
	}()
	if r.cfg.CatalogKey != nil {
		every(r.cfg.CatalogEvery, "catalog", r.PullCatalog)
	}
	every(r.cfg.StatusEvery, "status", r.PullStatus)
	every(r.cfg.RatingsEvery, "ratings", r.SendRatings)
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.heartbeats(ctx)
	}()
	wg.Wait()
	return ctx.Err()
}

// Kick asks Serve to drain now (an application was enqueued), instead of
// at its next poll. It never blocks.
func (r *Relay) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// drainLoop drains, then waits PollEvery while applications wait (their
// retries come due on their backoff), IdlePollEvery when none does, or
// until Kick.
func (r *Relay) drainLoop(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	for {
		if err := r.DrainOnce(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("drain", "err", err)
		}
		wait := r.cfg.PollEvery
		if n, err := r.out.Depth(ctx); err == nil && n == 0 {
			wait = r.cfg.IdlePollEvery
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-r.kick:
			t.Stop()
		}
	}
}

// HeartbeatPhase is the offset of a terminal's heartbeats within the
// interval: uniformly random in [0, every), so that 20 000 terminals switched
// on together (a province-wide power cut ending) do not report in the same
// second, and each then keeps its own phase.
func HeartbeatPhase(every time.Duration, rnd float64) time.Duration {
	if rnd < 0 || rnd >= 1 {
		rnd = 0
	}
	return time.Duration(float64(every) * rnd)
}

// heartbeats sends the first heartbeat after a random phase within the
// interval and then one every interval.
func (r *Relay) heartbeats(ctx context.Context) {
	wait := HeartbeatPhase(r.cfg.HeartbeatEvery, r.cfg.Rand())
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.after(wait):
		}
		if err := r.SendHeartbeat(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("heartbeat", "err", err)
		}
		wait = r.cfg.HeartbeatEvery
	}
}
