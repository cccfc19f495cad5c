package offline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// BenchmarkEnqueueVsBareInsert compares the durable Enqueue of a small
// application (no attachments) with a bare SQLite INSERT of a blob of the
// same size into a WAL database with synchronous=FULL on the same disk, one
// transaction per row each. The headline is the rate ratio Enqueue/bare
// (1.0: Enqueue costs nothing beyond the commit itself).
func BenchmarkEnqueueVsBareInsert(b *testing.B) {
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
	rng := rand.New(rand.NewPCG(1, 1))
	probe, _ := testApp(0, "11010519491231002X", 0, 0, rng)
	pj, _ := json.Marshal(probe)
	blob := make([]byte, len(pj)+32) // sealed size
	var tEnq, tBare time.Duration
	i := 0
	enqueue := func() {
		app, files := testApp(i, "11010519491231002X", 0, 0, rng)
		t0 := time.Now()
		if err := s.Enqueue(ctx, app, files); err != nil {
			b.Fatal(err)
		}
		tEnq += time.Since(t0)
	}
	insert := func() {
		t0 := time.Now()
		tx, err := bare.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO t VALUES (?, ?, 'queued', ?)`, fmt.Sprint("bare-", i), blob, i); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		tBare += time.Since(t0)
	}
	for b.Loop() {
		i++
		if i%2 == 0 { // alternate the order so that disk noise falls on both
			enqueue()
			insert()
		} else {
			insert()
			enqueue()
		}
	}
	b.ReportMetric(float64(tBare)/float64(tEnq), "ratio")
	b.ReportMetric(float64(tEnq.Microseconds())/float64(i)/1000, "ms/enqueue")
	b.ReportMetric(float64(tBare.Microseconds())/float64(i)/1000, "ms/bare-insert")
}

// bulkQueue fills s with n queued small applications in one transaction,
// the same rows Enqueue writes (a fast path for benchmark set-up only).
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
		if _, err := stmt.Exec(app.InstanceID, app.AcceptanceNo, app.ItemCode, s.seal.seal(plain, adForm(app.InstanceID)), mac,
			now, now, now, size, s.blind(app.Applicant.IDNumber)); err != nil {
			b.Fatal(err)
		}
	}
	stmt.Close()
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkQueueScaling measures one Enqueue plus one NextDue with 100 000
// applications queued against the same with 100. The headline is the time
// ratio large/small (goal ≤ 2: both are index look-ups and inserts).
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
		app, files := testApp(i, "11010519491231002X", 0, 0, rng)
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
}
