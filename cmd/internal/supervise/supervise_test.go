package supervise

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestRestartsFailingService(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	sv := New(nil)
	sv.min = time.Millisecond
	var runs atomic.Int32
	sv.Go(ctx, "flaky", Func(func(ctx context.Context) error {
		if runs.Add(1) < 3 {
			return errors.New("boom")
		}
		<-ctx.Done()
		return ctx.Err()
	}))
	for i := 0; i < 1000 && runs.Load() < 3; i++ {
		time.Sleep(time.Millisecond)
	}
	st := sv.States()
	if runs.Load() != 3 || st[0].Restarts != 2 || st[0].LastErr != "boom" {
		t.Fatalf("runs %d states %+v", runs.Load(), st)
	}
	cancel()
	sv.Wait()
}

func TestFinishedServiceIsNotRestarted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sv := New(nil)
	var runs atomic.Int32
	sv.Go(ctx, "once", Func(func(context.Context) error { runs.Add(1); return nil }))
	sv.Wait()
	if runs.Load() != 1 {
		t.Fatalf("ran %d times", runs.Load())
	}
}
