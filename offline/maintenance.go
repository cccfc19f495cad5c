package offline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	kiosk "github.com/bianmin/kiosk"
)

// Checkpoint copies the write-ahead log into the database and truncates it
// (PRAGMA wal_checkpoint(TRUNCATE)), returning the log's size before. busy is
// set when a reader kept it from completing; it is then tried again the next
// night.
func (s *Store) Checkpoint(ctx context.Context) (busy bool, walBytes int64, err error) {
	if fi, err := os.Stat(filepath.Join(s.dir, "kiosk.db-wal")); err == nil {
		walBytes = fi.Size()
	}
	var b, logN, done int
	if err := s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&b, &logN, &done); err != nil {
		return false, 0, fmt.Errorf("checkpoint: %w", dbErr(err))
	}
	return b != 0, walBytes, nil
}

// IntegrityCheck runs PRAGMA integrity_check and returns the problems it
// lists (none: the database is sound).
func (s *Store) IntegrityCheck(ctx context.Context) ([]string, error) {
	rows, err := s.w.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return nil, fmt.Errorf("integrity check: %w", dbErr(err))
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return nil, fmt.Errorf("integrity check: %w", dbErr(err))
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	return problems, rows.Err()
}

// FreePages returns the database's free pages (left by purges) and its page
// count.
func (s *Store) FreePages(ctx context.Context) (free, total int64, err error) {
	if err := s.w.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
		return 0, 0, fmt.Errorf("freelist: %w", dbErr(err))
	}
	if err := s.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&total); err != nil {
		return 0, 0, fmt.Errorf("page count: %w", dbErr(err))
	}
	return free, total, nil
}

// ErrNoRoomToVacuum is returned by Vacuum when the disk could not hold the
// copy VACUUM writes (about the database's size) beside the reserve.
var ErrNoRoomToVacuum = errors.New("not enough free space to vacuum")

// Vacuum rebuilds the database when purges left at least minFree free pages,
// returning the pages given back to the file system. The store is created
// without auto_vacuum, so incremental vacuum is not available: VACUUM needs
// room for a copy of the database, checked first.
func (s *Store) Vacuum(ctx context.Context, minFree int64) (freed int64, err error) {
	free, total, err := s.FreePages(ctx)
	if err != nil || free < max(minFree, 1) {
		return 0, err
	}
	var pageSize int64
	if err := s.w.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
		return 0, fmt.Errorf("page size: %w", dbErr(err))
	}
	var fs unix.Statfs_t
	if err := unix.Statfs(s.dir, &fs); err != nil {
		return 0, fmt.Errorf("vacuum: %w", err)
	}
	if need := 2*total*pageSize + s.headroom; int64(fs.Bavail)*int64(fs.Bsize) < need {
		return 0, fmt.Errorf("vacuum: %w (%d bytes needed)", ErrNoRoomToVacuum, need)
	}
	if _, err := s.w.ExecContext(ctx, `VACUUM`); err != nil {
		return 0, fmt.Errorf("vacuum: %w", dbErr(err))
	}
	after, _, err := s.FreePages(ctx)
	if err != nil {
		return 0, err
	}
	return free - after, nil
}

// TrimRule removes regular files in Dir older than MaxAge (by modification
// time) whose name matches Pattern (filepath.Match; empty: every file).
// Subdirectories are left alone.
type TrimRule struct {
	Dir     string
	Pattern string
	MaxAge  time.Duration
}

// Trim applies the rule at now and returns how many files it removed. A
// missing directory trims nothing.
func (r TrimRule) Trim(now time.Time) (int, error) {
	ents, err := os.ReadDir(r.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("trim %s: %w", r.Dir, err)
	}
	n := 0
	var errs []error
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		if r.Pattern != "" {
			if ok, _ := filepath.Match(r.Pattern, e.Name()); !ok {
				continue
			}
		}
		fi, err := e.Info()
		if err != nil || now.Sub(fi.ModTime()) < r.MaxAge {
			continue
		}
		if err := os.Remove(filepath.Join(r.Dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// Window is a daily period in China time (kiosk.ChinaTime), such as
// 02:00-04:00; it may cross midnight (23:00-01:00).
type Window struct{ From, To time.Duration } // since China-time midnight

// ParseWindow parses "HH:MM-HH:MM".
func ParseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Window{}, fmt.Errorf("maintenance window %q: want HH:MM-HH:MM", s)
	}
	parse := func(v string) (time.Duration, error) {
		t, err := time.Parse("15:04", strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("maintenance window %q: %w", s, err)
		}
		return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
	}
	var w Window
	var err error
	if w.From, err = parse(from); err != nil {
		return Window{}, err
	}
	if w.To, err = parse(to); err != nil {
		return Window{}, err
	}
	if w.From == w.To {
		return Window{}, fmt.Errorf("maintenance window %q is empty", s)
	}
	return w, nil
}

// Open returns the window period containing now (ok) or else the next one.
func (w Window) Open(now time.Time) (start, end time.Time, ok bool) {
	c := now.In(kiosk.ChinaTime)
	midnight := time.Date(c.Year(), c.Month(), c.Day(), 0, 0, 0, 0, kiosk.ChinaTime)
	length := w.To - w.From
	if length < 0 {
		length += 24 * time.Hour
	}
	for _, day := range []int{-1, 0, 1} {
		start = midnight.AddDate(0, 0, day).Add(w.From)
		end = start.Add(length)
		if !now.Before(start) && now.Before(end) {
			return start, end, true
		}
		if now.Before(start) {
			return start, end, false
		}
	}
	return start, end, false // not reached: tomorrow's start is after now
}

// MaintenanceReport is what one night's maintenance did.
type MaintenanceReport struct {
	At          time.Time     `json:"at"`
	Took        time.Duration `json:"took"`
	Purged      int           `json:"purged"`
	WALBytes    int64         `json:"wal_bytes"` // the log's size before the checkpoint
	WALBusy     bool          `json:"wal_busy,omitempty"`
	Integrity   []string      `json:"integrity"` // problems; empty: ok
	FreedPages  int64         `json:"freed_pages"`
	Trimmed     int           `json:"trimmed"` // files and spooled receipts
	Interrupted bool          `json:"interrupted,omitempty"`
	Errors      []string      `json:"errors,omitempty"`
}

// IntegrityOK reports whether the integrity check found nothing.
func (r MaintenanceReport) IntegrityOK() bool { return len(r.Integrity) == 0 }

// Maintenance is the nightly maintenance service: once a night, within
// Window and only while Idle reports that no resident is present, it purges
// past retention, vacuums what purges freed, checkpoints the WAL (TRUNCATE),
// runs the integrity check and trims old files and spooled receipts.
// cmd/internal/terminal runs it under its supervisor beside Retention.
type Maintenance struct {
	Store     *Store
	Window    Window
	Retention time.Duration // DefaultRetention when zero
	// Idle reports that no resident is present (the session is on the
	// attract screen). Each step waits for it; a resident arriving stops
	// the night's remaining steps until the terminal is idle again.
	Idle func() bool
	// Trim rules (scan leftovers, old logs) and extra trimmers (the
	// receipt spool) run with the maintenance's clock.
	Trim     []TrimRule
	Trimmers []func(ctx context.Context, now time.Time) (int, error)
	MinFree  int64 // free pages worth a VACUUM [256]

	Now   func() time.Time                     // [Store's clock]
	After func(time.Duration) <-chan time.Time // [time.After]
	Poll  time.Duration                        // how often to ask Idle again while waiting [30 s]

	mu   sync.Mutex
	last *MaintenanceReport
}

// Last returns the last night's report (nil before the first).
func (m *Maintenance) Last() *MaintenanceReport {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last == nil {
		return nil
	}
	r := *m.last
	return &r
}

func (m *Maintenance) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return m.Store.now()
}

func (m *Maintenance) wait(ctx context.Context, d time.Duration) error {
	after := m.After
	if after == nil {
		after = time.After
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-after(max(d, 0)):
		return ctx.Err()
	}
}

// Serve runs the nightly maintenance until ctx ends.
func (m *Maintenance) Serve(ctx context.Context) error {
	poll := m.Poll
	if poll <= 0 {
		poll = 30 * time.Second
	}
	var doneUntil time.Time // end of the window already served
	for {
		now := m.now()
		start, end, open := m.Window.Open(now)
		if !open || !end.After(doneUntil) {
			if open { // served tonight: the next window
				start, end, _ = m.Window.Open(end)
			}
			if err := m.wait(ctx, start.Sub(now)); err != nil {
				return err
			}
			continue
		}
		if m.Idle != nil && !m.Idle() {
			if err := m.wait(ctx, min(poll, end.Sub(now))); err != nil {
				return err
			}
			if !m.now().Before(end) {
				m.Store.log.Warn("maintenance skipped tonight: a resident was present throughout the window")
				doneUntil = end
			}
			continue
		}
		rep := m.RunOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if !rep.Interrupted {
			doneUntil = end
		}
	}
}

// RunOnce runs every step now, stopping before the next step when Idle turns
// false (Interrupted), logs the result and keeps it for Last.
func (m *Maintenance) RunOnce(ctx context.Context) MaintenanceReport {
	t0 := m.now()
	rep := MaintenanceReport{At: t0.UTC()}
	fail := func(step string, err error) {
		rep.Errors = append(rep.Errors, step+": "+err.Error())
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"purge", func() (err error) { rep.Purged, err = m.Store.Purge(ctx, t0, m.Retention); return }},
		{"vacuum", func() (err error) {
			minFree := m.MinFree
			if minFree <= 0 {
				minFree = 256
			}
			rep.FreedPages, err = m.Store.Vacuum(ctx, minFree)
			return
		}},
		// After the vacuum, which writes through the log again.
		{"checkpoint", func() (err error) { rep.WALBusy, rep.WALBytes, err = m.Store.Checkpoint(ctx); return }},
		{"integrity", func() (err error) { rep.Integrity, err = m.Store.IntegrityCheck(ctx); return }},
		{"trim", func() error {
			var errs []error
			for _, r := range m.Trim {
				n, err := r.Trim(t0)
				rep.Trimmed += n
				errs = append(errs, err)
			}
			for _, f := range m.Trimmers {
				n, err := f(ctx, t0)
				rep.Trimmed += n
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		}},
	}
	for _, st := range steps {
		if ctx.Err() != nil {
			rep.Interrupted = true
			break
		}
		if m.Idle != nil && !m.Idle() {
			rep.Interrupted = true
			break
		}
		if err := st.run(); err != nil {
			fail(st.name, err)
		}
	}
	rep.Took = m.now().Sub(t0)
	log := m.Store.log
	switch {
	case len(rep.Integrity) > 0:
		log.Error("maintenance: integrity check found problems", "problems", len(rep.Integrity), "first", rep.Integrity[0])
	case rep.Interrupted:
		log.Info("maintenance interrupted: a resident arrived", "purged", rep.Purged)
	default:
		log.Info("maintenance done", "purged", rep.Purged, "wal_bytes", rep.WALBytes, "integrity", "ok",
			"freed_pages", rep.FreedPages, "trimmed", rep.Trimmed, "errors", len(rep.Errors))
	}
	for _, e := range rep.Errors {
		log.Warn("maintenance step failed", "err", e)
	}
	m.mu.Lock()
	m.last = &rep
	m.mu.Unlock()
	return rep
}
