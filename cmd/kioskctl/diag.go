package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/diag"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

func init() {
	register("diag", "bundle", "write a diagnostics bundle (tar.gz, no personal data, no key material)", diagBundle)
}

// diagBundle is kioskctl diag bundle --out FILE: a tar.gz a technician
// carries off the terminal. It holds the configuration (paths to keys and
// certificates, never their contents; a platform URL without user info or
// query), versions, the configured devices, queue statistics and the
// queue verify result. Nothing in it is personal: the store is read only
// through Stats and Verify, which return no personal data.
func diagBundle(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("diag bundle", stderr)
	out := v.String("out", "", "bundle file to write (required), e.g. /media/usb/diag.tar.gz")
	since := v.Duration("since", diag.DefaultSince, "logs of the kiosk service since this long ago")
	noSelftest := v.Bool("no-selftest", false, "leave out the self-test run")
	if err := v.parse(args); err != nil {
		return err
	}
	if *out == "" {
		return &exitError{2, errors.New("--out FILE is required")}
	}
	// The output first: opening the store may drop root to the service user.
	f, err := createOut(*out)
	if err != nil {
		return err
	}
	b, err := diagCollect(ctx, v.store, diagOptions{since: time.Now().Add(-*since), selftest: !*noSelftest})
	if err == nil {
		err = b.Write(f, time.Now())
	}
	if err := f.finish(err); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d files)\n", *out, len(b.Entries))
	return nil
}

// diagCollect gathers the bundle's files with the builder the maintenance
// screen uses too (cmd/internal/diag). A part that cannot be read (no
// store, a bad key) is written as its error, so the bundle says why.
func diagCollect(ctx context.Context, sf *queueStoreFlags, o diagOptions) (*diag.Bundle, error) {
	var b diag.Bundle
	b.Add("versions.json", diag.Versions(terminal.Version))
	b.AddLogs(ctx, diagJournal, o.since)
	if err := sf.resolve(); err != nil {
		b.AddErr("config.json", err)
		return &b, nil
	}
	if o.selftest {
		diagSelfTest(ctx, &b, sf)
	}
	b.AddConfig(sf.plan.Config)
	b.Add("store.json", map[string]any{"data_dir": sf.plan.DataDir, "store_dir": sf.plan.StoreDir, "key_file": sf.plan.KeyFile,
		"key_from_credential": sf.plan.KeyFromCredential, "exists": sf.plan.StoreExists()})

	st, err := ctlOpenStore(ctx, sf.plan, false)
	if err != nil {
		b.AddErr("queue-stats.json", err)
		b.AddErr("verify.json", err)
		return &b, nil
	}
	defer st.Close()
	b.AddStore(ctx, st)
	return &b, nil
}

type diagOptions struct {
	since    time.Time
	selftest bool
}

// diagJournal reads the service's logs (tests put a fake here).
var diagJournal diag.Journal = diag.Journalctl{}

// diagSelfTest adds selftest.json: kioskctl's own run of the checks that
// neither print, scan, speak nor wait for a person (the reader and the QR
// scanner only answer, no card or code needed), with the last self-test
// the maintenance screen ran. Ports the running kiosk holds are refused,
// never shared (selftest.ReasonBusy), and the kept run shows them; a
// simulated terminal's devices run inside the kiosk, so only the kept run
// is there.
func diagSelfTest(ctx context.Context, b *diag.Bundle, sf *queueStoreFlags) {
	kept := diag.SelfTestPath(sf.plan.DataDir)
	if sf.plan.Config.Simulated() {
		b.AddSelfTest(ctx, "kioskctl", nil, kept, "simulated terminal: its devices run inside the kiosk; the maintenance screen's bundle has a fresh run")
		return
	}
	checks, closeAll, err := checksFor(ctx, sf.plan.Config, checkOptions{plan: sf.plan, provisioning: true, skip: diag.BundleSkips})
	if err != nil {
		b.AddSelfTest(ctx, "kioskctl", nil, kept, "self-test not run: "+err.Error())
		return
	}
	defer closeAll()
	b.AddSelfTest(ctx, "kioskctl", checks, kept, "")
}
