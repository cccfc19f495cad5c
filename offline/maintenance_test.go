package offline

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// TestMaintenanceRunOnce: on a real store with 40 finished applications past
// retention, one night's run purges them, leaves the WAL empty (TRUNCATE),
// finds the database sound, gives the purged pages back (the free list is
// empty afterwards) and trims old scan leftovers and spooled receipts but not
// fresh ones. Kills: dropping the checkpoint (the -wal file keeps its size),
// dropping the vacuum (free pages stay), trimming by the wrong age.
func TestMaintenanceRunOnce(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	dir := t.TempDir()
	s := openTest(t, dir, WithClock(clk.now))
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 40 {
		a, f := testApp(i+1, "11010519491231002X", 2, 200, rng)
		if err := s.Enqueue(ctx, a, f); err != nil {
			t.Fatal(err)
		}
		s.MarkSubmitted(ctx, a.InstanceID, clk.now())
		s.ApplyStatus(ctx, a.InstanceID, kiosk.StateCompleted, clk.now(), "办结，请携带身份证原件到窗口领取证照")
	}
	clk.add(8 * 24 * time.Hour)
	scans := filepath.Join(dir, "scans")
	os.MkdirAll(scans, 0o700)
	for name, age := range map[string]time.Duration{"old.pnm": 48 * time.Hour, "new.pnm": time.Minute} {
		p := filepath.Join(scans, name)
		os.WriteFile(p, []byte("page"), 0o600)
		os.Chtimes(p, clk.now().Add(-age), clk.now().Add(-age))
	}
	var spoolTrimmedBefore time.Time
	m := &Maintenance{Store: s, MinFree: 1,
		Trim: []TrimRule{{Dir: scans, MaxAge: 24 * time.Hour}},
		Trimmers: []func(context.Context, time.Time) (int, error){func(_ context.Context, now time.Time) (int, error) {
			spoolTrimmedBefore = now
			return 2, nil
		}},
	}
	rep := m.RunOnce(ctx)
	if rep.Purged != 40 || len(rep.Errors) != 0 || rep.Interrupted {
		t.Fatalf("report %+v", rep)
	}
	if !rep.IntegrityOK() {
		t.Errorf("integrity problems on a sound store: %v", rep.Integrity)
	}
	if rep.WALBytes == 0 || rep.WALBusy {
		t.Errorf("checkpoint: wal %d bytes before, busy %v", rep.WALBytes, rep.WALBusy)
	}
	if fi, err := os.Stat(filepath.Join(dir, "kiosk.db-wal")); err == nil && fi.Size() != 0 {
		t.Errorf("wal %d bytes after the night's wal_checkpoint(TRUNCATE)", fi.Size())
	}
	if rep.FreedPages == 0 {
		t.Error("vacuum freed nothing after purging 40 applications")
	}
	if free, _, _ := s.FreePages(ctx); free != 0 {
		t.Errorf("%d free pages left after the vacuum", free)
	}
	if _, err := os.Stat(filepath.Join(scans, "old.pnm")); !os.IsNotExist(err) {
		t.Error("a two-day-old scan leftover was kept")
	}
	if _, err := os.Stat(filepath.Join(scans, "new.pnm")); err != nil {
		t.Error("a fresh scan was trimmed")
	}
	if rep.Trimmed != 3 || !spoolTrimmedBefore.Equal(clk.now()) {
		t.Errorf("trimmed %d (want 1 file + 2 receipts), spool trimmed at %v", rep.Trimmed, spoolTrimmedBefore)
	}
	if m.Last() == nil || m.Last().Purged != 40 {
		t.Error("Last does not expose the night's report")
	}
}

// TestIntegrityCheckFindsDamage: an index's root page overwritten on disk is
// reported by the integrity check (the result a technician sees).
func TestIntegrityCheckFindsDamage(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 30 {
		a, f := testApp(i+1, "11010519491231002X", 1, 100, rng)
		if err := s.Enqueue(ctx, a, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	var root, pageSize int64
	if err := s.w.QueryRowContext(ctx, `SELECT rootpage FROM sqlite_master WHERE type='index' AND sql IS NOT NULL ORDER BY rootpage DESC LIMIT 1`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	s.w.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize)
	s.Close()
	f, err := os.OpenFile(filepath.Join(dir, "kiosk.db"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Scramble the index's root page.
	f.WriteAt(bytes.Repeat([]byte{0x5a}, int(pageSize)), (root-1)*pageSize)
	f.Close()
	s = openTest(t, dir)
	problems, err := s.IntegrityCheck(ctx)
	if err == nil && len(problems) == 0 {
		t.Fatal("integrity check passed a damaged index")
	}
	t.Logf("problems: %v err: %v", problems, err)
}

type waitRec struct {
	clk    *fakeClock
	waits  []time.Duration
	cancel context.CancelFunc
	stopAt int
}

func (w *waitRec) after(d time.Duration) <-chan time.Time {
	w.waits = append(w.waits, d)
	w.clk.add(d)
	if len(w.waits) >= w.stopAt {
		w.cancel()
	}
	ch := make(chan time.Time, 1)
	ch <- w.clk.now()
	return ch
}

// TestMaintenanceWaitsForTheWindowAndAnEmptyScreen: at 01:00 China time the
// service waits for 02:00, then, a resident being present, asks again every
// poll; it runs once the session is back on the attract screen, then waits
// for the next night. Kills: ignoring Idle (running at 02:00 with a resident
// at the screen), ignoring the window, running twice a night.
func TestMaintenanceWaitsForTheWindowAndAnEmptyScreen(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 1, 1, 0, 0, 0, kiosk.ChinaTime)}
	s := openTest(t, t.TempDir(), WithClock(clk.now))
	w, _ := ParseWindow("02:00-04:00")
	ctx, cancel := context.WithCancel(context.Background())
	rec := &waitRec{clk: clk, cancel: cancel, stopAt: 5}
	asks := 0
	var ranAt []time.Time
	m := &Maintenance{Store: s, Window: w, Poll: 30 * time.Second, After: rec.after, Now: clk.now,
		Idle: func() bool {
			asks++
			idle := asks > 3 // a resident at the screen for the first three asks
			if idle {
				ranAt = append(ranAt, clk.now())
			}
			return idle
		}}
	m.Serve(ctx)
	want := []time.Duration{time.Hour, 30 * time.Second, 30 * time.Second, 30 * time.Second}
	if len(rec.waits) < 5 {
		t.Fatalf("waits %v", rec.waits)
	}
	for i, d := range want {
		if rec.waits[i] != d {
			t.Fatalf("wait %d = %v, want %v (all: %v)", i, rec.waits[i], d, rec.waits)
		}
	}
	if m.Last() == nil {
		t.Fatal("no maintenance ran")
	}
	at := m.Last().At.In(kiosk.ChinaTime)
	if at.Hour() != 2 || at.Minute() != 1 || at.Second() != 30 {
		t.Errorf("ran at %v, want 02:01:30 once the screen was free", at)
	}
	if next := rec.waits[4]; next != 24*time.Hour-90*time.Second {
		t.Errorf("after the run the service waits %v, want until 02:00 tomorrow", next)
	}
}

// TestMaintenanceSkipsANightWithAResidentThroughout: nothing runs while a
// resident is present, the night is given up at the window's end (logged),
// and the service waits for the next one.
func TestMaintenanceSkipsANightWithAResidentThroughout(t *testing.T) {
	clk := &fakeClock{t: time.Date(2026, 12, 1, 3, 59, 0, 0, kiosk.ChinaTime)}
	logs := &bytes.Buffer{}
	s := openTest(t, t.TempDir(), WithClock(clk.now), WithLogger(slog.New(slog.NewTextHandler(logs, nil))))
	w, _ := ParseWindow("02:00-04:00")
	ctx, cancel := context.WithCancel(context.Background())
	rec := &waitRec{clk: clk, cancel: cancel, stopAt: 4}
	m := &Maintenance{Store: s, Window: w, After: rec.after, Now: clk.now, Idle: func() bool { return false }}
	m.Serve(ctx)
	if m.Last() != nil {
		t.Fatal("maintenance ran with a resident present")
	}
	if rec.waits[0] != 30*time.Second || rec.waits[1] != 30*time.Second || rec.waits[2] != 22*time.Hour {
		t.Errorf("waits %v, want 30s, 30s (the window's end) and then 22h", rec.waits)
	}
	if !bytes.Contains(logs.Bytes(), []byte("skipped tonight")) {
		t.Error("the skipped night was not logged")
	}
}

func TestParseWindow(t *testing.T) {
	w, err := ParseWindow("23:30-01:00")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 0, 15, 0, 0, kiosk.ChinaTime)
	start, end, open := w.Open(now)
	if !open || start.Day() != 1 || end.Sub(start) != 90*time.Minute {
		t.Errorf("across midnight: %v–%v open %v", start, end, open)
	}
	for _, bad := range []string{"", "2-4", "02:00", "02:00-02:00", "25:00-26:00"} {
		if _, err := ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) accepted", bad)
		}
	}
}
