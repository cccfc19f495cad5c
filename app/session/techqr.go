package session

import (
	"context"
	"strings"
	"time"

	"github.com/bianmin/kiosk/app/auth"
)

// A technician QR code signed by the province (auth.TechVerifier), scanned
// on the attract screen or on the admin PIN pad, opens the maintenance
// screen without the PIN. A refused one shows its reason
// ("notice.techqr_<reason>", the screens translate it) and, like every
// entry, is audited with the technician ID the code claims.

// TechQRAuth checks a technician QR payload and spends its nonce
// (auth.TechVerifier). The claims are filled as far as the payload decoded,
// also on refusal.
type TechQRAuth interface {
	Technician(ctx context.Context, payload string) (auth.Technician, auth.TechClaims, error)
}

func isTechQR(payload string) bool { return strings.HasPrefix(payload, auth.TechQRPrefix) }

// TechQRNotice is the message key of a refused technician QR code.
func TechQRNotice(err error) string { return "notice.techqr_" + auth.TechQRReason(err) }

// technicianQR handles a scanned technician token.
func (s *Session) technicianQR(payload string) {
	s.mu.Lock()
	scr, busy := s.s.Screen, s.s.Busy
	s.mu.Unlock()
	if (scr != ScreenAttract && scr != ScreenAdminPIN) || busy {
		// A resident is being served (or admin mode is already open):
		// nothing of admin mode is reachable from here.
		s.audit("admin.qr_refused", "reason=in_use screen="+string(scr))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var (
		tech   auth.Technician
		claims auth.TechClaims
		err    error = auth.ErrTechNoKeys
	)
	if s.deps.TechQR != nil {
		tech, claims, err = s.deps.TechQR.Technician(ctx, payload)
	}
	if err != nil {
		// The claimed ID is unverified on a refusal, and said so.
		s.audit("admin.qr_refused", "reason="+auth.TechQRReason(err)+" claimed_tech="+safeID(claims.TechID)+" key="+safeID(claims.KeyID))
		s.log.Warn("technician QR refused", "reason", auth.TechQRReason(err), "err", err)
		s.update(func() {
			switch s.s.Screen {
			case ScreenAdminPIN:
				s.s.AuthErr = err
				s.touchLocked()
			case ScreenAttract:
				s.s.Notice = TechQRNotice(err)
			}
		})
		return
	}
	s.audit("admin.qr_login", "tech="+tech.ID+" key="+tech.KeyID+" until="+tech.Until.UTC().Format(time.RFC3339))
	entered := false
	s.update(func() {
		if s.s.Screen != ScreenAttract && s.s.Screen != ScreenAdminPIN {
			return // a card arrived meanwhile
		}
		s.corner = nil
		s.s.Notice, s.s.AuthErr = "", nil
		s.s.Admin = AdminState{Technician: tech.ID}
		s.history = nil // no way back into admin mode but a PIN or a new code
		s.s.Screen = ScreenAdmin
		s.touchLocked()
		entered = true
	})
	if entered {
		s.AdminRefresh()
	}
}

// safeID keeps an unverified ID printable and short for the audit log.
func safeID(id string) string {
	if id == "" {
		return "-"
	}
	var b strings.Builder
	for _, r := range id {
		if b.Len() >= 32 {
			break
		}
		if r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('?')
		}
	}
	return b.String()
}
