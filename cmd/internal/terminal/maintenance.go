package terminal

import (
	"context"
	"path/filepath"
	"time"

	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/offline"
)

// startMaintenance runs the nightly maintenance under the supervisor in the
// configured window ([store] maintenance_window, China time; "off": none),
// only while the session is on the attract screen.
func (t *Terminal) startMaintenance(ctx context.Context, cfg config.Config) error {
	if cfg.Store.MaintenanceWindow == "off" {
		return nil
	}
	spec := cfg.Store.MaintenanceWindow
	if spec == "" {
		spec = "02:00-04:00"
	}
	w, err := offline.ParseWindow(spec)
	if err != nil {
		return &Failure{Class: ClassConfig, What: "maintenance window", Err: err, Fix: `set [store] maintenance_window to "HH:MM-HH:MM" (China time) or "off"`}
	}
	retention := time.Duration(cfg.Store.RetentionDays) * 24 * time.Hour
	m := &offline.Maintenance{
		Store:     t.Store,
		Window:    w,
		Retention: retention,
		Idle:      t.NoResident,
		// Scanned pages the SANE backend left behind (a scan abandoned by a
		// crash); a day is far beyond any session.
		Trim: []offline.TrimRule{{Dir: filepath.Join(t.Store.Dir(), "scans"), MaxAge: 24 * time.Hour}},
	}
	if t.Printer != nil {
		p := t.Printer
		m.Trimmers = append(m.Trimmers, func(_ context.Context, now time.Time) (int, error) {
			return p.TrimSpool(now.Add(-retention))
		})
	}
	t.Maintenance = m
	t.sv.Go(ctx, "maintenance", m)
	return nil
}

// NoResident reports whether no resident is at the terminal: the session is
// on the attract screen.
func (t *Terminal) NoResident() bool {
	return t.Session != nil && t.Session.Snapshot().Screen == session.ScreenAttract
}
