package terminal

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/offline"
)

func adminConfig(t *testing.T, dir string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Store.DataDir = dir
	h, err := auth.HashWith("246813", auth.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Admin.PINHash = h
	return cfg
}

func auditEvents(t *testing.T, st *offline.Store) string {
	t.Helper()
	log, err := st.AuditLog(context.Background(), "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range log {
		if strings.HasPrefix(e.Event, "admin.") {
			out = append(out, e.Event)
		}
	}
	return strings.Join(out, " ")
}

// TestAdminOnTheTerminal: the kiosk's admin mode checks the configured
// hash, writes every step into the store's audit log, keeps a lockout
// across a restart of the whole terminal, and its maintenance screen gets a
// report and a diagnostics bundle without the PIN hash.
func TestAdminOnTheTerminal(t *testing.T) {
	dir := t.TempDir()
	cfg := adminConfig(t, dir)
	ctx := context.Background()
	term, err := Start(ctx, cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	s := term.Session
	login := func(pin string) session.Snapshot {
		s.AdminLogin(pin)
		waitFor(t, "PIN checked", 10*time.Second, func() bool { return !s.Snapshot().Busy })
		return s.Snapshot()
	}
	for i := 0; i < 5; i++ {
		s.CornerTap()
	}
	for i := 0; i < 3; i++ {
		login("111112")
	}
	if sn := s.Snapshot(); !errors.Is(sn.AuthErr, auth.ErrLocked) {
		t.Fatalf("after three wrong PINs: %v", sn.AuthErr)
	}
	if got := auditEvents(t, term.Store); got != "admin.entry admin.login_failed admin.login_failed admin.login_failed" {
		t.Fatalf("audit log %q", got)
	}
	term.Close()

	term, err = Start(ctx, cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	s = term.Session
	for i := 0; i < 5; i++ {
		s.CornerTap()
	}
	if sn := login("246813"); !errors.Is(sn.AuthErr, auth.ErrLocked) || sn.Screen != session.ScreenAdminPIN {
		t.Fatalf("the right PIN right after a restart: %v on %s", sn.AuthErr, sn.Screen)
	}
	// The lockout ends (here by the technician's kioskctl admin unlock).
	if err := auth.NewGuard(LockoutPath(term.Plan.DataDir), auth.DefaultPolicy, nil).Clear(); err != nil {
		t.Fatal(err)
	}
	if sn := login("246813"); sn.Screen != session.ScreenAdmin {
		t.Fatalf("right PIN: %v on %s", sn.AuthErr, sn.Screen)
	}
	waitFor(t, "report", 10*time.Second, func() bool { sn := s.Snapshot(); return sn.Admin.Report != nil && !sn.Admin.Busy })
	rep := s.Snapshot().Admin.Report
	if rep.Version == "" || len(rep.Devices) == 0 || rep.Catalog == 0 || rep.DiskTotal == 0 {
		t.Fatalf("report %+v", rep)
	}
	s.AdminDiag()
	waitFor(t, "diag", 30*time.Second, func() bool { sn := s.Snapshot(); return sn.Admin.Action == "diag" && !sn.Admin.Busy })
	sn := s.Snapshot()
	if sn.Admin.ActionErr != nil || !strings.HasPrefix(sn.Admin.Done, filepath.Join(dir, "usb-sim")+"/") {
		t.Fatalf("diag: %v %q", sn.Admin.ActionErr, sn.Admin.Done)
	}
	names, body := readTarGz(t, sn.Admin.Done)
	for _, want := range []string{"kiosk-diag/config.json", "kiosk-diag/device-states.json", "kiosk-diag/queue-stats.json", "kiosk-diag/verify.json"} {
		if !strings.Contains(names, want) {
			t.Errorf("bundle lacks %s: %s", want, names)
		}
	}
	if strings.Contains(body, "$argon2id$") || strings.Contains(body, cfg.Admin.PINHash) {
		t.Fatal("the bundle holds the admin PIN hash")
	}
	s.AdminExit()
	if got := auditEvents(t, term.Store); !strings.HasSuffix(got, "admin.entry admin.login_failed admin.login admin.diag admin.exit") {
		t.Fatalf("audit log %q", got)
	}
}

func readTarGz(t *testing.T, path string) (names, body string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var n, b strings.Builder
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n.WriteString(h.Name + " ")
		c, _ := io.ReadAll(tr)
		b.Write(c)
	}
	return n.String(), b.String()
}

// TestReceiptQRSecretOnTheStore: the receipt QR lookup against the real
// store finds the application only with its instance ID and its secret; an
// acceptance number with a wrong, missing or guessed secret finds nothing.
func TestReceiptQRSecretOnTheStore(t *testing.T) {
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	ctx := context.Background()
	it := term.Catalog.Items[0]
	app := &kiosk.Application{InstanceID: "00000000-0000-4000-8000-000000000042", TrackSecret: "Zm9vYmFyYmF6cXV4MTIzNA",
		AcceptanceNo: kiosk.AcceptanceNo(cfg.Station, time.Now(), 7), ItemCode: it.Code, ItemName: it.Name, Station: cfg.Station,
		Applicant: kiosk.Identity{Name: "张三", IDNumber: "11010519491231002X"}, Form: map[string]string{}, CreatedAt: time.Now()}
	if err := term.Store.Enqueue(ctx, app, nil); err != nil {
		t.Fatal(err)
	}
	sa := &storeAdapter{st: term.Store, cat: term.Session.Catalog}
	right := kiosk.ReceiptQuery{AcceptanceNo: app.AcceptanceNo, InstanceID: app.InstanceID, Secret: app.TrackSecret}
	for name, q := range map[string]kiosk.ReceiptQuery{
		"wrong secret":   {AcceptanceNo: right.AcceptanceNo, InstanceID: right.InstanceID, Secret: "Zm9vYmFyYmF6cXV4MTIzNQ"},
		"no secret":      {AcceptanceNo: right.AcceptanceNo, InstanceID: right.InstanceID},
		"other instance": {AcceptanceNo: right.AcceptanceNo, InstanceID: "00000000-0000-4000-8000-000000000043", Secret: right.Secret},
		"other number":   {AcceptanceNo: kiosk.AcceptanceNo(cfg.Station, time.Now(), 8), InstanceID: right.InstanceID, Secret: right.Secret},
	} {
		lines, err := sa.ProgressByReceipt(ctx, q)
		if err != nil || len(lines) != 0 {
			t.Errorf("%s: %v %v", name, lines, err)
		}
	}
	lines, err := sa.ProgressByReceipt(ctx, right)
	if err != nil || len(lines) != 1 || lines[0].AcceptanceNo != app.AcceptanceNo || lines[0].ItemName != it.Name {
		t.Fatalf("right QR: %+v %v", lines, err)
	}
	// Through the session, as a scan at the kiosk.
	term.Session.QRScanned(kiosk.TrackURL(cfg.Platform.QueryBase, kiosk.ReceiptQuery{AcceptanceNo: app.AcceptanceNo, InstanceID: app.InstanceID, Secret: "guess"}))
	waitFor(t, "lookup", 10*time.Second, func() bool { sn := term.Session.Snapshot(); return !sn.Busy && sn.Progress != nil })
	if sn := term.Session.Snapshot(); len(sn.Progress) != 0 {
		t.Fatalf("a guessed secret found %+v", sn.Progress)
	}
	term.Session.QRScanned(kiosk.TrackURL(cfg.Platform.QueryBase, right))
	waitFor(t, "lookup", 10*time.Second, func() bool { return len(term.Session.Snapshot().Progress) == 1 })
}
