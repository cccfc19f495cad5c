package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/config"
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
	entries, err := diagCollect(ctx, v.store)
	if err == nil {
		err = diagWrite(f, entries, time.Now())
	}
	if err := f.finish(err); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d files)\n", *out, len(entries))
	return nil
}

type diagEntry struct {
	name string
	body []byte
}

// diagCollect gathers the bundle's files. A part that cannot be read (no
// store, a bad key) is written as its error, so the bundle says why.
func diagCollect(ctx context.Context, sf *queueStoreFlags) ([]diagEntry, error) {
	var es []diagEntry
	add := func(name string, v any) {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			b = []byte(`{"error": "` + err.Error() + `"}`)
		}
		es = append(es, diagEntry{name, append(b, '\n')})
	}
	errOf := func(err error) map[string]string { return map[string]string{"error": err.Error()} }

	versions := map[string]any{"kiosk": terminal.Version, "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		mods := map[string]string{}
		for _, m := range bi.Deps {
			mods[m.Path] = m.Version
		}
		versions["modules"] = mods
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "vcs.modified" {
				versions[s.Key] = s.Value
			}
		}
	}
	add("versions.json", versions)

	if err := sf.resolve(); err != nil {
		add("config.json", errOf(err))
		return es, nil
	}
	cfg := diagRedact(sf.plan.Config)
	add("config.json", cfg)
	add("devices.json", map[string]any{
		"idcard": cfg.IDCard, "printer": cfg.Printer, "scanner": cfg.Scanner, "qr": cfg.QR,
		"note": "configured devices; their live state: kioskctl selftest / the maintenance screen",
	})
	add("store.json", map[string]any{"data_dir": sf.plan.DataDir, "store_dir": sf.plan.StoreDir, "key_file": sf.plan.KeyFile,
		"key_from_credential": sf.plan.KeyFromCredential, "exists": sf.plan.StoreExists()})

	st, err := ctlOpenStore(ctx, sf.plan, false)
	if err != nil {
		add("queue-stats.json", errOf(err))
		add("verify.json", errOf(err))
		return es, nil
	}
	defer st.Close()
	if s, err := st.Stats(ctx); err != nil {
		add("queue-stats.json", errOf(err))
	} else {
		add("queue-stats.json", s)
	}
	if problems, err := st.IntegrityCheck(ctx); err != nil {
		add("integrity.json", errOf(err))
	} else {
		add("integrity.json", map[string]any{"ok": len(problems) == 0, "problems": problems})
	}
	if res, err := st.Verify(ctx); err != nil {
		add("verify.json", errOf(err))
	} else {
		add("verify.json", res)
	}
	return es, nil
}

// diagRedact returns the configuration with nothing secret (diag.Redact:
// paths to key files stay; the platform URL's user info and query, the PIN
// hashes and the staff's names go).
func diagRedact(c config.Config) config.Config { return diag.Redact(c) }

func diagWrite(w io.Writer, es []diagEntry, now time.Time) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, e := range es {
		if err := tw.WriteHeader(&tar.Header{Name: "kiosk-diag/" + e.name, Mode: 0o600, Size: int64(len(e.body)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return fmt.Errorf("diag: %w", err)
		}
		if _, err := io.Copy(tw, bytes.NewReader(e.body)); err != nil {
			return fmt.Errorf("diag: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("diag: %w", err)
	}
	return zw.Close()
}
