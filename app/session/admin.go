package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/auth"
)

// Admin mode: a technician taps a corner of the attract screen five times
// within three seconds, types the PIN on a pad, and reaches the maintenance
// screen. Every step and every action goes to the audit log; admin mode ends
// by the exit button or after AdminIdle without a tap. Nothing of it is
// reachable while a resident is being served.

// Admin screens.
const (
	ScreenAdminPIN Screen = "admin_pin" // PIN pad after the hidden corner
	ScreenAdmin    Screen = "admin"     // maintenance
)

// The hidden entry: CornerTaps taps within CornerWindow.
const (
	CornerTaps   = 5
	CornerWindow = 3 * time.Second
)

// AdminAuth checks the technician PIN (auth.Authenticator): nil error on
// success, auth.ErrWrongPIN, auth.ErrLocked (a *auth.LockedError) or
// auth.ErrNotConfigured otherwise. It may take a fraction of a second.
type AdminAuth interface {
	Admin(ctx context.Context, pin string) error
}

// Auditor appends an event to the terminal's audit log. detail holds no
// personal data and never a PIN.
type Auditor interface {
	Audit(ctx context.Context, event, detail string) error
}

// Maintenance is what the maintenance screen reads and does, implemented by
// the composition root over the store, the relay, the printer and the
// self-test runner.
type Maintenance interface {
	// Report gathers the terminal's facts.
	Report(ctx context.Context) (MaintenanceReport, error)
	// ForceSync makes every waiting application due now and wakes the
	// relay; it returns once the relay was asked, not when it is done.
	ForceSync(ctx context.Context) error
	// ReprintLast prints the last receipt again; it returns its
	// acceptance or ticket number.
	ReprintLast(ctx context.Context) (string, error)
	// SelfTest runs the device self-tests.
	SelfTest(ctx context.Context) ([]SelfTestResult, error)
	// DiagBundle writes a diagnostics bundle to a mounted USB stick and
	// returns the file written.
	DiagBundle(ctx context.Context) (string, error)
}

// MaintenanceReport is the maintenance screen's content: technician facts,
// no personal data.
type MaintenanceReport struct {
	At                            time.Time
	Version                       string
	Devices                       []kiosk.DeviceStatus
	Queue                         int           // applications waiting for upload
	Oldest                        time.Duration // age of the oldest waiting one
	Damaged                       int           // applications whose files failed the last verify
	Online                        bool
	LastSync                      time.Time // last success with the platform
	Sent                          int       // submitted since start
	Failed                        int       // failed attempts since start
	Uploads                       []UploadProgress
	Errors                        []string // the last errors (relay, unsent applications)
	Catalog                       int64
	CatalogExpires                time.Time // zero: does not expire
	DiskUsed, DiskFree, DiskTotal uint64
	LastReceipt                   string // acceptance or ticket number of the last slip, "" none
}

// UploadProgress is one attachment being uploaded.
type UploadProgress struct {
	Sent, Size int64
}

// SelfTestResult is one self-test: pass or fail with the reason in Chinese.
type SelfTestResult struct {
	Name   string // e.g. 读卡器
	OK     bool
	Reason string
}

// AdminState is admin mode's part of the snapshot.
type AdminState struct {
	Busy bool
	// Technician is the ID of the technician a province QR code let in
	// ("" after the PIN).
	Technician string
	Report     *MaintenanceReport
	ReportErr  error
	// Action is the last action ("sync", "reprint", "selftest", "diag"),
	// Done its result line and ActionErr its failure.
	Action    string
	Done      string
	ActionErr error
	SelfTest  []SelfTestResult
}

// ErrAdminUnavailable: the terminal was built without admin mode.
var ErrAdminUnavailable = errors.New("admin mode not available")

func adminScreen(s Screen) bool { return s == ScreenAdminPIN || s == ScreenAdmin }

func (s *Session) audit(event, detail string) {
	if s.deps.Audit == nil {
		s.log.Warn("no audit log", "event", event)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.deps.Audit.Audit(ctx, event, detail); err != nil {
		s.log.Error("audit", "event", event, "err", err)
	}
}

// CornerTap is a tap on the attract screen's hidden corner. The fifth
// within CornerWindow opens the PIN pad.
func (s *Session) CornerTap() {
	now := s.deps.Clock.Now()
	open := false
	s.update(func() {
		if s.s.Screen != ScreenAttract {
			s.corner = nil
			return
		}
		keep := s.corner[:0]
		for _, t := range s.corner {
			if now.Sub(t) < CornerWindow {
				keep = append(keep, t)
			}
		}
		s.corner = append(keep, now)
		if len(s.corner) >= CornerTaps {
			s.corner = nil
			s.s.Admin = AdminState{}
			s.s.AuthErr = nil
			s.goLocked(ScreenAdminPIN)
			open = true
		}
	})
	if open {
		s.audit("admin.entry", "")
	}
}

// AdminLogin checks the PIN typed on the pad. It returns at once; the
// check runs on its own goroutine (argon2id takes a moment) and the
// snapshot says Busy meanwhile, then shows the maintenance screen or
// AuthErr.
func (s *Session) AdminLogin(pin string) {
	s.mu.Lock()
	ok := s.s.Screen == ScreenAdminPIN && !s.s.Busy
	s.mu.Unlock()
	if !ok {
		return
	}
	s.update(func() { s.s.Busy = true; s.s.AuthErr = nil; s.touchLocked() })
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := ErrAdminUnavailable
		if s.deps.Admin != nil {
			err = s.deps.Admin.Admin(ctx, pin)
		}
		if err != nil {
			s.audit("admin.login_failed", authReason(err))
		} else {
			s.audit("admin.login", "")
		}
		s.update(func() {
			s.s.Busy = false
			if s.s.Screen != ScreenAdminPIN { // left meanwhile (timed out)
				return
			}
			if err != nil {
				s.s.AuthErr = err
				return
			}
			s.history = nil // no way back into admin mode but the PIN
			s.s.Screen = ScreenAdmin
			s.touchLocked()
		})
		if err == nil {
			s.AdminRefresh()
		}
	}()
}

// authReason is the audit detail of a failed PIN: the kind, never the PIN.
func authReason(err error) string {
	var le *auth.LockedError
	switch {
	case errors.As(err, &le) && errors.Is(err, auth.ErrWrongPIN):
		return "wrong pin; locked until " + le.Until.UTC().Format(time.RFC3339)
	case errors.As(err, &le):
		return "locked until " + le.Until.UTC().Format(time.RFC3339)
	case errors.Is(err, auth.ErrWrongPIN):
		return "wrong pin"
	case errors.Is(err, auth.ErrNotConfigured):
		return "no pin configured"
	}
	return "error: " + err.Error()
}

// AdminExit leaves admin mode for the attract screen.
func (s *Session) AdminExit() { s.adminExit("button") }

func (s *Session) adminExit(reason string) {
	s.mu.Lock()
	scr := s.s.Screen
	s.mu.Unlock()
	if !adminScreen(scr) {
		return
	}
	if scr == ScreenAdmin {
		s.audit("admin.exit", "reason="+reason)
	} else {
		s.audit("admin.pin_left", "reason="+reason)
	}
	s.update(func() {
		if adminScreen(s.s.Screen) {
			elder := s.elder
			s.reset()
			s.elder = elder
		}
	})
}

// adminIdle ends admin mode after AdminIdle without a tap; Tick calls it.
func (s *Session) adminIdle(now time.Time) bool {
	s.mu.Lock()
	scr, idle, busy := s.s.Screen, now.Sub(s.lastTap), s.s.Busy || s.s.Admin.Busy
	s.mu.Unlock()
	if !adminScreen(scr) {
		return false
	}
	if idle >= s.cfg.AdminIdle && !busy {
		s.adminExit("idle")
	}
	return true
}

// AdminRefresh reads the maintenance report again.
func (s *Session) AdminRefresh() {
	s.adminDo("", func(ctx context.Context, st *AdminState) error {
		rep, err := s.deps.Maintenance.Report(ctx)
		st.Report, st.ReportErr = &rep, err
		if err != nil {
			st.Report = nil
		}
		return nil
	})
}

// AdminForceSync asks the relay to send every waiting application now.
func (s *Session) AdminForceSync() {
	s.adminDo("sync", func(ctx context.Context, st *AdminState) error {
		return s.deps.Maintenance.ForceSync(ctx)
	})
}

// AdminReprint prints the last receipt again.
func (s *Session) AdminReprint() {
	s.adminDo("reprint", func(ctx context.Context, st *AdminState) error {
		no, err := s.deps.Maintenance.ReprintLast(ctx)
		st.Done = no
		return err
	})
}

// AdminSelfTest runs the device self-tests.
func (s *Session) AdminSelfTest() {
	s.adminDo("selftest", func(ctx context.Context, st *AdminState) error {
		res, err := s.deps.Maintenance.SelfTest(ctx)
		st.SelfTest = res
		failed := 0
		for _, r := range res {
			if !r.OK {
				failed++
			}
		}
		st.Done = fmt.Sprintf("%d/%d", len(res)-failed, len(res))
		return err
	})
}

// AdminDiag writes the diagnostics bundle to a USB stick.
func (s *Session) AdminDiag() {
	s.adminDo("diag", func(ctx context.Context, st *AdminState) error {
		path, err := s.deps.Maintenance.DiagBundle(ctx)
		st.Done = path
		return err
	})
}

// adminDo runs one maintenance action on its own goroutine, if admin mode
// is open and nothing else runs, and audits it (action "" is the report,
// not audited).
func (s *Session) adminDo(action string, f func(ctx context.Context, st *AdminState) error) {
	s.mu.Lock()
	ok := s.s.Screen == ScreenAdmin && !s.s.Admin.Busy
	s.mu.Unlock()
	if !ok {
		return
	}
	if s.deps.Maintenance == nil {
		s.update(func() { s.s.Admin.Action, s.s.Admin.ActionErr = action, ErrAdminUnavailable })
		return
	}
	s.update(func() {
		s.s.Admin.Busy = true
		if action != "" {
			s.s.Admin.Action, s.s.Admin.Done, s.s.Admin.ActionErr = action, "", nil
		}
		s.touchLocked()
	})
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		st := AdminState{}
		s.mu.Lock()
		st = s.s.Admin
		s.mu.Unlock()
		err := f(ctx, &st)
		if action != "" {
			detail := "ok"
			if st.Done != "" {
				detail = "ok " + st.Done
			}
			if err != nil {
				detail = "error: " + err.Error()
			}
			s.audit("admin."+action, detail)
		}
		s.update(func() {
			if s.s.Screen != ScreenAdmin {
				return
			}
			st.Busy = false
			if action != "" {
				st.ActionErr = err
			}
			s.s.Admin = st
		})
		if action == "sync" || action == "reprint" {
			s.AdminRefresh()
		}
	}()
}
