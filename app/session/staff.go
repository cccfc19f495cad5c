package session

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/auth"
)

// 帮办代办: an assisting agent signs in with staff number and PIN on the
// manual identity screen; the agent is recorded on every application of the
// visit and printed on its receipt. Progress by a typed ID number is for an
// agent only; progress by a receipt's QR code needs the QR's secret.

// StaffAuth checks an assisting agent's staff number and PIN
// (auth.Authenticator); errors as AdminAuth's.
type StaffAuth interface {
	Staff(ctx context.Context, number, pin string) (auth.Staff, error)
}

// ReceiptLookup finds the application a receipt's QR code names. An
// implementation must return nothing (no line, no error) unless the
// instance ID and the secret match the application's: a guessed
// acceptance number finds nothing.
type ReceiptLookup interface {
	ProgressByReceipt(ctx context.Context, q kiosk.ReceiptQuery) ([]ProgressLine, error)
}

// Errors of 帮办代办 and of progress queries.
var (
	ErrAgentRequired = errors.New("assisting agent's staff number required")
	ErrNameRequired  = errors.New("name required")
	ErrPINRequired   = errors.New("assisting agent's PIN required")
	// ErrStaffOnly: progress by a typed ID number needs a signed-in agent.
	ErrStaffOnly = errors.New("progress by a typed ID number is for staff only")
	// ErrNoReceiptLookup: the store cannot check a receipt's secret, so
	// receipt QR codes are not looked up at all.
	ErrNoReceiptLookup = errors.New("receipt lookup not available")
)

// SubmitManual starts a session from an identity typed by an assisting
// agent, once the agent's staff number and PIN check. The fields are
// checked at once (the error is returned); the PIN is checked on its own
// goroutine: the snapshot is Busy meanwhile, then the home screen shows
// or AuthErr says why not (wrong PIN, locked, no staff configured).
func (s *Session) SubmitManual(agent, pin, name, idNumber string) error {
	if agent == "" {
		return ErrAgentRequired
	}
	if pin == "" {
		return ErrPINRequired
	}
	if name == "" {
		return ErrNameRequired
	}
	if err := kiosk.CheckIDNumber(idNumber); err != nil {
		return err
	}
	s.mu.Lock()
	ok := s.s.Screen == ScreenManualID && !s.s.Busy
	s.mu.Unlock()
	if !ok {
		return nil
	}
	s.update(func() { s.s.Busy = true; s.s.AuthErr = nil; s.touchLocked() })
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var st auth.Staff
		err := auth.ErrNotConfigured
		if s.deps.Staff != nil {
			st, err = s.deps.Staff.Staff(ctx, agent, pin)
		}
		if err != nil {
			s.audit("staff.login_failed", "staff="+agent+" "+authReason(err))
		} else {
			s.audit("staff.login", "staff="+st.Number)
		}
		s.update(func() {
			s.s.Busy = false
			if s.s.Screen != ScreenManualID {
				return
			}
			if err != nil {
				s.s.AuthErr = err
				return
			}
			id := &kiosk.Identity{CardType: kiosk.CardResident, Source: kiosk.SourceManual, Name: name,
				IDNumber: idNumber, SexCode: kiosk.IDNumberSexCode(idNumber), Agent: st.Number}
			if b, err := kiosk.ParseDate(idNumber[6:14]); err == nil {
				id.Birth = b
			}
			s.s.Identity = id
			s.s.Agent, s.s.AgentName = st.Number, st.Name
			s.goLocked(ScreenHome)
		})
	}()
	return nil
}

// mayLookUpLocked says whether the identity's applications may be listed:
// a card (or a verified electronic ID) shows its holder's own; a typed ID
// number only to a signed-in agent.
func (s *Session) mayLookUpLocked(id *kiosk.Identity) error {
	if id.Source == kiosk.SourceManual && s.s.Agent == "" {
		return ErrStaffOnly
	}
	return nil
}

// queryReceipt looks up the application of a receipt's QR code, through a
// store that checks the QR's secret; a store that cannot is not asked.
func (s *Session) queryReceipt(q kiosk.ReceiptQuery) {
	rl, ok := s.deps.Store.(ReceiptLookup)
	if !ok {
		s.update(func() { s.s.Busy = false; s.s.Progress, s.s.ProgressErr = nil, ErrNoReceiptLookup })
		return
	}
	s.update(func() { s.s.Busy = true })
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		lines, err := rl.ProgressByReceipt(ctx, q)
		if err == nil && lines == nil {
			lines = []ProgressLine{}
		}
		s.update(func() {
			s.s.Busy = false
			s.s.Progress, s.s.ProgressErr = lines, err
		})
	}()
}

// newTrackSecret makes an application's TrackSecret: 128 random bits. With
// NewID injected (tests), it is derived from the instance ID so receipts
// stay reproducible.
func (s *Session) newTrackSecret(instanceID string) string {
	if s.deps.NewSecret != nil {
		return s.deps.NewSecret()
	}
	if s.idInjected {
		sum := sha256.Sum256([]byte("track\x00" + instanceID))
		return base64.RawURLEncoding.EncodeToString(sum[:16])
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("session: no randomness: " + err.Error()) // crypto/rand never fails on Linux
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
