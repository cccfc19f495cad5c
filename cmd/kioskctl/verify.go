package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/bianmin/kiosk/offline"
)

// exitQueueDamaged is the exit status of queue verify (and queue export)
// when an application's sealed form or files are damaged.
const exitQueueDamaged = 4

func init() {
	register("queue", "verify", "decrypt and re-hash every attachment; list damaged applications (exit 4)", queueVerify)
}

// queueVerify is kioskctl queue verify [--json]: offline.Store.Verify over
// the kiosk's store, opened as the kiosk opens it.
func queueVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue verify", stderr)
	asJSON := v.Bool("json", false, "print the result as JSON")
	return v.withStore(ctx, args, func(st *offline.Store) error {
		res, err := st.Verify(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			if err := json.NewEncoder(stdout).Encode(res); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(stdout, "checked %d applications, %d attachments (%s)\n", res.Applications, res.Attachments, queueBytes(res.Bytes))
			queueListDamage(stdout, res.Damaged)
		}
		return queueDamageError(res.Damaged, "damaged")
	})
}

// queueListDamage prints one line per damaged part (no personal data).
func queueListDamage(w io.Writer, ds []offline.Damage) {
	if len(ds) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DAMAGED INSTANCE\tACCEPTANCE NO\tSTATE\tPART\tREASON")
	for _, d := range ds {
		part := "form"
		if d.AttachmentID != "" {
			part = "attachment " + d.AttachmentID
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.InstanceID, d.AcceptanceNo, d.State, part, d.Reason)
	}
	tw.Flush()
}

// queueDamageError is exit status 4 naming how many applications are damaged.
func queueDamageError(ds []offline.Damage, what string) error {
	if len(ds) == 0 {
		return nil
	}
	n := len(offline.VerifyResult{Damaged: ds}.DamagedApplications())
	return &exitError{exitQueueDamaged, fmt.Errorf("%d applications %s (listed above)", n, what)}
}
