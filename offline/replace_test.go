package offline

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/google/uuid"
)

// TestTerminalReplacement: the old terminal's 20 applications come to the
// replacement (same station and terminal code), which had already issued
// one number of the day. The clash is reported and the other 19 imported;
// the next resident gets number 21; importing again changes nothing.
// Mutations killed: Import returning at the first conflict ("imported 0");
// Import not advancing the sequence (the next submission clashes with -0002).
func TestTerminalReplacement(t *testing.T) {
	ctx := context.Background()
	old := openTest(t, t.TempDir())
	rng := rand.New(rand.NewPCG(7, 7))
	day := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC) // 10:00 in China
	st := kiosk.Station{Code: "330106001", Terminal: "T01"}
	for i := 1; i <= 20; i++ {
		app, f := testApp(i, "11010519491231002X", i%2, 500, rng)
		app.AcceptanceNo = kiosk.AcceptanceNo(st, day, i)
		if err := old.Enqueue(ctx, app, f); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := old.Export(ctx, &buf, transferKey); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()

	repl := openTest(t, t.TempDir())
	seq, _ := repl.NextAcceptanceSeq(ctx, day)
	first, ff := testApp(1, "110105194912310021", 0, 0, rng)
	first.AcceptanceNo = kiosk.AcceptanceNo(st, day, seq) // -0001, issued before the import
	if err := repl.Enqueue(ctx, first, ff); err != nil {
		t.Fatal(err)
	}

	res, err := repl.Import(ctx, bytes.NewReader(file), transferKey)
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("Import error = %v, want the conflict reported", err)
	}
	if res.Applications != 19 || len(res.Conflicts) != 1 || res.Conflicts[0].AcceptanceNo != kiosk.AcceptanceNo(st, day, 1) {
		t.Fatalf("imported %d, conflicts %+v; want 19 and the one on -0001", res.Applications, res.Conflicts)
	}
	// The next resident: number 21, stored without a clash.
	seq, err = repl.NextAcceptanceSeq(ctx, day)
	if err != nil || seq != 21 {
		t.Fatalf("next sequence after import = %d, %v; want 21", seq, err)
	}
	next, nf := testApp(21, "110105194912310021", 0, 0, rng)
	next.InstanceID = uuid.NewString()
	next.AcceptanceNo = kiosk.AcceptanceNo(st, day, seq)
	if err := repl.Enqueue(ctx, next, nf); err != nil {
		t.Fatalf("the next resident's submission: %v", err)
	}
	// Again: idempotent.
	res, err = repl.Import(ctx, bytes.NewReader(file), transferKey)
	if !errors.Is(err, ErrConflict) || res.Applications != 0 || res.Skipped != 19 || len(res.Conflicts) != 1 {
		t.Fatalf("second import: %+v, %v", res, err)
	}
	if d, _ := repl.Depth(ctx); d != 21 {
		t.Errorf("depth %d, want 21 (1 + 19 imported + 1 new)", d)
	}
	if seq, _ := repl.NextAcceptanceSeq(ctx, day); seq != 22 {
		t.Errorf("the sequence moved back or jumped after a second import: %d", seq)
	}
}
