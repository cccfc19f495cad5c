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
	b, err := diagCollect(ctx, v.store)
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
func diagCollect(ctx context.Context, sf *queueStoreFlags) (*diag.Bundle, error) {
	var b diag.Bundle
	b.Add("versions.json", diag.Versions(terminal.Version))
	if err := sf.resolve(); err != nil {
		b.AddErr("config.json", err)
		return &b, nil
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
