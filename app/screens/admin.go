package screens

import (
	"fmt"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/session"
)

// Admin mode's screens: the PIN pad after the hidden corner and the
// maintenance screen. Technicians read them, so they are dense; the touch
// targets stay as big as the residents'.

// adminScreen builds the admin screens; nil for any other screen.
func (u *UI) adminScreen(s session.Snapshot) fyne.CanvasObject {
	switch s.Screen {
	case session.ScreenAdminPIN:
		return u.adminPIN(s)
	case session.ScreenAdmin:
		return u.maintenance(s)
	}
	return nil
}

// cornerSide is the hidden corner's size: a finger's width, no more, so a
// resident does not hit it by chance.
const cornerSide = 120

// hiddenCorner is the invisible tap area at the top left of the attract
// screen (over the title, which does nothing when tapped).
type hiddenCorner struct {
	widget.BaseWidget
	tap func()
}

func newHiddenCorner(tap func()) *hiddenCorner {
	c := &hiddenCorner{tap: tap}
	c.ExtendBaseWidget(c)
	return c
}

func (c *hiddenCorner) Tapped(*fyne.PointEvent) { c.tap() }
func (c *hiddenCorner) MinSize() fyne.Size      { return fyne.NewSize(cornerSide, cornerSide) }
func (c *hiddenCorner) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}

// cornerOverlay lays the hidden corner over the attract screen; other
// screens get an empty layer.
func (u *UI) cornerOverlay(s session.Snapshot) fyne.CanvasObject {
	if s.Screen != session.ScreenAttract {
		return container.NewWithoutLayout()
	}
	return container.NewBorder(container.NewHBox(newHiddenCorner(u.sess.CornerTap), layout.NewSpacer()), nil, nil, nil)
}

func (u *UI) adminPIN(s session.Snapshot) fyne.CanvasObject {
	pin := ""
	u.onWipe(func() { pin = "" })
	pad := u.newPinPad(&pin, nil)
	errText := u.para("")
	errText.Importance = widget.DangerImportance
	busy := widget.NewProgressBarInfinite()
	var ok *widget.Button
	ok = u.primary(u.T("app.confirm"), func() {
		p := pin
		pad.clear()
		u.sess.AdminLogin(p)
	})
	u.onUpdate(s, func(s session.Snapshot) {
		setLines(errText, u.fit(u.errorText(s.AuthErr), fynetheme.SizeNameText, false), 2)
		if s.Busy {
			busy.Show()
			ok.Disable()
		} else {
			busy.Hide()
			ok.Enable()
		}
	})
	exit := widget.NewButton(u.T("admin.exit"), u.sess.AdminExit)
	body := vbox(u.heading(u.T("admin.pin_title")), u.para(u.T("admin.pin_body")), pad.dots, pad.obj, errText, busy)
	return u.page_(body, container.NewPadded(container.NewGridWithColumns(2, exit, ok)))
}

func maintenanceKey(s session.Snapshot) string {
	a := s.Admin
	rep := ""
	if a.Report != nil {
		rep = a.Report.At.String()
	}
	return fmt.Sprintf("%v|%s|%v|%s|%s|%v|%d", a.Busy, rep, a.ReportErr, a.Action, a.Done, a.ActionErr, len(a.SelfTest))
}

func (u *UI) maintenance(s session.Snapshot) fyne.CanvasObject {
	actions := []fyne.CanvasObject{
		u.tile(u.T("admin.sync"), u.sess.AdminForceSync),
		u.tile(u.T("admin.reprint"), u.sess.AdminReprint),
		u.tile(u.T("admin.selftest"), u.sess.AdminSelfTest),
		u.tile(u.T("admin.diag"), u.sess.AdminDiag),
		u.tile(u.T("admin.refresh"), u.sess.AdminRefresh),
	}
	cols := 2
	if size := u.win.Canvas().Size(); size.Width > size.Height {
		cols = 3
	}
	r := u.region(s, maintenanceKey, func(s session.Snapshot) []fyne.CanvasObject { return u.maintenanceFacts(s.Admin) })
	body := vbox(u.heading(u.T("admin.title")), container.NewGridWithColumns(cols, actions...), r.box)
	exit := u.primary(u.T("admin.exit"), u.sess.AdminExit)
	return u.page_(body, container.NewPadded(container.NewGridWithColumns(2, layout.NewSpacer(), exit)))
}

// maintenanceFacts is the report as lines: what a technician checks before
// leaving the village.
func (u *UI) maintenanceFacts(a session.AdminState) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	line := func(imp widget.Importance, key string, args ...any) {
		l := u.para(u.T(key, args...))
		l.Importance = imp
		out = append(out, l)
	}
	if a.Technician != "" { // entered with a province-signed technician QR code
		line(widget.MediumImportance, "admin.technician", a.Technician)
	}
	if a.Busy {
		out = append(out, widget.NewProgressBarInfinite())
	}
	if a.Action != "" && !a.Busy {
		if a.ActionErr != nil {
			line(widget.DangerImportance, "admin.action_failed", u.T("admin."+a.Action), a.ActionErr.Error())
		} else {
			line(widget.SuccessImportance, "admin.action_done", u.T("admin."+a.Action), a.Done)
		}
	}
	for _, t := range a.SelfTest {
		if t.OK {
			line(widget.SuccessImportance, "admin.test_pass", t.Name)
		} else {
			line(widget.DangerImportance, "admin.test_fail", t.Name, t.Reason)
		}
	}
	if a.ReportErr != nil {
		line(widget.DangerImportance, "admin.report_failed", a.ReportErr.Error())
	}
	rep := a.Report
	if rep == nil {
		return out
	}
	out = append(out, widget.NewSeparator())
	section := func(key string) { out = append(out, u.section(u.T(key))) }
	section("admin.devices")
	for _, d := range rep.Devices {
		imp := widget.MediumImportance
		if d.State != "ready" {
			imp = widget.WarningImportance
		}
		line(imp, "admin.device", u.T("admin.device_"+d.Device), u.stateLabel(d.State))
	}
	section("admin.queue")
	if rep.Queue == 0 {
		line(widget.MediumImportance, "admin.queue_empty")
	} else {
		line(widget.WarningImportance, "admin.queue_depth", rep.Queue, ago(u, rep.Oldest))
	}
	if rep.Damaged > 0 {
		line(widget.DangerImportance, "admin.queue_damaged", rep.Damaged)
	}
	conn := u.T("admin.offline")
	if rep.Online {
		conn = u.T("admin.online")
	}
	last := u.T("admin.never")
	if !rep.LastSync.IsZero() {
		last = rep.LastSync.In(ChinaTime).Format("01-02 15:04:05")
	}
	line(widget.MediumImportance, "admin.sync_state", conn, last, rep.Sent, rep.Failed)
	for _, p := range rep.Uploads {
		pct := 0
		if p.Size > 0 {
			pct = int(p.Sent * 100 / p.Size)
		}
		line(widget.MediumImportance, "admin.upload", pct, mib(p.Size))
	}
	for _, e := range rep.Errors {
		line(widget.DangerImportance, "admin.error", e)
	}
	section("admin.system")
	exp := u.T("admin.no_expiry")
	if !rep.CatalogExpires.IsZero() {
		exp = rep.CatalogExpires.In(ChinaTime).Format("2006-01-02")
	}
	line(widget.MediumImportance, "admin.catalog", rep.Catalog, exp)
	if rep.DiskTotal > 0 {
		imp := widget.MediumImportance
		if rep.DiskFree < rep.DiskTotal/10 {
			imp = widget.WarningImportance
		}
		line(imp, "admin.disk", gib(rep.DiskUsed), gib(rep.DiskTotal), gib(rep.DiskFree))
	}
	line(widget.MediumImportance, "admin.version", rep.Version)
	if rep.LastReceipt != "" {
		line(widget.MediumImportance, "admin.last_receipt", rep.LastReceipt)
	}
	out = append(out, u.caption(u.T("admin.as_of", rep.At.In(ChinaTime).Format("15:04:05"))))
	return out
}

func ago(u *UI, d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return u.T("admin.days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return u.T("admin.hours", int(d/time.Hour))
	default:
		return u.T("admin.minutes", int(d/time.Minute))
	}
}

func gib(b uint64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }
func mib(b int64) string  { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
