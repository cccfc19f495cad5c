package relay

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
)

// earlyDecider is the emulator behind a platform that decides on a form
// before its attachments arrived: the second attachment's first upload
// fails, and the status feed already reports the application accepted.
type earlyDecider struct {
	Platform
	mu      sync.Mutex
	failed  bool
	putDone map[string]bool
}

func (p *earlyDecider) PutApplication(ctx context.Context, a *kiosk.Application) (bool, error) {
	created, err := p.Platform.PutApplication(ctx, a)
	if err == nil {
		p.mu.Lock()
		p.putDone[a.InstanceID] = true
		p.mu.Unlock()
	}
	return created, err
}

func (p *earlyDecider) Upload(ctx context.Context, id string, att kiosk.Attachment, r io.ReadSeeker, path string, progress client.ProgressFunc) error {
	p.mu.Lock()
	fail := !p.failed && att.ID == "a1"
	p.failed = p.failed || fail
	p.mu.Unlock()
	if fail {
		return errors.New("link lost mid-upload")
	}
	return p.Platform.Upload(ctx, id, att, r, path, progress)
}

func (p *earlyDecider) Status(ctx context.Context, cursor string, limit int) (*api.StatusPage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	page := &api.StatusPage{Next: "1"}
	if cursor == "1" {
		return page, nil
	}
	for id := range p.putDone {
		page.Events = append(page.Events, api.StatusEvent{InstanceID: id, State: kiosk.StateAccepted, At: time.Now(), Note: "窗口已受理"})
	}
	return page, nil
}

// TestStatusWhileUploadingKeepsSending proves the item 5 against the
// real store: an "accepted" event for an application whose second attachment
// is not yet sent must not take it out of the queue; the relay sends the
// attachment, completes, and only then does the application show accepted.
// Mutation killed: ApplyStatus moving a queued or uploading application on
// any event (the attachment is never sent; the platform never completes it).
func TestStatusWhileUploadingKeepsSending(t *testing.T) {
	ctx := context.Background()
	st, err := offline.Open(ctx, filepath.Join(t.TempDir(), "store"), offline.Key{7, 7, 7})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rnd := rand.New(rand.NewPCG(11, 11))
	a, files := makeApp(rnd, 1, 2, 10<<10, 20<<10)
	if err := st.Enqueue(ctx, a, files); err != nil {
		t.Fatal(err)
	}
	sim := startSim(t, platformsim.Faults{}, 64<<10)
	p := &earlyDecider{Platform: sim.cl, putDone: map[string]bool{}}
	clk := &fakeClock{t: time.Now()}
	r := New(st, p, Config{Now: clk.Now}, nil)
	if err := r.DrainOnce(ctx); err == nil {
		t.Fatal("the first pass did not fail as injected")
	}
	if err := r.PullStatus(ctx); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if err := r.DrainOnce(ctx); err != nil {
		t.Fatal(err)
	}
	checkReceived(t, sim.srv, map[string]*kiosk.Application{a.InstanceID: a})
	if sum, _ := st.Summary(ctx, a.InstanceID); sum.State != kiosk.StateAccepted {
		t.Errorf("local state %s, want accepted (the event applied after completion)", sum.State)
	}
}
