package offline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// BenchmarkEnqueueScanned: the durable Enqueue of an application with 0, 1
// and 3 scanned pages of 300 KB (incompressible, as JPEG is) against its
// baseline on the same disk: the same page bytes written to files and
// fsynced (with their directory), plus a bare INSERT of a row of the
// application's size into a WAL database with synchronous=FULL, one
// transaction. The two alternate in order round by round so that disk
// noise falls on both; the headline is the median of the per-round ratios
// Enqueue/baseline (1.0: Enqueue costs nothing beyond the writes it must
// make durable).
func BenchmarkEnqueueScanned(b *testing.B) {
	for _, pages := range []int{0, 1, 3} {
		b.Run(fmt.Sprintf("pages=%d", pages), func(b *testing.B) { benchEnqueue(b, pages) })
	}
}

func benchEnqueue(b *testing.B, pages int) {
	ctx := context.Background()
	dir := b.TempDir()
	s := openTest(b, dir)
	bare, err := sql.Open("sqlite3", "file:"+filepath.Join(dir, "bare.db")+"?_journal_mode=WAL&_synchronous=FULL&_txlock=immediate&_busy_timeout=5000")
	if err != nil {
		b.Fatal(err)
	}
	defer bare.Close()
	bare.SetMaxOpenConns(1)
	if _, err := bare.Exec(`CREATE TABLE t (id TEXT PRIMARY KEY, payload BLOB NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	filesDir := filepath.Join(dir, "bare-files")
	if err := os.MkdirAll(filesDir, 0o700); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, uint64(pages)))
	const page = 300 << 10
	baseline := func(i int, files map[string][]byte, rowSize int) time.Duration {
		t0 := time.Now()
		for id, data := range files {
			f, err := os.Create(filepath.Join(filesDir, fmt.Sprintf("%d-%s", i, id)))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := f.Write(data); err != nil {
				b.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
		if len(files) > 0 {
			d, err := os.Open(filesDir)
			if err != nil {
				b.Fatal(err)
			}
			if err := d.Sync(); err != nil {
				b.Fatal(err)
			}
			d.Close()
		}
		tx, err := bare.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?, 'queued', ?)`, fmt.Sprint("bare-", i), make([]byte, rowSize), i); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	var ratios, enq, base []float64
	rounds := max(b.N, 25)
	for i := range rounds {
		app, files := testApp(i, "11010519491231002X", pages, page, rng)
		pj, _ := json.Marshal(app)
		var te, tb time.Duration
		run := func() {
			t0 := time.Now()
			if err := s.Enqueue(ctx, app, files); err != nil {
				b.Fatal(err)
			}
			te = time.Since(t0)
		}
		if i%2 == 0 {
			run()
			tb = baseline(i, files, len(pj)+32)
		} else {
			tb = baseline(i, files, len(pj)+32)
			run()
		}
		ratios = append(ratios, float64(te)/float64(tb))
		enq = append(enq, float64(te.Microseconds())/1000)
		base = append(base, float64(tb.Microseconds())/1000)
	}
	b.ReportMetric(medianF(ratios), "ratio")
	b.ReportMetric(medianF(enq), "ms/enqueue")
	b.ReportMetric(medianF(base), "ms/baseline")
}

func medianF(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// bulkQueue fills s with n queued applications in one transaction, the
// same rows Enqueue writes (a fast path for benchmark set-up only): a
// realistic backlog after days offline, sizes spread up to 1 MB, and
// nine in ten rows in backoff (their next attempt between a minute and six
// hours ahead), the rest due.
func bulkQueue(b *testing.B, s *Store, n int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, 2))
	// Random UUID keys touch pages all over the tree: give the one writer
	// connection room so the bulk insert does not thrash.
	if _, err := s.w.Exec(`PRAGMA cache_size = -131072`); err != nil {
		b.Fatal(err)
	}
	defer s.w.Exec(`PRAGMA cache_size = -2000`)
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	stmt, err := tx.Prepare(`INSERT INTO applications(instance_id, acceptance_no, item_code, bundle_code, payload, content_mac,
		state, next_attempt_at, created_at, updated_at, total_size, test, id_blind) VALUES (?, ?, ?, '', ?, ?, 'queued', ?, ?, ?, ?, 1, ?)`)
	if err != nil {
		b.Fatal(err)
	}
	now := s.now().UnixNano()
	for i := range n {
		app, _ := testApp(i, "11010519491231002X", 0, 0, rng)
		app.AcceptanceNo = fmt.Sprintf("bulk-%07d", i)
		app.State = kiosk.StateQueued
		plain, _ := json.Marshal(app)
		mac, _ := s.appMAC(app)
		size := int64(len(plain)) + int64(rng.IntN(1<<20)) // attachments of varied size
		next := now
		if rng.IntN(10) != 0 {
			next += int64(time.Minute) + rng.Int64N(int64(6*time.Hour))
		}
		if _, err := stmt.Exec(app.InstanceID, app.AcceptanceNo, app.ItemCode, s.seal.seal(plain, adForm(app.InstanceID)), mac,
			next, now, now, size, s.blind(app.Applicant.IDNumber)); err != nil {
			b.Fatal(err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQueueScaling measures one Enqueue (one scanned page of 300 KB,
// so the row sorts among the backlog, not first) plus one NextDue with
// 100 000 applications queued, mostly in backoff (bulkQueue), against the
// same with 100. The headline is the time ratio large/small (goal ≤ 2: both
// should be index look-ups and inserts).
func BenchmarkQueueScaling(b *testing.B) {
	ctx := context.Background()
	small := openTest(b, b.TempDir())
	large := openTest(b, b.TempDir())
	t0 := time.Now()
	bulkQueue(b, small, 100)
	bulkQueue(b, large, 100_000)
	b.Logf("set-up of 100 100 rows: %v", time.Since(t0))
	rng := rand.New(rand.NewPCG(3, 3))
	var tSmall, tLarge, nSmall, nLarge time.Duration
	i := 0
	step := func(s *Store, enq, next *time.Duration) {
		i++
		app, files := testApp(i, "11010519491231002X", 1, 300<<10, rng)
		t0 := time.Now()
		if err := s.Enqueue(ctx, app, files); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := s.NextDue(ctx, t1); err != nil {
			b.Fatal(err)
		}
		*enq += t1.Sub(t0)
		*next += time.Since(t1)
	}
	for b.Loop() {
		if i%4 == 0 { // alternate the order so that disk noise falls on both
			step(small, &tSmall, &nSmall)
			step(large, &tLarge, &nLarge)
		} else {
			step(large, &tLarge, &nLarge)
			step(small, &tSmall, &nSmall)
		}
	}
	b.ReportMetric(float64(tLarge+nLarge)/float64(tSmall+nSmall), "ratio")
	b.ReportMetric(float64(nLarge)/float64(nSmall), "nextdue-ratio")
	steps := float64(i) / 2
	b.ReportMetric(float64((tSmall+nSmall).Microseconds())/1000/steps, "ms/op-100")
	b.ReportMetric(float64((tLarge+nLarge).Microseconds())/1000/steps, "ms/op-100k")
}
