package auth

import (
	"context"
	"crypto/subtle"
	"sync"
)

// Roles, the keys of the Guard: every staff member shares one lockout, so
// trying many staff numbers is no faster than trying many PINs.
const (
	RoleAdmin = "admin"
	RoleStaff = "staff"
)

// Staff is one assisting agent as configured: staff number, display name and
// PIN hash.
type Staff struct {
	Number  string
	Name    string
	PINHash string
}

// Credentials are the hashes the terminal checks PINs against.
type Credentials struct {
	AdminPINHash string
	Staff        []Staff
}

// Authenticator checks admin and staff PINs through one Guard.
type Authenticator struct {
	guard *Guard
	creds func() Credentials

	dummyOnce sync.Once
	dummy     string
}

// NewAuthenticator checks against what creds returns at each attempt (a
// PIN changed by kioskctl takes effect when the kiosk reloads it).
func NewAuthenticator(g *Guard, creds func() Credentials) *Authenticator {
	return &Authenticator{guard: g, creds: creds}
}

// Guard returns the lockout guard (for status).
func (a *Authenticator) Guard() *Guard { return a.guard }

// Admin checks the technician's PIN.
func (a *Authenticator) Admin(ctx context.Context, pin string) error {
	h := a.creds().AdminPINHash
	if h == "" {
		return ErrNotConfigured
	}
	return a.guard.Attempt(ctx, RoleAdmin, func() (bool, error) { return Verify(h, pin) })
}

// Staff checks an assisting agent's staff number and PIN and returns the
// agent as configured. An unknown number costs the same time and counts as
// a failure like a wrong PIN.
func (a *Authenticator) Staff(ctx context.Context, number, pin string) (Staff, error) {
	c := a.creds()
	if len(c.Staff) == 0 {
		return Staff{}, ErrNotConfigured
	}
	var found *Staff
	for i := range c.Staff {
		if subtle.ConstantTimeCompare([]byte(c.Staff[i].Number), []byte(number)) == 1 {
			found = &c.Staff[i]
		}
	}
	err := a.guard.Attempt(ctx, RoleStaff, func() (bool, error) {
		if found == nil {
			_, _ = Verify(a.dummyHash(), pin)
			return false, nil
		}
		return Verify(found.PINHash, pin)
	})
	if err != nil {
		return Staff{}, err
	}
	return Staff{Number: found.Number, Name: found.Name}, nil
}

// dummyHash is verified for unknown staff numbers, so they take as long as
// known ones.
func (a *Authenticator) dummyHash() string {
	a.dummyOnce.Do(func() {
		p := DefaultParams
		if c := a.creds(); len(c.Staff) > 0 {
			if ph, err := parse(c.Staff[0].PINHash); err == nil {
				p = ph.p
			}
		}
		a.dummy, _ = HashWith("802461", p)
	})
	return a.dummy
}
