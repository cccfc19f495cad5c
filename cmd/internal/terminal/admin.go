package terminal

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/cmd/internal/diag"
	"github.com/bianmin/kiosk/offline"
)

// LockoutPath is the file where the admin and staff PIN lockouts are kept,
// in the data directory (it survives restarts and updates; kioskctl admin
// status and unlock read and clear it).
func LockoutPath(dataDir string) string { return filepath.Join(dataDir, "pin-lockout.json") }

// authenticator checks PINs against the configuration's hashes with the
// lockout kept in the data directory.
func (t *Terminal) authenticator() *auth.Authenticator {
	cfg := t.Config
	return auth.NewAuthenticator(auth.NewGuard(LockoutPath(t.Plan.DataDir), auth.DefaultPolicy, nil), cfg.Credentials)
}

// auditAdapter writes the session's admin and staff events to the store's
// audit log.
type auditAdapter struct{ st *offline.Store }

func (a auditAdapter) Audit(ctx context.Context, event, detail string) error {
	return a.st.Audit(ctx, event, "", detail)
}

var _ session.ReceiptLookup = (*storeAdapter)(nil)

// ProgressByReceipt finds the application of a receipt's QR code only when
// the QR's instance ID and secret are the application's (compared in
// constant time): an acceptance number alone, or with a guessed secret,
// finds nothing. An application kept from before secrets existed needs the
// instance ID only; a purged one is not found.
func (a *storeAdapter) ProgressByReceipt(ctx context.Context, q kiosk.ReceiptQuery) ([]session.ProgressLine, error) {
	s, err := a.st.FindByAcceptanceNo(ctx, q.AcceptanceNo)
	if errors.Is(err, offline.ErrNotFound) {
		return []session.ProgressLine{}, nil
	}
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(s.InstanceID), []byte(q.InstanceID)) != 1 {
		return []session.ProgressLine{}, nil
	}
	app, err := a.st.Get(ctx, s.InstanceID)
	if errors.Is(err, offline.ErrPurged) {
		return []session.ProgressLine{}, nil
	}
	if err != nil {
		return nil, err
	}
	secret := app.TrackSecret
	app.Applicant.Wipe()
	clear(app.Form)
	if subtle.ConstantTimeCompare([]byte(secret), []byte(q.Secret)) != 1 {
		return []session.ProgressLine{}, nil
	}
	name := s.ItemCode
	if it, err := a.cat().Item(s.ItemCode); err == nil {
		name = it.Name
	}
	return []session.ProgressLine{{AcceptanceNo: s.AcceptanceNo, ItemName: name, State: s.State,
		Created: s.CreatedAt, Synced: s.State.Synced()}}, nil
}

// lastReceipt remembers the last slip handed to the printer (masked, as
// every receipt is) for the maintenance screen's reprint.
type lastReceipt struct {
	session.Printer
	mu   sync.Mutex
	last *kiosk.Receipt
}

func (l *lastReceipt) Print(ctx context.Context, r kiosk.Receipt) error {
	l.mu.Lock()
	l.last = &r
	l.mu.Unlock()
	return l.Printer.Print(ctx, r)
}

func (l *lastReceipt) get() *kiosk.Receipt {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last
}

// maintenance serves the admin mode's maintenance screen from the
// terminal's parts.
type maintenance struct {
	t    *Terminal
	last *lastReceipt
	// usbRoots are where USB sticks are mounted (/media, /run/media);
	// in simulation a directory under the data directory stands in.
	usbRoots []string
	mounts   string       // /proc/self/mounts
	journal  diag.Journal // the service's logs for the bundle
}

var _ session.Maintenance = (*maintenance)(nil)

func (m *maintenance) Report(ctx context.Context) (session.MaintenanceReport, error) {
	t := m.t
	rep := session.MaintenanceReport{At: time.Now(), Version: Version, Devices: t.DeviceStates()}
	var errs []error
	if t.Store != nil {
		st, err := t.Store.Stats(ctx)
		if err != nil {
			errs = append(errs, err)
		}
		rep.Queue, rep.Oldest = st.Pending, st.OldestAge
		pending, err := t.Store.List(ctx, offline.ListFilter{Pending: true, Limit: 5})
		if err != nil {
			errs = append(errs, err)
		}
		for _, p := range pending {
			if p.LastError != "" {
				rep.Errors = append(rep.Errors, p.AcceptanceNo+": "+firstLine(p.LastError))
			}
		}
	}
	if t.Relay != nil {
		s := t.Relay.Status()
		rep.Online = t.Online()
		rep.LastSync, rep.Sent, rep.Failed, rep.Catalog = s.LastSuccess, s.Submitted, s.Failed, s.Catalog
		for _, p := range s.Progress {
			rep.Uploads = append(rep.Uploads, session.UploadProgress{Sent: p.Sent, Size: p.Size})
		}
		if s.LastError != "" {
			rep.Errors = append([]string{firstLine(s.LastError)}, rep.Errors...)
		}
	}
	if c := t.Session.Catalog(); c != nil {
		if rep.Catalog == 0 {
			rep.Catalog = c.Version
		}
		rep.CatalogExpires = c.Expires
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(t.Plan.DataDir, &fs); err == nil {
		rep.DiskTotal = fs.Blocks * uint64(fs.Bsize)
		rep.DiskFree = fs.Bavail * uint64(fs.Bsize)
		rep.DiskUsed = rep.DiskTotal - fs.Bfree*uint64(fs.Bsize)
	}
	if free, err := t.freeBytes(); err == nil && free < rep.DiskFree {
		rep.DiskFree = free // a test's (or the store's reserved) figure
	}
	if r := m.last.get(); r != nil {
		rep.LastReceipt = r.AcceptanceNo
		if rep.LastReceipt == "" {
			rep.LastReceipt = r.TicketNo
		}
	}
	return rep, errors.Join(errs...)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// ForceSync makes every waiting application due now and starts a drain
// pass in the background (the screen's report shows how it goes).
func (m *maintenance) ForceSync(ctx context.Context) error {
	t := m.t
	if t.Store == nil || t.Relay == nil {
		return errors.New("no store or relay")
	}
	pending, err := t.Store.List(ctx, offline.ListFilter{Pending: true, Limit: 1000})
	if err != nil {
		return fmt.Errorf("force sync: %w", err)
	}
	for _, p := range pending {
		if err := t.Store.Retry(ctx, p.InstanceID); err != nil && !errors.Is(err, offline.ErrNotFound) {
			t.log.Warn("force sync: retry", "acceptance_no", p.AcceptanceNo, "err", err)
		}
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := t.Relay.DrainOnce(ctx); err != nil {
			t.log.Warn("force sync", "err", err)
		}
	}()
	return nil
}

// ReprintLast prints the last slip again: the newest one the spool kept
// (it failed to print), else the last one printed.
func (m *maintenance) ReprintLast(ctx context.Context) (string, error) {
	t := m.t
	if t.Printer == nil {
		return "", errors.New("no printer configured")
	}
	if kept := t.Printer.Pending(); len(kept) > 0 {
		e := kept[len(kept)-1]
		return e.Receipt.AcceptanceNo + e.Receipt.TicketNo, t.Printer.Reprint(ctx, e.ID)
	}
	r := m.last.get()
	if r == nil {
		return "", errors.New("no receipt printed since start")
	}
	return r.AcceptanceNo + r.TicketNo, t.Printer.Print(ctx, *r)
}

func (m *maintenance) SelfTest(ctx context.Context) ([]session.SelfTestResult, error) {
	res := m.t.SelfTest(ctx)
	if err := diag.SaveSelfTest(diag.SelfTestPath(m.t.Plan.DataDir), time.Now(), res); err != nil {
		m.t.log.Warn("self-test not kept for the diagnostics bundle", "err", err)
	}
	out := make([]session.SelfTestResult, len(res))
	for i, r := range res {
		out[i] = session.SelfTestResult{Name: r.Title, OK: r.OK, Reason: r.Reason}
	}
	return out, nil
}

// DiagBundle writes the diagnostics bundle, with the running kiosk's device
// states and last self-test, to the first writable USB stick mounted under
// /media or /run/media (in simulation: DATA/usb-sim).
func (m *maintenance) DiagBundle(ctx context.Context) (string, error) {
	t := m.t
	dir, err := m.usbDir()
	if err != nil {
		return "", err
	}
	var b diag.Bundle
	b.Add("versions.json", diag.Versions(Version))
	b.AddConfig(t.Config)
	b.Add("device-states.json", t.DeviceStates())
	if t.Relay != nil {
		s := t.Relay.Status()
		b.Add("sync.json", map[string]any{"conn": s.Conn, "last_error": s.LastError, "last_success": s.LastSuccess,
			"submitted": s.Submitted, "failed": s.Failed, "catalog": s.Catalog, "clock_skew": s.ClockSkew.String()})
	}
	// Logs and a self-test through the kiosk's own devices (their states,
	// the store, the disk, the platform), without the test slip; the last
	// full one from this screen rides along (diag/selftest.go).
	b.AddLogs(ctx, m.journal, time.Now().Add(-diag.DefaultSince))
	b.AddSelfTest(ctx, "running kiosk", diag.Passive(t.SelfTestPlan(), "receipt"), diag.SelfTestPath(t.Plan.DataDir), "")
	if t.Store != nil {
		b.AddStore(ctx, t.Store)
	}
	now := time.Now()
	name := fmt.Sprintf("kiosk-diag-%s-%s-%s.tar.gz", t.Config.Station.Code, t.Config.Station.Terminal, now.In(kiosk.ChinaTime).Format("20060102-150405"))
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path+".tmp", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return "", fmt.Errorf("diag to usb: %w", err)
	}
	err = b.Write(f, now)
	if err == nil {
		err = f.Sync() // the stick may be pulled as soon as the screen says done
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(path+".tmp", path)
	}
	if err == nil {
		if d, derr := os.Open(dir); derr == nil {
			err = d.Sync()
			d.Close()
		}
	}
	if err != nil {
		os.Remove(path + ".tmp")
		return "", fmt.Errorf("diag to usb: %w", err)
	}
	return path, nil
}

// ErrNoUSB: no USB stick is mounted where the maintenance screen looks.
var ErrNoUSB = errors.New("no USB stick mounted under /media or /run/media")

// usbDir is the mount point of the first writable file system mounted
// under one of usbRoots, from the mount table.
func (m *maintenance) usbDir() (string, error) {
	f, err := os.Open(m.mounts)
	if err != nil {
		return "", fmt.Errorf("mounts: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 {
			continue
		}
		mp := strings.ReplaceAll(fields[1], `\040`, " ")
		rw := strings.HasPrefix(fields[3], "rw")
		for _, root := range m.usbRoots {
			if rw && strings.HasPrefix(mp, root+"/") {
				return mp, nil
			}
		}
	}
	// Simulation: a directory stands in for the stick.
	for _, root := range m.usbRoots {
		if strings.HasSuffix(root, "usb-sim") {
			if err := os.MkdirAll(root, 0o700); err != nil {
				return "", err
			}
			return root, nil
		}
	}
	return "", ErrNoUSB
}

// bundleJournal is where the diagnostics bundle reads the service's logs
// (tests put a fake here before Start).
var bundleJournal diag.Journal = diag.Journalctl{}

// adminDeps are the session's admin ports over the terminal.
func (t *Terminal) adminDeps(pr session.Printer) (session.Printer, *auth.Authenticator, session.Auditor, session.Maintenance) {
	last := &lastReceipt{Printer: pr}
	m := &maintenance{t: t, last: last, usbRoots: []string{"/media", "/run/media"}, mounts: "/proc/self/mounts", journal: bundleJournal}
	if t.Config.Simulated() {
		m.usbRoots = append(m.usbRoots, filepath.Join(t.Plan.DataDir, "usb-sim"))
	}
	return last, t.authenticator(), auditAdapter{st: t.Store}, m
}
