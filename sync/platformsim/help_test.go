package platformsim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/client"
)

// A help call raised through the real client is recorded with the terminal
// that raised it and stays "raised" until the desk acknowledges it; raising
// the same call again is the same call. Kills: an emulator that acks every
// call at once (the resident would be told 已通知 with nobody told), one
// that does not keep the terminal, a non-idempotent POST.
func TestHelpCallRecordedUntilAcknowledged(t *testing.T) {
	s, hs := newTestServer(t, Faults{})
	cl, err := client.New(client.Config{BaseURL: hs.URL, AllowInsecureLoopback: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	call := api.HelpCall{ID: "h-1", Terminal: "330106001-T01", Station: "330106001", Screen: "materials", ItemCode: "X1", At: time.Now().UTC()}
	st, err := cl.RaiseHelp(ctx, call)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != api.HelpRaised || st.By != "" {
		t.Fatalf("a new call: %+v", st)
	}
	if st, err = cl.RaiseHelp(ctx, call); err != nil || st.State != api.HelpRaised {
		t.Fatalf("raised again: %+v %v", st, err)
	}
	calls, err := s.HelpCalls()
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].Terminal != "330106001-T01" || calls[0].Peer != "dev" || calls[0].Screen != "materials" || calls[0].Posts != 2 {
		t.Fatalf("calls %+v", calls)
	}
	if st, err = cl.HelpState(ctx, "h-1"); err != nil || st.State != api.HelpRaised {
		t.Fatalf("before the ack: %+v %v", st, err)
	}
	if err := s.AckHelp("h-1", "大厅值班"); err != nil {
		t.Fatal(err)
	}
	if st, err = cl.HelpState(ctx, "h-1"); err != nil || st.State != api.HelpAcked || st.By != "大厅值班" || st.AckedAt == nil {
		t.Fatalf("after the ack: %+v %v", st, err)
	}
	if _, err := cl.HelpState(ctx, "h-unknown"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("unknown call: %v", err)
	}
	s.SetHelpAutoAck("值班台")
	if st, err = cl.RaiseHelp(ctx, api.HelpCall{ID: "h-2", Terminal: "330106001-T01", At: time.Now()}); err != nil || st.State != api.HelpAcked || st.By != "值班台" {
		t.Fatalf("auto-acknowledged call: %+v %v", st, err)
	}
}
