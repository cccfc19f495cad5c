package terminal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/client"
)

// helpdesk raises the resident's 呼叫工作人员 with the platform's service
// desk (POST /v1/help) and waits for someone to acknowledge it (GET
// /v1/help/{id}), so that the session tells the resident that staff are
// coming only then. A call that cannot be raised (offline, the platform
// refuses) fails at once: the help screen then says to go to a window.
type helpdesk struct {
	cl       *client.Client
	terminal string        // station code + "-" + terminal number
	poll     time.Duration // how often to ask whether the call was taken
	raiseFor time.Duration // how long raising may take before the resident is sent to a window
}

var _ session.Helpdesk = (*helpdesk)(nil)

// CallStaff implements session.Helpdesk. The call's ID is derived from the
// terminal and the request's time, so raising the same request again (a
// retry) is the same call.
func (h *helpdesk) CallStaff(ctx context.Context, r session.HelpRequest) (session.HelpAck, error) {
	sum := sha256.Sum256([]byte(h.terminal + "\x00" + strconv.FormatInt(r.At.UnixNano(), 10)))
	call := api.HelpCall{ID: "help-" + hex.EncodeToString(sum[:8]), Terminal: h.terminal, Station: r.Station.Code,
		Screen: string(r.Screen), ItemCode: r.ItemCode, At: r.At.UTC()}
	rctx, cancel := context.WithTimeout(ctx, h.raiseFor)
	st, err := h.cl.RaiseHelp(rctx, call)
	cancel()
	if err != nil {
		return session.HelpAck{}, fmt.Errorf("call staff: %w", err)
	}
	t := time.NewTicker(h.poll)
	defer t.Stop()
	for st.State != api.HelpAcked {
		select {
		case <-ctx.Done():
			return session.HelpAck{}, fmt.Errorf("call staff: not acknowledged: %w", ctx.Err())
		case <-t.C:
		}
		next, err := h.cl.HelpState(ctx, call.ID)
		if err != nil {
			continue // the call is raised; a lost poll is asked again
		}
		st = next
	}
	return session.HelpAck{By: st.By}, nil
}
