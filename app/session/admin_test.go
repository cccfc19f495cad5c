package session

import (
	"context"
	"crypto/subtle"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/auth"
)

const staffPIN = "135792"

// fakeStaff accepts staffPIN for any number (the real checks are app/auth's).
type fakeStaff struct{}

func (fakeStaff) Staff(ctx context.Context, number, pin string) (auth.Staff, error) {
	if pin != staffPIN {
		return auth.Staff{}, auth.ErrWrongPIN
	}
	return auth.Staff{Number: number, Name: "王芳"}, nil
}

// ProgressByReceipt makes the fake store a ReceiptLookup that checks the
// instance ID and the secret as the terminal's adapter does.
func (f *fakeStore) ProgressByReceipt(ctx context.Context, q kiosk.ReceiptQuery) ([]ProgressLine, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := []ProgressLine{}
	for _, a := range f.apps {
		if a.AcceptanceNo == q.AcceptanceNo && a.InstanceID == q.InstanceID &&
			subtle.ConstantTimeCompare([]byte(a.TrackSecret), []byte(q.Secret)) == 1 {
			out = append(out, ProgressLine{AcceptanceNo: a.AcceptanceNo, ItemName: a.ItemName, State: a.State})
		}
	}
	return out, nil
}

type auditRow struct{ event, detail string }

type fakeAudit struct {
	mu   sync.Mutex
	rows []auditRow
}

func (f *fakeAudit) Audit(ctx context.Context, event, detail string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rows = append(f.rows, auditRow{event, detail})
	return nil
}

func (f *fakeAudit) events() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.rows {
		out = append(out, r.event)
	}
	return strings.Join(out, " ")
}

func (f *fakeAudit) last() auditRow {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.rows) == 0 {
		return auditRow{}
	}
	return f.rows[len(f.rows)-1]
}

type fakeMaint struct {
	mu    sync.Mutex
	calls []string
}

func (m *fakeMaint) call(c string) { m.mu.Lock(); m.calls = append(m.calls, c); m.mu.Unlock() }
func (m *fakeMaint) Report(ctx context.Context) (MaintenanceReport, error) {
	m.call("report")
	return MaintenanceReport{Version: "1.2.3", Queue: 2, Oldest: time.Hour}, nil
}
func (m *fakeMaint) ForceSync(ctx context.Context) error { m.call("sync"); return nil }
func (m *fakeMaint) ReprintLast(ctx context.Context) (string, error) {
	m.call("reprint")
	return "", errors.New("no receipt to reprint")
}
func (m *fakeMaint) SelfTest(ctx context.Context) ([]SelfTestResult, error) {
	m.call("selftest")
	return []SelfTestResult{{Name: "读卡器", OK: true}, {Name: "打印机", OK: false, Reason: "缺纸"}}, nil
}
func (m *fakeMaint) DiagBundle(ctx context.Context) (string, error) {
	m.call("diag")
	return "/media/usb/diag.tar.gz", nil
}

const adminPIN = "246813"

type adminRig struct {
	s     *Session
	clk   *fakeClock
	audit *fakeAudit
	maint *fakeMaint
	auth  *auth.Authenticator
}

// newAdminRig is a session with the real authenticator over a lockout file
// in dir (cheap argon2id parameters), a fake audit log and maintenance.
func newAdminRig(t *testing.T, dir string, clk *fakeClock) *adminRig {
	t.Helper()
	h, err := auth.HashWith(adminPIN, auth.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	sh, _ := auth.HashWith(staffPIN, auth.Params{Memory: 64, Time: 1, Threads: 1})
	creds := auth.Credentials{AdminPINHash: h, Staff: []auth.Staff{{Number: "G0012", Name: "王芳", PINHash: sh}}}
	a := auth.NewAuthenticator(auth.NewGuard(filepath.Join(dir, "lockout.json"), auth.DefaultPolicy, clk.Now), func() auth.Credentials { return creds })
	r := &adminRig{clk: clk, audit: &fakeAudit{}, maint: &fakeMaint{}, auth: a}
	r.s = New(Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01"}, IdleTimeout: 60 * time.Second, WarnFor: 20 * time.Second},
		Deps{Catalog: catalog(), Store: &fakeStore{}, Printer: &fakePrinter{}, Clock: clk,
			Admin: a, Staff: a, Audit: r.audit, Maintenance: r.maint})
	return r
}

func (r *adminRig) corner(n int) {
	for i := 0; i < n; i++ {
		r.s.CornerTap()
	}
}

func (r *adminRig) login(t *testing.T, pin string) Snapshot {
	t.Helper()
	r.s.AdminLogin(pin)
	waitFor(t, "PIN checked", func() bool { return !r.s.Snapshot().Busy })
	return r.s.Snapshot()
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)} }

// Five taps within three seconds on the attract screen open the PIN pad;
// four, or five spread over more than three seconds, do not; a corner tap
// elsewhere does nothing. Kills: a window check dropped, a count off by one.
func TestAdminHiddenEntry(t *testing.T) {
	r := newAdminRig(t, t.TempDir(), newClock())
	r.corner(4)
	if r.s.Snapshot().Screen != ScreenAttract {
		t.Fatal("four taps opened the PIN pad")
	}
	r.clk.Add(3 * time.Second)
	r.corner(1) // the first four are too old now
	if r.s.Snapshot().Screen != ScreenAttract {
		t.Fatal("five taps over more than 3 s opened the PIN pad")
	}
	for i := 0; i < 4; i++ {
		r.clk.Add(700 * time.Millisecond)
		r.s.CornerTap()
	}
	if sn := r.s.Snapshot(); sn.Screen != ScreenAdminPIN {
		t.Fatalf("five taps within 3 s: %s", sn.Screen)
	}
	if r.audit.events() != "admin.entry" {
		t.Fatalf("audit %q", r.audit.events())
	}
	r.s.AdminExit()
	r.s.CardRead(card())
	r.corner(5)
	if r.s.Snapshot().Screen != ScreenHome {
		t.Fatal("corner taps during a resident's visit opened admin mode")
	}
}

// Wrong PINs are refused and audited, the third locks admin mode out for
// 30 s, and a restarted kiosk (a new session and authenticator over the
// same lockout file) still refuses the right PIN until the lockout ends.
func TestAdminPINLockoutSurvivesRestart(t *testing.T) {
	dir, clk := t.TempDir(), newClock()
	r := newAdminRig(t, dir, clk)
	r.corner(5)
	for i := 0; i < 2; i++ {
		if sn := r.login(t, "111112"); !errors.Is(sn.AuthErr, auth.ErrWrongPIN) || sn.Screen != ScreenAdminPIN {
			t.Fatalf("wrong PIN %d: %v on %s", i+1, sn.AuthErr, sn.Screen)
		}
	}
	if sn := r.login(t, "111113"); !errors.Is(sn.AuthErr, auth.ErrLocked) {
		t.Fatalf("third wrong PIN: %v, want a lockout", sn.AuthErr)
	}
	if got := r.audit.events(); got != "admin.entry admin.login_failed admin.login_failed admin.login_failed" {
		t.Fatalf("audit %q", got)
	}
	if d := r.audit.last().detail; !strings.HasPrefix(d, "wrong pin; locked until") || strings.Contains(d, "111113") {
		t.Fatalf("audit detail %q", d)
	}
	// Restart.
	r = newAdminRig(t, dir, clk)
	r.corner(5)
	if sn := r.login(t, adminPIN); !errors.Is(sn.AuthErr, auth.ErrLocked) || sn.Screen != ScreenAdminPIN {
		t.Fatalf("right PIN during the lockout after a restart: %v on %s", sn.AuthErr, sn.Screen)
	}
	clk.Add(31 * time.Second)
	if sn := r.login(t, "999990"); !errors.Is(sn.AuthErr, auth.ErrLocked) {
		t.Fatalf("fourth wrong PIN: %v", sn.AuthErr)
	}
	clk.Add(31 * time.Second) // the delay grew to a minute
	if sn := r.login(t, adminPIN); !errors.Is(sn.AuthErr, auth.ErrLocked) {
		t.Fatalf("right PIN 31 s into a 1 min lockout: %v", sn.AuthErr)
	}
	clk.Add(30 * time.Second)
	if sn := r.login(t, adminPIN); sn.AuthErr != nil || sn.Screen != ScreenAdmin {
		t.Fatalf("right PIN after the lockout: %v on %s", sn.AuthErr, sn.Screen)
	}
	if r.audit.last().event != "admin.login" {
		t.Fatalf("audit %q", r.audit.events())
	}
	waitFor(t, "report", func() bool { return r.s.Snapshot().Admin.Report != nil })
}

// Admin mode ends by itself after AdminIdle without a tap (not at the
// resident's shorter timeout), and says so in the audit log; a tap keeps it.
func TestAdminAutoExit(t *testing.T) {
	r := newAdminRig(t, t.TempDir(), newClock())
	r.corner(5)
	r.login(t, adminPIN)
	waitFor(t, "report", func() bool { return !r.s.Snapshot().Admin.Busy && r.s.Snapshot().Admin.Report != nil })
	r.clk.Add(90 * time.Second)
	r.s.Tick()
	if sn := r.s.Snapshot(); sn.Screen != ScreenAdmin || sn.Warning {
		t.Fatalf("after 90 s: %s warning=%v (the resident's timeout ended admin mode)", sn.Screen, sn.Warning)
	}
	r.s.Touch()
	r.clk.Add(119 * time.Second)
	r.s.Tick()
	if r.s.Snapshot().Screen != ScreenAdmin {
		t.Fatal("a tap did not keep admin mode open")
	}
	r.clk.Add(2 * time.Second)
	r.s.Tick()
	if sn := r.s.Snapshot(); sn.Screen != ScreenAttract || sn.Admin.Report != nil {
		t.Fatalf("after 2 min idle: %s", sn.Screen)
	}
	if got := r.audit.last(); got != (auditRow{"admin.exit", "reason=idle"}) {
		t.Fatalf("audit %+v", got)
	}
	// The PIN pad left open times out too.
	r.corner(5)
	r.clk.Add(2 * time.Minute)
	r.s.Tick()
	if r.s.Snapshot().Screen != ScreenAttract {
		t.Fatal("the PIN pad stayed open")
	}
}

// Every maintenance action reaches the terminal and the audit log, with its
// result; none runs outside admin mode.
func TestAdminActionsAudited(t *testing.T) {
	r := newAdminRig(t, t.TempDir(), newClock())
	r.s.AdminForceSync() // not in admin mode
	r.corner(5)
	r.s.AdminForceSync() // on the PIN pad
	r.login(t, adminPIN)
	idle := func() bool { return !r.s.Snapshot().Admin.Busy }
	waitFor(t, "report", idle)
	for _, act := range []func(){r.s.AdminForceSync, r.s.AdminReprint, r.s.AdminSelfTest, r.s.AdminDiag} {
		act()
		waitFor(t, "action", idle)
		waitFor(t, "refresh", idle)
	}
	sn := r.s.Snapshot()
	if sn.Admin.Action != "diag" || sn.Admin.Done != "/media/usb/diag.tar.gz" || len(sn.Admin.SelfTest) != 2 {
		t.Fatalf("admin state %+v", sn.Admin)
	}
	r.maint.mu.Lock()
	calls := strings.Join(r.maint.calls, " ")
	r.maint.mu.Unlock()
	if calls != "report sync report reprint report selftest diag" {
		t.Fatalf("calls %q", calls)
	}
	r.s.AdminExit()
	want := []auditRow{{"admin.entry", ""}, {"admin.login", ""}, {"admin.sync", "ok"},
		{"admin.reprint", "error: no receipt to reprint"}, {"admin.selftest", "ok 1/2"},
		{"admin.diag", "ok /media/usb/diag.tar.gz"}, {"admin.exit", "reason=button"}}
	r.audit.mu.Lock()
	defer r.audit.mu.Unlock()
	if len(r.audit.rows) != len(want) {
		t.Fatalf("audit %+v", r.audit.rows)
	}
	for i, w := range want {
		if r.audit.rows[i] != w {
			t.Errorf("audit %d = %+v, want %+v", i, r.audit.rows[i], w)
		}
	}
}

// A QR scan (a receipt, or anything) never takes the screen out of admin
// mode into a place from which Back would return to it.
func TestQRScanDoesNotLeaveAdmin(t *testing.T) {
	r := newAdminRig(t, t.TempDir(), newClock())
	r.corner(5)
	r.login(t, adminPIN)
	r.s.QRScanned("https://q/track?no=N1&id=abc&k=x")
	if r.s.Snapshot().Screen != ScreenAdmin {
		t.Fatalf("a scan moved admin mode to %s", r.s.Snapshot().Screen)
	}
}

// 帮办代办: a wrong staff PIN is refused and audited, the third in a row
// locks staff sign-in, the right one after the lockout signs the agent in
// and the agent's number and name go onto the application.
func TestStaffPINLockout(t *testing.T) {
	r := newAdminRig(t, t.TempDir(), newClock())
	r.s.StartManual()
	submit := func(number, pin string) Snapshot {
		t.Helper()
		if err := r.s.SubmitManual(number, pin, "张三", "11010519491231002X"); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "staff PIN checked", func() bool { return !r.s.Snapshot().Busy })
		return r.s.Snapshot()
	}
	if sn := submit("G0012", "000001"); !errors.Is(sn.AuthErr, auth.ErrWrongPIN) || sn.Screen != ScreenManualID || sn.Identity != nil {
		t.Fatalf("wrong staff PIN: %v on %s", sn.AuthErr, sn.Screen)
	}
	if sn := submit("X9999", staffPIN); !errors.Is(sn.AuthErr, auth.ErrWrongPIN) {
		t.Fatalf("unknown staff number: %v", sn.AuthErr)
	}
	if sn := submit("G0012", "000002"); !errors.Is(sn.AuthErr, auth.ErrLocked) {
		t.Fatalf("third failure: %v", sn.AuthErr)
	}
	if sn := submit("G0012", staffPIN); !errors.Is(sn.AuthErr, auth.ErrLocked) || sn.Screen != ScreenManualID {
		t.Fatalf("right PIN during the lockout: %v on %s", sn.AuthErr, sn.Screen)
	}
	r.clk.Add(31 * time.Second)
	if sn := submit("G0012", staffPIN); sn.Screen != ScreenHome || sn.Agent != "G0012" || sn.AgentName != "王芳" {
		t.Fatalf("right PIN after the lockout: %v on %s", sn.AuthErr, sn.Screen)
	}
	if got := r.audit.events(); got != "staff.login_failed staff.login_failed staff.login_failed staff.login_failed staff.login" {
		t.Fatalf("audit %q", got)
	}
	if d := r.audit.last().detail; d != "staff=G0012" {
		t.Fatalf("audit detail %q", d)
	}
}

// The agent signed in is on every application of the visit and on its
// receipt; the receipt's QR carries a secret.
func TestAgentOnApplicationAndReceipt(t *testing.T) {
	s, st, pr, _ := newSession(t)
	s.StartManual()
	if err := s.SubmitManual("G0012", staffPIN, "张三", "11010519491231002X"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "home", func() bool { return s.Snapshot().Screen == ScreenHome })
	if err := s.ChooseItem("A"); err != nil {
		t.Fatal(err)
	}
	s.StartForm()
	s.SetField("phone", "13800138000")
	if !s.SubmitForm() {
		t.Fatalf("form refused: %v", s.Snapshot().FieldErrors)
	}
	if err := s.ScanMaterial(0); err != nil { // a typed identity: the card is scanned
		t.Fatal(err)
	}
	waitFor(t, "scan", func() bool { return !s.Snapshot().Busy && s.Snapshot().Materials[0].Mode == kiosk.MaterialScanned })
	_ = s.SetMaterialMode(1, kiosk.MaterialCommitted)
	_ = s.Sign([]byte("sig"))
	_ = s.SetMaterialMode(2, kiosk.MaterialDeferred)
	if err := s.Review(); err != nil {
		t.Fatal(err)
	}
	s.Submit()
	waitFor(t, "receipt", func() bool { pr.mu.Lock(); defer pr.mu.Unlock(); return len(pr.receipts) == 1 })
	st.mu.Lock()
	app := st.apps[0]
	st.mu.Unlock()
	if app.Agent != "G0012" || app.AgentName != "王芳" || len(app.TrackSecret) < 20 {
		t.Fatalf("application agent %q %q secret %q", app.Agent, app.AgentName, app.TrackSecret)
	}
	pr.mu.Lock()
	r := pr.receipts[0]
	pr.mu.Unlock()
	q, ok := kiosk.ParseReceiptQuery(r.QRPayload)
	if r.Agent != "G0012 王芳" || !ok || q.Secret != app.TrackSecret || q.InstanceID != app.InstanceID {
		t.Fatalf("receipt agent %q QR %q", r.Agent, r.QRPayload)
	}
}

// Progress by a typed ID number is for a signed-in agent only: an identity
// typed in without one lists nothing and the store is not asked.
func TestTypedIDProgressIsStaffOnly(t *testing.T) {
	s, st, _, _ := newSession(t)
	st.apps = []*kiosk.Application{{AcceptanceNo: "N1", ItemName: "事项A", State: kiosk.StateAccepted,
		Applicant: kiosk.Identity{IDNumber: "11010519491231002X"}}}
	typed := card()
	typed.Source = kiosk.SourceManual
	s.CardRead(typed)
	s.OpenProgress()
	if sn := s.Snapshot(); !errors.Is(sn.ProgressErr, ErrStaffOnly) || sn.Busy || len(sn.Progress) != 0 {
		t.Fatalf("typed ID without an agent: %+v", sn.ProgressErr)
	}
	s.End()
	s.StartManual()
	if err := s.SubmitManual("G0012", staffPIN, "张三", "11010519491231002X"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "home", func() bool { return s.Snapshot().Screen == ScreenHome })
	s.OpenProgress()
	waitFor(t, "progress", func() bool { return len(s.Snapshot().Progress) == 1 })
	// A card shows its holder's own applications without staff.
	s.End()
	s.CardRead(card())
	s.OpenProgress()
	waitFor(t, "progress by card", func() bool { return len(s.Snapshot().Progress) == 1 })
}

// A receipt QR with a wrong or missing secret, or another instance ID,
// finds nothing; the right one finds the application.
func TestReceiptQRNeedsItsSecret(t *testing.T) {
	s, st, _, _ := newSession(t)
	st.apps = []*kiosk.Application{{AcceptanceNo: "N1", InstanceID: "abc", TrackSecret: "k1", ItemName: "事项A", State: kiosk.StateAccepted}}
	for _, bad := range []string{"https://q/track?no=N1&id=abc&k=k2", "https://q/track?no=N1&id=abc", "https://q/track?no=N1&id=abd&k=k1"} {
		s.QRScanned(bad)
		waitFor(t, "lookup", func() bool { sn := s.Snapshot(); return !sn.Busy && sn.Progress != nil })
		if sn := s.Snapshot(); len(sn.Progress) != 0 {
			t.Fatalf("%s found %+v", bad, sn.Progress)
		}
		s.End()
	}
	s.QRScanned("https://q/track?no=N1&id=abc&k=k1")
	waitFor(t, "lookup", func() bool { return len(s.Snapshot().Progress) == 1 })
}

// storeOnly has no ReceiptLookup: receipt QR codes are refused, never
// looked up by acceptance number alone.
type storeOnly struct{ Store }

func TestReceiptQRWithoutLookupRefused(t *testing.T) {
	st := &fakeStore{apps: []*kiosk.Application{{AcceptanceNo: "N1", InstanceID: "abc", ItemName: "事项A"}}}
	s := New(Config{}, Deps{Catalog: catalog(), Store: storeOnly{st}, Printer: &fakePrinter{}})
	s.QRScanned("https://q/track?no=N1&id=abc")
	if sn := s.Snapshot(); !errors.Is(sn.ProgressErr, ErrNoReceiptLookup) || len(sn.Progress) != 0 {
		t.Fatalf("%+v %v", sn.Progress, sn.ProgressErr)
	}
}
