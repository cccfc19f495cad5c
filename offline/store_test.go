package offline

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/relay"
)

var _ relay.Outbox = (*Store)(nil)

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	var v int
	if err := s.r.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() || v < 1 {
		t.Fatalf("user_version = %d, %v; want %d", v, err, SchemaVersion())
	}
	var mode string
	s.w.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Errorf("journal_mode = %q, want wal", mode)
	}
	var sync int
	s.w.QueryRow("PRAGMA synchronous").Scan(&sync)
	if sync != 2 {
		t.Errorf("writer synchronous = %d, want 2 (FULL)", sync)
	}
	if _, err := s.NextAcceptanceSeq(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Re-open: nothing re-applied, data kept.
	s = openTest(t, dir)
	var n int
	s.r.QueryRow("SELECT count(*) FROM schema_migrations").Scan(&n)
	if n != SchemaVersion() {
		t.Errorf("schema_migrations rows = %d, want %d", n, SchemaVersion())
	}
	if seq, _ := s.NextAcceptanceSeq(ctx, time.Now()); seq != 2 {
		t.Errorf("sequence after re-open = %d, want 2", seq)
	}
	if _, err := s.w.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A newer schema is refused.
	_, err := Open(ctx, dir, testKey)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open newer schema: %v, want ErrSchemaTooNew", err)
	}
}

func TestReaderIsReadOnly(t *testing.T) {
	s := openTest(t, t.TempDir())
	if _, err := s.r.Exec(`INSERT INTO cursors(name, value) VALUES ('x', 'y')`); err == nil {
		t.Fatal("write through the read pool succeeded")
	}
}

func TestAcceptanceSeqPerDay(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	// Days are China's: 15:59 UTC is 23:59 in China, two minutes later is
	// the next day there (and still the same day in UTC).
	d1 := time.Date(2026, 11, 23, 15, 59, 0, 0, time.UTC)
	d2 := d1.Add(2 * time.Minute)
	for i, tt := range []struct {
		day  time.Time
		want int
	}{{d1, 1}, {d1, 2}, {d2, 1}, {d1, 3}, {d2, 2}} {
		got, err := s.NextAcceptanceSeq(ctx, tt.day)
		if err != nil || got != tt.want {
			t.Errorf("%d: NextAcceptanceSeq(%s) = %d, %v; want %d", i, tt.day.Format("01-02"), got, err, tt.want)
		}
	}
}

func TestEnqueueGetRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	app, files := testApp(1, "11010519491231002X", 2, 3000, rng)
	if err := s.Enqueue(ctx, app, files); err != nil {
		t.Fatal(err)
	}
	if app.State != kiosk.StateQueued {
		t.Errorf("app.State = %q", app.State)
	}
	got, err := s.Get(ctx, app.InstanceID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, app) {
		t.Errorf("Get = %+v\nwant %+v", got, app)
	}
	for id, want := range files {
		rc, err := s.OpenAttachment(ctx, app.InstanceID, id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, want) {
			t.Errorf("attachment %s differs", id)
		}
	}
	if _, err := s.Get(ctx, "no-such"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get unknown: %v", err)
	}
	if _, err := s.OpenAttachment(ctx, app.InstanceID, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("OpenAttachment unknown: %v", err)
	}
}

func TestEnqueueIdempotentAndConflict(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	app, files := testApp(1, "11010519491231002X", 1, 100, rng)
	if err := s.Enqueue(ctx, app, files); err != nil {
		t.Fatal(err)
	}
	again := *app
	again.State = kiosk.StateDraft
	if err := s.Enqueue(ctx, &again, files); err != nil {
		t.Fatalf("same content again: %v", err)
	}
	changed := *app
	changed.Form = map[string]string{"name": "李四"}
	if err := s.Enqueue(ctx, &changed, files); !errors.Is(err, ErrConflict) {
		t.Fatalf("different content: %v, want ErrConflict", err)
	}
	other, ofiles := testApp(1, "11010519491231002X", 0, 0, rng) // same acceptance number, new instance
	if err := s.Enqueue(ctx, other, ofiles); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate acceptance number: %v, want ErrConflict", err)
	}
	// Without attachments the INSERT itself decides.
	bare, _ := testApp(7, "11010519491231002X", 0, 0, rng)
	if err := s.Enqueue(ctx, bare, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, bare, nil); err != nil {
		t.Errorf("same bare application again: %v", err)
	}
	bare2 := *bare
	bare2.ItemCode = "other"
	if err := s.Enqueue(ctx, &bare2, nil); !errors.Is(err, ErrConflict) {
		t.Errorf("bare application changed: %v, want ErrConflict", err)
	}
	if n, _ := s.Depth(ctx); n != 2 {
		t.Errorf("Depth = %d, want 2", n)
	}
	entries, _ := os.ReadDir(filepath.Join(s.attDir, app.InstanceID))
	if len(entries) != 1 {
		t.Errorf("%d files for one attachment, want 1", len(entries))
	}
}

func TestEnqueueRejectsBadFiles(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		name  string
		spoil func(*kiosk.Application, map[string][]byte)
	}{
		{"missing file", func(a *kiosk.Application, f map[string][]byte) { delete(f, "att0") }},
		{"wrong hash", func(a *kiosk.Application, f map[string][]byte) { f["att0"][0] ^= 1 }},
		{"wrong size", func(a *kiosk.Application, f map[string][]byte) { a.Attachments[0].Size++ }},
		{"extra file", func(a *kiosk.Application, f map[string][]byte) { f["stray"] = []byte("x") }},
		{"bad instance id", func(a *kiosk.Application, f map[string][]byte) { a.InstanceID = "../etc" }},
		{"bad attachment id", func(a *kiosk.Application, f map[string][]byte) {
			a.Attachments[0].ID = "a/b"
			f["a/b"] = f["att0"]
			delete(f, "att0")
		}},
		{"no acceptance no", func(a *kiosk.Application, f map[string][]byte) { a.AcceptanceNo = "" }},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, files := testApp(i, "11010519491231002X", 1, 64, rng)
			tt.spoil(app, files)
			if err := s.Enqueue(ctx, app, files); !errors.Is(err, ErrInvalid) {
				t.Errorf("Enqueue = %v, want ErrInvalid", err)
			}
		})
	}
	if n, _ := s.Depth(ctx); n != 0 {
		t.Errorf("Depth = %d after rejected enqueues", n)
	}
}

func TestEnqueueDiskFull(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	writes := 0
	s.writeHook = func(f *os.File, b []byte) (int, error) {
		writes++
		if writes == 2 {
			n, _ := f.Write(b[:len(b)/2])
			return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
		}
		return f.Write(b)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	app, files := testApp(1, "11010519491231002X", 3, 1000, rng)
	err := s.Enqueue(ctx, app, files)
	if !errors.Is(err, ErrDiskFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("Enqueue = %v, want ErrDiskFull", err)
	}
	if _, err := s.Get(ctx, app.InstanceID); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after failed enqueue: %v", err)
	}
	if left := listFiles(t, s.attDir); len(left) != 0 {
		t.Errorf("files left after failed enqueue: %v", left)
	}
	// And it works once there is room again.
	s.writeHook = nil
	if err := s.Enqueue(ctx, app, files); err != nil {
		t.Fatal(err)
	}
}

func TestOrphansRemovedAtOpen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	rng := rand.New(rand.NewPCG(1, 2))
	app, files := testApp(1, "11010519491231002X", 1, 100, rng)
	if err := s.Enqueue(ctx, app, files); err != nil {
		t.Fatal(err)
	}
	s.Close()
	// What a crash between writing the files and the commit leaves.
	os.MkdirAll(filepath.Join(dir, "attachments", "dead-instance"), 0o700)
	os.WriteFile(filepath.Join(dir, "attachments", "dead-instance", "abc-00.seal"), []byte("x"), 0o600)
	os.WriteFile(filepath.Join(dir, "attachments", app.InstanceID, ".tmp-abc-00.seal"), []byte("x"), 0o600)

	// With the default grace period, fresh orphans stay (an Enqueue might be in flight).
	s2, err := Open(ctx, dir, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(listFiles(t, s2.attDir)); n != 3 {
		t.Errorf("files after Open with grace = %d, want 3", n)
	}
	s2.Close()
	s3 := openTest(t, dir)
	got := listFiles(t, s3.attDir)
	if len(got) != 1 || !strings.HasPrefix(got[0], app.InstanceID+"/") {
		t.Errorf("files after Open = %v, want only the application's", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "attachments", "dead-instance")); !os.IsNotExist(err) {
		t.Errorf("orphan directory kept: %v", err)
	}
	rc, err := s3.OpenAttachment(ctx, app.InstanceID, "att0")
	if err != nil {
		t.Fatal(err)
	}
	rc.Close()
}

func listFiles(t testing.TB, root string) []string {
	var out []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	return out
}

func TestListFindStats(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, t.TempDir(), WithClock(clk.now))
	rng := rand.New(rand.NewPCG(1, 2))
	a1, f1 := testApp(1, "11010519491231002X", 1, 500, rng)
	clk.add(time.Minute)
	a2, f2 := testApp(2, "11010519491231002x", 0, 0, rng) // same person, lower-case x
	a3, f3 := testApp(3, "440524188001010014", 0, 0, rng)
	a3.Test = true
	for _, x := range []struct {
		a *kiosk.Application
		f map[string][]byte
	}{{a1, f1}, {a2, f2}, {a3, f3}} {
		if err := s.Enqueue(ctx, x.a, x.f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FindByIDNumber(ctx, "11010519491231002X")
	if err != nil || len(got) != 2 {
		t.Fatalf("FindByIDNumber = %v, %v; want 2", got, err)
	}
	if got, _ := s.FindByIDNumber(ctx, "110105194912310021"); len(got) != 0 {
		t.Errorf("FindByIDNumber(other) = %v", got)
	}
	sum, err := s.FindByAcceptanceNo(ctx, a3.AcceptanceNo)
	if err != nil || sum.InstanceID != a3.InstanceID || !sum.Test {
		t.Errorf("FindByAcceptanceNo = %+v, %v", sum, err)
	}
	if _, err := s.FindByAcceptanceNo(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("FindByAcceptanceNo(nope) = %v", err)
	}
	if err := s.MarkUploading(ctx, a1.InstanceID); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.List(ctx, ListFilter{State: kiosk.StateUploading}); len(l) != 1 || l[0].InstanceID != a1.InstanceID || l[0].Attachments != 1 {
		t.Errorf("List(uploading) = %+v", l)
	}
	if l, _ := s.List(ctx, ListFilter{TestOnly: true}); len(l) != 1 {
		t.Errorf("List(test) = %+v", l)
	}
	if l, _ := s.List(ctx, ListFilter{Limit: 2}); len(l) != 2 {
		t.Errorf("List(limit 2) = %d rows", len(l))
	}
	clk.add(time.Hour)
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != 3 || st.ByState[kiosk.StateQueued] != 2 || st.ByState[kiosk.StateUploading] != 1 {
		t.Errorf("Stats = %+v", st)
	}
	if st.OldestAge != time.Hour+time.Minute-time.Second { // a1 was created at 09:00:01
		t.Errorf("OldestAge = %v", st.OldestAge)
	}
	if st.BytesPending < 500 {
		t.Errorf("BytesPending = %d", st.BytesPending)
	}
}

func TestOutboxLifeCycle(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, t.TempDir(), WithClock(clk.now))
	rng := rand.New(rand.NewPCG(1, 2))
	big, bf := testApp(1, "11010519491231002X", 1, 5000, rng)
	small, sf := testApp(2, "11010519491231002X", 1, 10, rng)
	for _, x := range []struct {
		a *kiosk.Application
		f map[string][]byte
	}{{big, bf}, {small, sf}} {
		if err := s.Enqueue(ctx, x.a, x.f); err != nil {
			t.Fatal(err)
		}
	}
	now := clk.now()
	got, err := s.NextDue(ctx, now)
	if err != nil || got.InstanceID != small.InstanceID {
		t.Fatalf("NextDue = %v, %v; want the small one", got, err)
	}
	if err := s.MarkFailed(ctx, small.InstanceID, "platform 503", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.NextDue(ctx, now); got.InstanceID != big.InstanceID {
		t.Errorf("NextDue after failure = %s, want the big one", got.InstanceID)
	}
	if got, _ := s.NextDue(ctx, now.Add(time.Minute)); got.InstanceID != small.InstanceID {
		t.Errorf("NextDue a minute later = %s, want the small one", got.InstanceID)
	}
	sum, _ := s.Summary(ctx, small.InstanceID)
	if sum.Attempts != 1 || sum.LastError != "platform 503" {
		t.Errorf("summary after failure = %+v", sum)
	}
	for range 2 {
		if err := s.MarkUploading(ctx, small.InstanceID); err != nil {
			t.Fatalf("MarkUploading: %v", err)
		}
	}
	if u, off, err := s.UploadProgress(ctx, small.InstanceID, "att0"); u != "" || off != 0 || err != nil {
		t.Errorf("UploadProgress = %q %d %v", u, off, err)
	}
	if err := s.SetUploadProgress(ctx, small.InstanceID, "att0", "https://p/up/1", 5); err != nil {
		t.Fatal(err)
	}
	if u, off, _ := s.UploadProgress(ctx, small.InstanceID, "att0"); u != "https://p/up/1" || off != 5 {
		t.Errorf("UploadProgress = %q %d", u, off)
	}
	if err := s.SetUploadProgress(ctx, small.InstanceID, "zzz", "u", 1); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetUploadProgress unknown = %v", err)
	}
	for range 2 {
		if err := s.MarkSubmitted(ctx, small.InstanceID, now); err != nil {
			t.Fatalf("MarkSubmitted: %v", err)
		}
	}
	if err := s.MarkUploading(ctx, small.InstanceID); !errors.Is(err, kiosk.ErrTransition) {
		t.Errorf("MarkUploading after submit = %v", err)
	}
	if err := s.MarkFailed(ctx, small.InstanceID, "x", now); !errors.Is(err, kiosk.ErrTransition) {
		t.Errorf("MarkFailed after submit = %v", err)
	}
	if n, _ := s.Depth(ctx); n != 1 {
		t.Errorf("Depth = %d, want 1", n)
	}
	// Status feed.
	if err := s.ApplyStatus(ctx, small.InstanceID, kiosk.StateNeedsSupplement, now, "请补充户口簿首页"); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyStatus(ctx, small.InstanceID, kiosk.StateAccepted, now, ""); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyStatus(ctx, small.InstanceID, kiosk.StateSubmitted, now, ""); err != nil { // not allowed: recorded, kept
		t.Fatal(err)
	}
	if g, _ := s.Get(ctx, small.InstanceID); g.State != kiosk.StateAccepted {
		t.Errorf("state = %s, want accepted", g.State)
	}
	ev, _ := s.StatusEvents(ctx, small.InstanceID)
	if len(ev) != 3 || ev[0].Note != "请补充户口簿首页" {
		t.Errorf("StatusEvents = %+v", ev)
	}
	// The platform reports on one we still think is queued: recorded, and
	// it stays in the queue until the relay completes it (its attachments
	// may not be there yet); then the recorded event applies.
	if err := s.ApplyStatus(ctx, big.InstanceID, kiosk.StateAccepted, now, ""); err != nil {
		t.Fatal(err)
	}
	if got, err := s.NextDue(ctx, now.Add(time.Hour)); err != nil || got.InstanceID != big.InstanceID {
		t.Fatalf("after a status event while queued: NextDue = %v, %v; want it still due", got, err)
	}
	s.MarkUploading(ctx, big.InstanceID)
	if err := s.MarkSubmitted(ctx, big.InstanceID, now); err != nil {
		t.Fatal(err)
	}
	if g, _ := s.Get(ctx, big.InstanceID); g.State != kiosk.StateAccepted {
		t.Errorf("after completion the recorded event did not apply: %s", g.State)
	}
	if _, err := s.NextDue(ctx, now.Add(time.Hour)); !errors.Is(err, ErrNoneDue) || !errors.Is(err, relay.ErrNoneDue) {
		t.Errorf("NextDue on empty queue = %v, want relay.ErrNoneDue", err)
	}
	if err := s.ApplyStatus(ctx, "nope", kiosk.StateAccepted, now, ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("ApplyStatus unknown = %v", err)
	}
	if err := s.ApplyStatus(ctx, big.InstanceID, kiosk.StatePurged, now, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("ApplyStatus purged = %v", err)
	}
}

func TestRetry(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, t.TempDir(), WithClock(clk.now))
	app, f := testApp(1, "11010519491231002X", 0, 0, rand.New(rand.NewPCG(1, 2)))
	if err := s.Enqueue(ctx, app, f); err != nil {
		t.Fatal(err)
	}
	s.MarkFailed(ctx, app.InstanceID, "timeout", clk.now().Add(time.Hour))
	if _, err := s.NextDue(ctx, clk.now()); !errors.Is(err, ErrNoneDue) {
		t.Fatalf("NextDue before retry = %v", err)
	}
	if err := s.Retry(ctx, app.InstanceID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NextDue(ctx, clk.now()); err != nil {
		t.Errorf("NextDue after retry = %v", err)
	}
	if err := s.Retry(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Retry unknown = %v", err)
	}
}

func TestPurge(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	dir := t.TempDir()
	s := openTest(t, dir, WithClock(clk.now))
	rng := rand.New(rand.NewPCG(1, 2))
	done, df := testApp(1, "11010519491231002X", 2, 100, rng)
	pending, pf := testApp(2, "11010519491231002X", 1, 100, rng)
	fresh, ff := testApp(3, "11010519491231002X", 1, 100, rng)
	for _, x := range []struct {
		a *kiosk.Application
		f map[string][]byte
	}{{done, df}, {pending, pf}, {fresh, ff}} {
		if err := s.Enqueue(ctx, x.a, x.f); err != nil {
			t.Fatal(err)
		}
	}
	s.MarkSubmitted(ctx, done.InstanceID, clk.now())
	s.ApplyStatus(ctx, done.InstanceID, kiosk.StateCompleted, clk.now(), "办结")
	s.SaveRating(ctx, kiosk.Rating{InstanceID: done.InstanceID, Level: kiosk.VerySatisfied, Comment: "很好"})
	s.MarkRatingSent(ctx, done.InstanceID)
	clk.add(6 * 24 * time.Hour)
	s.MarkSubmitted(ctx, fresh.InstanceID, clk.now())
	s.ApplyStatus(ctx, fresh.InstanceID, kiosk.StateAccepted, clk.now(), "")

	if n, err := s.Purge(ctx, clk.now(), 0); err != nil || n != 0 {
		t.Fatalf("Purge at 6 days = %d, %v", n, err)
	}
	clk.add(24*time.Hour + time.Second)
	n, err := s.Purge(ctx, clk.now(), 0)
	if err != nil || n != 1 {
		t.Fatalf("Purge at 7 days = %d, %v; want 1", n, err)
	}
	if _, err := s.Get(ctx, done.InstanceID); !errors.Is(err, ErrPurged) {
		t.Errorf("Get purged = %v", err)
	}
	sum, err := s.Summary(ctx, done.InstanceID)
	if err != nil || sum.State != kiosk.StatePurged || sum.AcceptanceNo != done.AcceptanceNo || sum.Attachments != 0 {
		t.Errorf("purged summary = %+v, %v", sum, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "attachments", done.InstanceID)); !os.IsNotExist(err) {
		t.Errorf("purged attachments directory remains: %v", err)
	}
	if got, _ := s.FindByIDNumber(ctx, "11010519491231002X"); len(got) != 2 {
		t.Errorf("FindByIDNumber after purge = %d, want 2", len(got))
	}
	var payloads int
	s.r.QueryRow(`SELECT count(*) FROM applications WHERE payload IS NOT NULL AND instance_id = ?`, done.InstanceID).Scan(&payloads)
	if payloads != 0 {
		t.Error("purged payload kept")
	}
	log, _ := s.AuditLog(ctx, done.InstanceID, 0)
	last := log[len(log)-1]
	if last.Event != "purged" || !strings.Contains(last.Detail, "final=completed") || !strings.Contains(last.Detail, done.AcceptanceNo) {
		t.Errorf("audit = %+v", last)
	}
	// Still pending ones are never purged; the others go with a shorter retention.
	if n, _ := s.Purge(ctx, clk.now(), time.Hour); n != 1 {
		t.Errorf("Purge with 1h retention = %d, want 1 (the accepted one)", n)
	}
	if _, err := s.Get(ctx, pending.InstanceID); err != nil {
		t.Errorf("pending application: %v", err)
	}
}

func TestRatingsCursorsCatalog(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	s := openTest(t, t.TempDir(), WithClock(clk.now))
	if err := s.SaveRating(ctx, kiosk.Rating{InstanceID: "a", Level: 9}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad rating = %v", err)
	}
	r1 := kiosk.Rating{InstanceID: "a", Level: kiosk.Dissatisfied, Tags: []string{"等待时间长"}, Comment: "排队太久", Channel: "kiosk"}
	s.SaveRating(ctx, r1)
	clk.add(time.Second)
	s.SaveRating(ctx, kiosk.Rating{InstanceID: "b", Level: kiosk.VerySatisfied})
	got, err := s.PendingRatings(ctx, 10)
	if err != nil || len(got) != 2 || !reflect.DeepEqual(got[0], r1) {
		t.Fatalf("PendingRatings = %+v, %v", got, err)
	}
	if err := s.MarkRatingSent(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRatingSent(ctx, "zz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("MarkRatingSent unknown = %v", err)
	}
	if got, _ := s.PendingRatings(ctx, 10); len(got) != 1 || got[0].InstanceID != "b" {
		t.Errorf("PendingRatings after sent = %+v", got)
	}

	if v, err := s.Cursor(ctx, "status"); v != "" || err != nil {
		t.Errorf("Cursor unset = %q, %v", v, err)
	}
	s.SetCursor(ctx, "status", "c1")
	s.SetCursor(ctx, "status", "c2")
	if v, _ := s.Cursor(ctx, "status"); v != "c2" {
		t.Errorf("Cursor = %q", v)
	}

	if b, v, err := s.LatestCatalog(ctx); b != nil || v != 0 || err != nil {
		t.Errorf("LatestCatalog empty = %q %d %v", b, v, err)
	}
	for v := int64(1); v <= 5; v++ {
		if err := s.SaveCatalog(ctx, v, []byte{byte(v)}); err != nil {
			t.Fatal(err)
		}
	}
	if b, v, _ := s.LatestCatalog(ctx); v != 5 || !bytes.Equal(b, []byte{5}) {
		t.Errorf("LatestCatalog = %v %d", b, v)
	}
	var n int
	s.r.QueryRow(`SELECT count(*) FROM catalog_versions`).Scan(&n)
	if n != KeepCatalogs {
		t.Errorf("catalog versions kept = %d", n)
	}
}

// TestNoPlaintextAtRest writes an application with known personal data in the
// form and in an attachment, then searches every file of the store, with the
// connections open so the WAL is still there, for those strings.
func TestNoPlaintextAtRest(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	const id, name, phone, addr = "11010519491231002X", "欧阳娜娜", "13812345678", "翠苑一区七幢"
	app, _ := testApp(1, id, 0, 0, rand.New(rand.NewPCG(1, 2)))
	app.Applicant.Name = name
	app.Applicant.Address = addr
	app.Form = map[string]string{"name": name, "id_number": id, "mobile": phone, "address": addr}
	doc := []byte("申请人：" + name + "\n身份证号：" + id + "\n电话：" + phone + "\n")
	doc = append(doc, utf16le(name+id+phone)...)
	app.Attachments = []kiosk.Attachment{{ID: "form", Name: name + "的申请表.txt", MediaType: "text/plain", SHA256: sha(doc), Size: int64(len(doc))}}
	if err := s.Enqueue(ctx, app, map[string][]byte{"form": doc}); err != nil {
		t.Fatal(err)
	}
	s.SaveRating(ctx, kiosk.Rating{InstanceID: app.InstanceID, Level: kiosk.Dissatisfied, Comment: name + phone})
	s.MarkSubmitted(ctx, app.InstanceID, time.Now())
	s.ApplyStatus(ctx, app.InstanceID, kiosk.StateNeedsSupplement, time.Now(), "请"+name+"补充材料")
	if _, err := os.Stat(filepath.Join(dir, "kiosk.db-wal")); err != nil {
		t.Fatalf("no WAL to scan: %v", err)
	}
	files := []string{"kiosk.db", "kiosk.db-wal", "kiosk.db-shm"}
	for _, f := range listFiles(t, filepath.Join(dir, "attachments")) {
		files = append(files, filepath.Join("attachments", f))
	}
	if len(files) < 4 {
		t.Fatalf("files = %v", files)
	}
	sawCode := false
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		sawCode = sawCode || bytes.Contains(b, []byte(app.AcceptanceNo))
		for _, secret := range []string{id, strings.ToLower(id), name, phone, addr, id[:17]} {
			for enc, needle := range map[string][]byte{"utf-8": []byte(secret), "utf-16le": utf16le(secret), "utf-16be": utf16be(secret)} {
				if bytes.Contains(b, needle) {
					t.Errorf("%s holds %q in plaintext (%s)", f, secret, enc)
				}
			}
		}
	}
	if !sawCode {
		t.Error("the scan did not even find the acceptance number (which is stored in clear): is it reading the right files?")
	}
	// And the data is still all there for the key holder.
	if got, err := s.Get(ctx, app.InstanceID); err != nil || got.Applicant.Name != name {
		t.Errorf("Get = %v, %v", got, err)
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

func utf16be(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r>>8), byte(r))
	}
	return b
}

func TestWrongKeyCannotRead(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	app, f := testApp(1, "11010519491231002X", 1, 10, rand.New(rand.NewPCG(1, 2)))
	if err := s.Enqueue(ctx, app, f); err != nil {
		t.Fatal(err)
	}
	s.Close()
	other := testKey
	other[0] ^= 0xff
	s2, err := Open(ctx, dir, other)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Get(ctx, app.InstanceID); !errors.Is(err, ErrSealed) {
		t.Errorf("Get with wrong key = %v, want ErrSealed", err)
	}
	if _, err := s2.OpenAttachment(ctx, app.InstanceID, "att0"); !errors.Is(err, ErrSealed) {
		t.Errorf("OpenAttachment with wrong key = %v, want ErrSealed", err)
	}
	if got, _ := s2.FindByIDNumber(ctx, "11010519491231002X"); len(got) != 0 {
		t.Error("blind index matches under another key")
	}
}

func TestSealedFileMovedBetweenRecordsFails(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(1, 2))
	a, af := testApp(1, "11010519491231002X", 1, 10, rng)
	b, bf := testApp(2, "11010519491231002X", 1, 10, rng)
	s.Enqueue(ctx, a, af)
	s.Enqueue(ctx, b, bf)
	var pa, pb string
	s.r.QueryRow(`SELECT sealed_path FROM attachments WHERE instance_id = ?`, a.InstanceID).Scan(&pa)
	s.r.QueryRow(`SELECT sealed_path FROM attachments WHERE instance_id = ?`, b.InstanceID).Scan(&pb)
	data, _ := os.ReadFile(filepath.Join(s.attDir, pa))
	os.WriteFile(filepath.Join(s.attDir, pb), data, 0o600)
	if _, err := s.OpenAttachment(ctx, b.InstanceID, "att0"); !errors.Is(err, ErrSealed) {
		t.Errorf("swapped file opened: %v", err)
	}
}

func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	errc := make(chan error, 8)
	for w := range 4 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			for i := range 10 {
				app, f := testApp(w*100+i, "11010519491231002X", 1, 50, rng)
				if err := s.Enqueue(ctx, app, f); err != nil {
					errc <- err
					return
				}
				if _, err := s.Get(ctx, app.InstanceID); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
		go func() {
			for range 20 {
				if _, err := s.NextAcceptanceSeq(ctx, time.Now()); err != nil {
					errc <- err
					return
				}
				if _, err := s.Stats(ctx); err != nil {
					errc <- err
					return
				}
			}
			errc <- nil
		}()
	}
	for range 8 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.Depth(ctx); n != 40 {
		t.Errorf("Depth = %d, want 40", n)
	}
	if seq, _ := s.NextAcceptanceSeq(ctx, time.Now()); seq != 81 {
		t.Errorf("sequence = %d, want 81 (no number handed out twice)", seq)
	}
}

func TestNextDueUsesIndex(t *testing.T) {
	s := openTest(t, t.TempDir())
	rows, err := s.r.Query(`EXPLAIN QUERY PLAN SELECT instance_id, payload, state FROM applications INDEXED BY applications_due
		WHERE `+pendingSQL+` AND next_attempt_at <= ? ORDER BY total_size, next_attempt_at LIMIT 1`, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		rows.Scan(&id, &parent, &notused, &detail)
		plan = append(plan, detail)
	}
	p := strings.Join(plan, "; ")
	if !strings.Contains(p, "applications_due") || strings.Contains(p, "TEMP B-TREE") {
		t.Errorf("plan = %s", p)
	}
}

var _ = sql.ErrNoRows

func TestFilesOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	app, f := testApp(1, "11010519491231002X", 1, 10, rand.New(rand.NewPCG(1, 2)))
	if err := s.Enqueue(context.Background(), app, f); err != nil {
		t.Fatal(err)
	}
	for _, p := range append([]string{"kiosk.db", "kiosk.db-wal", "attachments"}, "attachments/"+listFiles(t, s.attDir)[0]) {
		fi, err := os.Stat(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode %v, want owner only", p, fi.Mode().Perm())
		}
	}
}

func TestRetentionService(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	clk := newClock()
	s := openTest(t, t.TempDir(), WithClock(clk.now))
	app, f := testApp(1, "11010519491231002X", 1, 10, rand.New(rand.NewPCG(1, 2)))
	s.Enqueue(ctx, app, f)
	s.MarkSubmitted(ctx, app.InstanceID, clk.now())
	s.ApplyStatus(ctx, app.InstanceID, kiosk.StateRejected, clk.now(), "")
	clk.add(2 * time.Hour)
	done := make(chan error)
	go func() { done <- (&Retention{Store: s, Retention: time.Hour, Every: time.Millisecond}).Serve(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if sum, _ := s.Summary(context.Background(), app.InstanceID); sum.State == kiosk.StatePurged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Retention never purged")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Serve = %v", err)
	}
}
