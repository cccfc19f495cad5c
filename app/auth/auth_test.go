package auth

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cheap parameters: the tests check logic, not cost.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func mustHash(t testing.TB, pin string) string {
	t.Helper()
	h, err := HashWith(pin, cheap)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashVerify(t *testing.T) {
	h := mustHash(t, "246813")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string", h)
	}
	if strings.Contains(h, "246813") {
		t.Fatal("the PIN is in its hash")
	}
	if h2 := mustHash(t, "246813"); h2 == h {
		t.Fatal("two hashes of one PIN are equal: no salt")
	}
	if ok, err := Verify(h, "246813"); !ok || err != nil {
		t.Fatalf("right PIN: %v %v", ok, err)
	}
	for _, wrong := range []string{"246814", "", "2468130", "24681"} {
		if ok, err := Verify(h, wrong); ok || err != nil {
			t.Errorf("wrong PIN %q: %v %v", wrong, ok, err)
		}
	}
	for _, bad := range []string{"", "246813", "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		strings.Replace(h, "m=64", "m=99999999", 1), strings.Replace(h, "t=1", "t=0", 1)} {
		if ok, err := Verify(bad, "246813"); ok || !errors.Is(err, ErrBadHash) {
			t.Errorf("Verify(%q) = %v %v, want ErrBadHash", bad, ok, err)
		}
	}
	// The default parameters make a hash that verifies too.
	if testing.Short() {
		return
	}
	hd, err := Hash("975310")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := Verify(hd, "975310"); !ok || ValidHash(hd) != nil {
		t.Fatal("default-parameter hash does not verify")
	}
}

func TestCheckPIN(t *testing.T) {
	for _, weak := range []string{"", "12345", "000000", "123456", "654321", "890123", "1234567890", "12a456", "1234567890123"} {
		if err := CheckPIN(weak); !errors.Is(err, ErrWeakPIN) {
			t.Errorf("CheckPIN(%q) = %v", weak, err)
		}
	}
	for _, ok := range []string{"246813", "135792", "20261201"} {
		if err := CheckPIN(ok); err != nil {
			t.Errorf("CheckPIN(%q) = %v", ok, err)
		}
	}
}

func TestPolicyGrows(t *testing.T) {
	p := DefaultPolicy
	want := []time.Duration{0, 0, 30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute}
	for i, w := range want {
		if d := p.Delay(i + 1); d != w {
			t.Errorf("delay after %d failures = %v, want %v", i+1, d, w)
		}
	}
	if d := p.Delay(40); d != time.Hour {
		t.Errorf("delay after 40 failures = %v, want the cap", d)
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestLockoutSurvivesRestart: wrong PINs lock the role out for growing
// delays; a new Guard over the same file (a restarted kiosk) keeps the
// lockout; the right PIN during a lockout is refused unchecked; after the
// delay the right PIN opens and clears the count.
func TestLockoutSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lockout.json")
	clk := &clock{t: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)}
	creds := Credentials{AdminPINHash: mustHash(t, "246813")}
	newAuth := func() *Authenticator {
		return NewAuthenticator(NewGuard(path, DefaultPolicy, clk.now), func() Credentials { return creds })
	}
	ctx := context.Background()
	a := newAuth()
	for i := 1; i <= 2; i++ {
		if err := a.Admin(ctx, "111112"); !errors.Is(err, ErrWrongPIN) || errors.Is(err, ErrLocked) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	err := a.Admin(ctx, "111113")
	var le *LockedError
	if !errors.Is(err, ErrWrongPIN) || !errors.As(err, &le) || le.Until != clk.now().Add(30*time.Second) {
		t.Fatalf("third failure: %v, want wrong PIN and locked for 30 s", err)
	}
	// Restart: a new guard reads the file.
	a = newAuth()
	if err := a.Admin(ctx, "246813"); !errors.Is(err, ErrLocked) {
		t.Fatalf("right PIN during the lockout after a restart: %v", err)
	}
	clk.add(31 * time.Second)
	if err := a.Admin(ctx, "999998"); !errors.As(err, &le) || le.Until != clk.now().Add(time.Minute) {
		t.Fatalf("fourth failure: %v, want locked for 1 min (the delay grows)", err)
	}
	clk.add(59 * time.Second)
	if err := newAuth().Admin(ctx, "246813"); !errors.Is(err, ErrLocked) {
		t.Fatalf("right PIN before the grown delay ended: %v", err)
	}
	clk.add(2 * time.Second)
	if err := newAuth().Admin(ctx, "246813"); err != nil {
		t.Fatalf("right PIN after the lockout: %v", err)
	}
	if rec, err := a.Guard().Status(RoleAdmin); err != nil || rec.Failures != 0 {
		t.Fatalf("after success: %+v %v", rec, err)
	}
	// Cleared: the next wrong PIN is a first failure again.
	if err := a.Admin(ctx, "111112"); !errors.Is(err, ErrWrongPIN) || errors.Is(err, ErrLocked) {
		t.Fatalf("after success a wrong PIN: %v", err)
	}
}

// TestFailureCountedBeforeTheCheck: a check that never returns (the kiosk
// killed mid-attempt) has already counted the failure on disk.
func TestFailureCountedBeforeTheCheck(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lockout.json")
	g := NewGuard(path, DefaultPolicy, nil)
	_ = g.Attempt(context.Background(), RoleAdmin, func() (bool, error) {
		rec, err := NewGuard(path, DefaultPolicy, nil).Status(RoleAdmin)
		if err != nil || rec.Failures != 1 {
			t.Errorf("during the check the file says %+v %v, want 1 failure", rec, err)
		}
		return true, nil
	})
}

func TestDamagedStateFailsClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lockout.json")
	if err := os.WriteFile(path, []byte("{garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	a := NewAuthenticator(NewGuard(path, DefaultPolicy, nil), func() Credentials { return Credentials{AdminPINHash: mustHash(t, "246813")} })
	if err := a.Admin(context.Background(), "246813"); err == nil {
		t.Fatal("a damaged lockout file let the PIN through")
	}
}

func TestNoDefaultPIN(t *testing.T) {
	a := NewAuthenticator(NewGuard(filepath.Join(t.TempDir(), "l"), DefaultPolicy, nil), func() Credentials { return Credentials{} })
	for _, pin := range []string{"", "000000", "123456", "888888"} {
		if err := a.Admin(context.Background(), pin); !errors.Is(err, ErrNotConfigured) {
			t.Errorf("no admin hash, PIN %q: %v", pin, err)
		}
		if _, err := a.Staff(context.Background(), "G0012", pin); !errors.Is(err, ErrNotConfigured) {
			t.Errorf("no staff, PIN %q: %v", pin, err)
		}
	}
}

// TestStaffShareOneLockout: wrong PINs and unknown numbers count against
// the staff role; the admin role is not affected.
func TestStaffShareOneLockout(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lockout.json")
	creds := Credentials{AdminPINHash: mustHash(t, "246813"), Staff: []Staff{
		{Number: "G0012", Name: "王芳", PINHash: mustHash(t, "135792")},
		{Number: "G0013", Name: "李强", PINHash: mustHash(t, "864209")}}}
	a := NewAuthenticator(NewGuard(path, DefaultPolicy, nil), func() Credentials { return creds })
	ctx := context.Background()
	st, err := a.Staff(ctx, "G0012", "135792")
	if err != nil || st.Name != "王芳" || st.Number != "G0012" || st.PINHash != "" {
		t.Fatalf("right staff PIN: %+v %v", st, err)
	}
	if _, err := a.Staff(ctx, "G0012", "864209"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("another staff member's PIN: %v", err)
	}
	if _, err := a.Staff(ctx, "G9999", "135792"); !errors.Is(err, ErrWrongPIN) {
		t.Fatalf("unknown number: %v", err)
	}
	if _, err := a.Staff(ctx, "G0013", "000001"); !errors.Is(err, ErrLocked) {
		t.Fatalf("third staff failure: %v, want a lockout", err)
	}
	if _, err := a.Staff(ctx, "G0013", "864209"); !errors.Is(err, ErrLocked) {
		t.Fatalf("right PIN of another number during the staff lockout: %v", err)
	}
	if err := a.Admin(ctx, "246813"); err != nil {
		t.Fatalf("admin locked by staff failures: %v", err)
	}
}
