// Package diag builds the diagnostics bundle a technician carries off a
// terminal (a tar.gz): the configuration without secrets, versions, the
// devices, queue statistics, the store's integrity and verify results, the
// service's logs reduced to allow-listed fields (logs.go), self-test
// results (selftest.go) and, from the running kiosk, device states. Nothing in
// it is personal and no key or PIN hash is in it. kioskctl diag bundle and
// the maintenance screen's "diagnostics to USB" both write it; only cmd/
// imports it.
package diag

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/offline"
)

// Entry is one file of the bundle.
type Entry struct {
	Name string
	Body []byte
}

// Bundle collects entries; a part that could not be read is written as its
// error, so the bundle says why.
type Bundle struct{ Entries []Entry }

// Add adds v as name, indented JSON.
func (b *Bundle) Add(name string, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		body = []byte(`{"error": "` + err.Error() + `"}`)
	}
	b.Entries = append(b.Entries, Entry{name, append(body, '\n')})
}

// AddErr adds the error that kept name from being read.
func (b *Bundle) AddErr(name string, err error) { b.Add(name, map[string]string{"error": err.Error()}) }

// Versions is the software's version, Go's and the modules'.
func Versions(kioskVersion string) map[string]any {
	v := map[string]any{"kiosk": kioskVersion, "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		mods := map[string]string{}
		for _, m := range bi.Deps {
			mods[m.Path] = m.Version
		}
		v["modules"] = mods
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" || s.Key == "vcs.time" || s.Key == "vcs.modified" {
				v[s.Key] = s.Value
			}
		}
	}
	return v
}

// Redact returns the configuration with nothing secret: paths to key files
// stay (not keys); the platform URL's user info and query (where a token
// could sit), the admin and staff PIN hashes and the staff's names go.
func Redact(c config.Config) config.Config {
	for _, p := range []*string{&c.Platform.URL, &c.Platform.QueryBase} {
		if u, err := url.Parse(*p); err == nil && *p != "" {
			if u.User != nil {
				u.User = url.User("REDACTED")
			}
			if u.RawQuery != "" {
				u.RawQuery = "REDACTED"
			}
			*p = u.String()
		}
	}
	if c.Admin.PINHash != "" {
		c.Admin.PINHash = "REDACTED"
	}
	staff := make([]config.StaffMember, len(c.Staff))
	for i, s := range c.Staff {
		staff[i] = config.StaffMember{Number: s.Number, Name: "REDACTED", PINHash: "REDACTED"}
	}
	c.Staff = staff
	return c
}

// AddConfig adds the redacted configuration and the configured devices.
func (b *Bundle) AddConfig(c config.Config) {
	c = Redact(c)
	b.Add("config.json", c)
	b.Add("devices.json", map[string]any{
		"idcard": c.IDCard, "printer": c.Printer, "scanner": c.Scanner, "qr": c.QR,
		"note": "configured devices; their live state: kioskctl selftest / the maintenance screen",
	})
}

// AddStore adds queue statistics, the integrity check and the verify
// result: none of them returns personal data.
func (b *Bundle) AddStore(ctx context.Context, st *offline.Store) {
	if s, err := st.Stats(ctx); err != nil {
		b.AddErr("queue-stats.json", err)
	} else {
		b.Add("queue-stats.json", s)
	}
	if problems, err := st.IntegrityCheck(ctx); err != nil {
		b.AddErr("integrity.json", err)
	} else {
		b.Add("integrity.json", map[string]any{"ok": len(problems) == 0, "problems": problems})
	}
	if res, err := st.Verify(ctx); err != nil {
		b.AddErr("verify.json", err)
	} else {
		b.Add("verify.json", res)
	}
}

// Write writes the bundle as a tar.gz under kiosk-diag/.
func (b *Bundle) Write(w io.Writer, now time.Time) error {
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, e := range b.Entries {
		if err := tw.WriteHeader(&tar.Header{Name: "kiosk-diag/" + e.Name, Mode: 0o600, Size: int64(len(e.Body)), ModTime: now, Typeflag: tar.TypeReg}); err != nil {
			return fmt.Errorf("diag: %w", err)
		}
		if _, err := io.Copy(tw, bytes.NewReader(e.Body)); err != nil {
			return fmt.Errorf("diag: %w", err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("diag: %w", err)
	}
	return zw.Close()
}
