package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/bianmin/kiosk/offline"
)

// syncCause keeps the last failure of a sync now pass that was not the
// command's own deadline or cancellation, so that the command ends with what
// the platform or the network said, not "context deadline exceeded".
func syncCause(prev, err error) error {
	if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return prev
	}
	return err
}

// syncNotSent lists every application left in the queue with the relay's
// last error for it (no personal data), and returns the exit-3 error naming
// the real cause: the last failure seen, else the relay's last error, else
// the newest recorded one, else that no reply came before the deadline.
func syncNotSent(ctx context.Context, st *offline.Store, depth int, cause error, relayLast string, timeout time.Duration, stderr io.Writer) error {
	ctx = context.WithoutCancel(ctx)
	list, err := st.List(ctx, offline.ListFilter{Pending: true, Limit: 50})
	if err != nil {
		return err
	}
	newest := ""
	tw := tabwriter.NewWriter(stderr, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NOT SENT INSTANCE\tACCEPTANCE NO\tATTEMPTS\tLAST ERROR")
	for _, s := range list {
		le := s.LastError
		if le == "" {
			le = "(not tried yet)"
		} else if newest == "" {
			newest = s.LastError
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", s.InstanceID, s.AcceptanceNo, s.Attempts, queueOneLine(le, 200))
	}
	tw.Flush()
	if depth > len(list) {
		fmt.Fprintf(stderr, "… and %d more\n", depth-len(list))
	}
	why := ""
	switch {
	case cause != nil:
		why = firstLine(cause)
	case relayLast != "":
		why = relayLast
	case newest != "":
		why = newest
	default:
		why = fmt.Sprintf("no reply from the platform within %s", timeout)
	}
	return &exitError{3, fmt.Errorf("%d applications not submitted: %s", depth, queueOneLine(why, 300))}
}
