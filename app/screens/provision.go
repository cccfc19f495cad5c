package screens

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"image/color"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/provisioning"
	kiotheme "github.com/bianmin/kiosk/app/theme"
)

// Provisioner is what the first-boot wizard needs from the terminal: the
// kiosk's side of the provisioning request file (provision.Wizard). The
// kiosk runs unprivileged; a root unit acts on the request and writes the
// result back.
type Provisioner interface {
	// Submit hands the request to the privileged step, replacing any
	// earlier request and its result.
	Submit(ctx context.Context, r provisioning.Request) error
	// Result is the privileged step's result for request id so far, or
	// provisioning.ErrNoResult while it has written none.
	Result(ctx context.Context, id string) (provisioning.Result, error)
	// LoadCA reads a platform CA certificate (PEM) from a file, e.g. on
	// the technician's USB stick.
	LoadCA(path string) (string, error)
	// Restart restarts the kiosk into the provisioned configuration.
	Restart()
}

// ProvisionOptions shape the wizard.
type ProvisionOptions struct {
	Keyboard KeyboardFactory  // on-screen keyboards for the fields; nil: a USB keyboard types into the entries
	Platform string           // the platform URL the installed image names (prefilled)
	CAFile   string           // the platform CA file the image names, when it exists (prefilled)
	Reason   string           // why the terminal counts as unprovisioned (technician line)
	Poll     time.Duration    // how often Run reads the result while waiting; default 500 ms
	NewID    func() string    // request IDs; default random
	Now      func() time.Time // default time.Now
	// Silent is how long without any result before the wizard says the
	// privileged unit is not answering; default 1 min.
	Silent time.Duration
}

// ProvisionSilent is shown while the privileged unit has not answered a
// request for ProvisionOptions.Silent.
const ProvisionSilent = "开通服务没有响应：请检查 bianmin-kiosk-provision.path 是否已启用（systemctl status bianmin-kiosk-provision.path）"

// Titles of the wizard's pages.
const (
	ProvisionTitle = "终端开通"
	provTitleEN    = "Terminal setup"
)

var provPages = []struct {
	title  string
	fields []string
}{
	{"第 1 步 终端信息", []string{provisioning.FieldStationCode, provisioning.FieldTerminal}},
	{"第 2 步 站点信息", []string{provisioning.FieldDivision, provisioning.FieldStationName, fieldAddress}},
	{"第 3 步 平台与开通码", []string{provisioning.FieldPlatform, provisioning.FieldPlatformCA, provisioning.FieldCode}},
	{"第 4 步 核对信息", nil},
	{"开通进度", nil},
}

const (
	fieldAddress = "address"
	provReview   = 3
	provProgress = 4
)

type provField struct {
	label, hint string
	kind        kiosk.FieldKind // the on-screen keyboard; "" none (URL, path: a USB keyboard)
	max         int
}

var provFields = map[string]provField{
	provisioning.FieldStationCode: {"站点编码", "省平台分配的站点编码，如 330106001", kiosk.FieldCreditCode, 24},
	provisioning.FieldTerminal:    {"终端编号", "本站点内的终端编号，如 T01", kiosk.FieldCreditCode, 8},
	provisioning.FieldDivision:    {"12 位区划代码", "村级统计用区划代码，如 330106013201", kiosk.FieldNumber, 12},
	provisioning.FieldStationName: {"站点名称", "如 西湖区转塘街道双流村便民服务站", kiosk.FieldText, 64},
	fieldAddress:                  {"安装地址（选填）", "印在回执上，如 双流村村委会一楼", kiosk.FieldText, 64},
	provisioning.FieldPlatform:    {"平台地址", "https:// 开头；系统镜像已预置", "", 0},
	provisioning.FieldPlatformCA:  {"平台 CA 证书文件（选填）", "U 盘上的证书文件；留空使用系统根证书", "", 0},
	provisioning.FieldCode:        {"开通码", "省平台发放的一次性开通码，如 K7QX-3MPA-9WZE-TT4R", kiosk.FieldCreditCode, 19},
}

// ProvisionWizard is the first-boot wizard: built once, its pages switched
// and its progress rows updated in place (retained UI). Its state is what
// the technician typed, the page, and the request under way.
type ProvisionWizard struct {
	win fyne.Window
	p   Provisioner
	opt ProvisionOptions

	mu        sync.Mutex
	page      int
	id        string // the request under way
	sent      time.Time
	req       provisioning.Request
	enrolled  bool // a certificate was issued: the code is spent and no longer needed
	restarted bool
	waiting   chan struct{} // signalled when a request is submitted

	root      fyne.CanvasObject
	frame     *fyne.Container // header, the page, the keyboard and the buttons
	pageTitle *widget.Label
	pages     []fyne.CanvasObject
	body      *fyne.Container
	entries   map[string]*widget.Entry
	errs      map[string]*canvas.Text
	summary   *widget.Label
	kb        *fyne.Container // the on-screen keyboard below the page (portrait)
	kbSide    *fyne.Container // or beside it (landscape)
	back      *widget.Button
	next      *widget.Button
	submitErr *canvas.Text
	// progress page
	steps    *fyne.Container
	stepRows map[string]*widget.Label
	status   *canvas.Text
	reason   *widget.Label
	edit     *widget.Button
	retry    *widget.Button
}

// ShowProvisionWizard fills win with the wizard.
func ShowProvisionWizard(win fyne.Window, p Provisioner, opt ProvisionOptions) *ProvisionWizard {
	fyne.CurrentApp().Settings().SetTheme(&kiotheme.Kiosk{})
	win.SetTitle(ProvisionTitle + " / " + provTitleEN)
	w := NewProvisionWizard(win, p, opt)
	win.SetContent(w.root)
	return w
}

// NewProvisionWizard builds the wizard (ShowProvisionWizard, tests).
func NewProvisionWizard(win fyne.Window, p Provisioner, opt ProvisionOptions) *ProvisionWizard {
	if opt.Poll <= 0 {
		opt.Poll = 500 * time.Millisecond
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Silent <= 0 {
		opt.Silent = time.Minute
	}
	if opt.NewID == nil {
		opt.NewID = func() string {
			b := make([]byte, 8)
			_, _ = rand.Read(b)
			return hex.EncodeToString(b)
		}
	}
	w := &ProvisionWizard{win: win, p: p, opt: opt, entries: map[string]*widget.Entry{}, errs: map[string]*canvas.Text{},
		stepRows: map[string]*widget.Label{}, waiting: make(chan struct{}, 1)}
	w.build()
	w.entries[provisioning.FieldPlatform].SetText(opt.Platform)
	w.entries[provisioning.FieldPlatformCA].SetText(opt.CAFile)
	w.show(0)
	return w
}

func (w *ProvisionWizard) build() {
	th := fyne.CurrentApp().Settings().Theme()
	title := canvas.NewText(ProvisionTitle, kiotheme.Primary)
	title.TextSize = 2 * th.Size(fynetheme.SizeNameHeadingText)
	title.TextStyle.Bold = true
	sub := canvas.NewText(provTitleEN+" · 本终端尚未开通，请技术人员填写以下信息", kiotheme.Muted)
	w.pageTitle = widget.NewLabel("")
	w.pageTitle.TextStyle.Bold = true
	w.pageTitle.SizeName = fynetheme.SizeNameSubHeadingText
	header := container.NewVBox(title, sub, widget.NewSeparator(), w.pageTitle)

	w.kb = container.NewVBox()
	for i, pg := range provPages {
		var box *fyne.Container
		switch i {
		case provReview:
			w.summary = widget.NewLabel("")
			w.summary.Wrapping = fyne.TextWrapWord
			w.submitErr = canvas.NewText("", kiotheme.Red)
			box = container.NewVBox(w.summary, w.submitErr)
		case provProgress:
			box = w.buildProgress(th)
		default:
			box = container.NewVBox()
			for _, name := range pg.fields {
				box.Add(w.buildField(name, th))
			}
		}
		w.pages = append(w.pages, box)
	}
	w.body = container.NewStack()
	w.back = widget.NewButton("上一步", func() { w.show(w.page - 1) })
	w.next = widget.NewButton("下一步", w.onNext)
	w.next.Importance = widget.HighImportance
	bar := container.NewGridWithColumns(2, w.back, w.next)
	tech := widget.NewLabel(w.opt.Reason)
	tech.Wrapping = fyne.TextWrapWord
	tech.SizeName = fynetheme.SizeNameCaptionText
	bottom := container.NewVBox(w.kb, bar, tech)
	bg := canvas.NewRectangle(th.Color(fynetheme.ColorNameBackground, 0))
	w.kbSide = container.NewVBox()
	w.frame = container.NewBorder(header, bottom, nil, w.kbSide, container.NewVScroll(container.NewPadded(w.body)))
	w.root = container.NewStack(bg, container.NewPadded(w.frame))
}

func (w *ProvisionWizard) buildField(name string, th fyne.Theme) fyne.CanvasObject {
	f := provFields[name]
	label := widget.NewLabel(f.label)
	label.TextStyle.Bold = true
	e := widget.NewEntry()
	e.SetPlaceHolder(f.hint)
	w.entries[name] = e
	msg := canvas.NewText("", kiotheme.Red)
	msg.TextSize = th.Size(fynetheme.SizeNameText)
	w.errs[name] = msg
	row := fyne.CanvasObject(e)
	if f.kind != "" && w.opt.Keyboard != nil {
		kbd := widget.NewButton("键盘", func() { w.openKeyboard(name) })
		row = container.NewBorder(nil, nil, nil, kbd, e)
	}
	return container.NewVBox(label, row, msg)
}

// openKeyboard shows the on-screen keyboard for one field below the form.
func (w *ProvisionWizard) openKeyboard(name string) {
	f, e := provFields[name], w.entries[name]
	ed := w.opt.Keyboard.Editor(f.kind, e.Text, f.max, func(v string) { e.SetText(v) }, w.closeKeyboard)
	w.closeKeyboard()
	at := w.kb
	if sz := w.win.Canvas().Size(); sz.Width > sz.Height {
		at = w.kbSide // a landscape page has no height to spare for a pad below it
	}
	at.Objects = []fyne.CanvasObject{widget.NewLabel("正在输入：" + f.label), ed}
	at.Show()
	w.frame.Refresh() // the keyboard takes its height from the page above it
}

func (w *ProvisionWizard) closeKeyboard() {
	w.kb.RemoveAll()
	w.kbSide.RemoveAll()
	w.kbSide.Hide() // an empty side still takes the border's padding
	w.frame.Refresh()
}

func (w *ProvisionWizard) buildProgress(th fyne.Theme) *fyne.Container {
	w.status = canvas.NewText("", kiotheme.Primary)
	w.status.TextSize = th.Size(fynetheme.SizeNameSubHeadingText)
	w.status.TextStyle.Bold = true
	w.steps = container.NewVBox()
	w.reason = widget.NewLabel("")
	w.reason.Wrapping = fyne.TextWrapWord
	w.reason.Importance = widget.DangerImportance
	w.edit = widget.NewButton("返回修改", func() { w.show(0) })
	w.retry = widget.NewButton("重新开通", func() { w.submit() })
	w.retry.Importance = widget.HighImportance
	// The outcome and what to do first, the steps below: a long list of
	// checks in landscape must not push the buttons out of sight.
	return container.NewVBox(w.status, w.reason, container.NewGridWithColumns(2, w.edit, w.retry), w.steps)
}

// show switches to page i (retained: the page objects are the same).
func (w *ProvisionWizard) show(i int) {
	if i < 0 || i >= len(provPages) {
		return
	}
	w.page = i
	w.closeKeyboard()
	w.pageTitle.SetText(provPages[i].title)
	w.body.Objects = []fyne.CanvasObject{w.pages[i]}
	w.body.Refresh()
	w.back.Show()
	w.next.Show()
	w.back.Enable()
	w.next.SetText("下一步")
	switch i {
	case 0:
		w.back.Disable()
	case provReview:
		w.next.SetText("开始开通")
		w.summary.SetText(w.summaryText())
		w.submitErr.Text = ""
		w.submitErr.Refresh()
	case provProgress:
		w.back.Hide()
		w.next.Hide()
	}
}

// request is what the entries say now.
func (w *ProvisionWizard) request() provisioning.Request {
	r := provisioning.Request{Version: provisioning.Version,
		StationCode: w.entries[provisioning.FieldStationCode].Text, Terminal: w.entries[provisioning.FieldTerminal].Text,
		Division: w.entries[provisioning.FieldDivision].Text, StationName: w.entries[provisioning.FieldStationName].Text,
		Address: w.entries[fieldAddress].Text, Platform: w.entries[provisioning.FieldPlatform].Text,
		Code: w.entries[provisioning.FieldCode].Text}
	r.Normalize()
	return r
}

// onNext validates the page's fields; the review page submits.
func (w *ProvisionWizard) onNext() {
	if w.page == provReview {
		w.submit()
		return
	}
	if w.validate(w.page) {
		w.show(w.page + 1)
	}
}

// validate shows each of page i's field errors; true when there are none.
func (w *ProvisionWizard) validate(i int) bool {
	r := w.request()
	errs := r.Check()
	if w.enrolled {
		errs = r.CheckRetry()
	}
	on := map[string]string{}
	for _, e := range errs {
		if _, dup := on[e.Field]; !dup {
			on[e.Field] = e.Message
		}
	}
	if i == 2 {
		if path := w.entries[provisioning.FieldPlatformCA].Text; path != "" {
			if _, err := w.p.LoadCA(path); err != nil {
				on[provisioning.FieldPlatformCA] = "读不到该证书文件（检查 U 盘和文件名）"
			}
		}
	}
	ok := true
	for _, name := range provPages[i].fields {
		msg := on[name]
		if msg != "" {
			ok = false
		}
		w.errs[name].Text = msg
		w.errs[name].Refresh()
	}
	return ok
}

// FieldError is the error shown under a field (tests).
func (w *ProvisionWizard) FieldError(field string) string { return w.errs[field].Text }

// Page is the page shown: 0-2 the fields, 3 the review, 4 the progress.
func (w *ProvisionWizard) Page() int { return w.page }

// SetField types v into a field (tests; a technician's keyboard).
func (w *ProvisionWizard) SetField(field, v string) { w.entries[field].SetText(v) }

func (w *ProvisionWizard) summaryText() string {
	r := w.request()
	ca := "系统根证书"
	if p := w.entries[provisioning.FieldPlatformCA].Text; p != "" {
		ca = p
	}
	code := "已填写"
	if r.Code == "" {
		code = "不需要（证书已签发）"
	}
	addr := r.Address
	if addr == "" {
		addr = "（未填）"
	}
	return fmt.Sprintf("终端：%s\n站点：%s\n区划代码：%s\n安装地址：%s\n平台：%s\n平台 CA：%s\n开通码：%s\n\n"+
		"点“开始开通”后，本机将生成终端密钥、向省平台申请证书、检测各设备、核对网络和时钟，全部通过后写入配置并重启。",
		r.Identity(), r.StationName, r.Division, addr, r.Platform, ca, code)
}

// submit writes the request and shows the progress page.
func (w *ProvisionWizard) submit() {
	for i := 0; i < provReview; i++ {
		if !w.validate(i) {
			w.show(i)
			return
		}
	}
	r := w.request()
	if path := w.entries[provisioning.FieldPlatformCA].Text; path != "" {
		pem, err := w.p.LoadCA(path)
		if err != nil {
			w.show(2)
			w.validate(2)
			return
		}
		r.PlatformCA = pem
	}
	r.ID, r.Created = w.opt.NewID(), time.Now().UTC()
	if err := w.p.Submit(context.Background(), r); err != nil {
		w.show(provReview)
		w.submitErr.Text = "开通请求无法保存：" + err.Error()
		w.submitErr.Refresh()
		return
	}
	w.mu.Lock()
	w.id, w.req, w.sent = r.ID, r, w.opt.Now()
	w.mu.Unlock()
	w.steps.RemoveAll()
	w.stepRows = map[string]*widget.Label{}
	w.setStatus("已提交，等待开通服务……", kiotheme.Primary)
	w.reason.SetText("")
	w.reason.Hide()
	w.edit.Hide()
	w.retry.Hide()
	w.show(provProgress)
	w.body.Refresh()
	select {
	case w.waiting <- struct{}{}:
	default:
	}
}

func (w *ProvisionWizard) setStatus(s string, c color.Color) {
	w.status.Text, w.status.Color = s, c
	w.status.Refresh()
}

// Poll reads the result once and shows it (Run calls it while a request
// is under way). It reports whether the request has finished.
func (w *ProvisionWizard) Poll(ctx context.Context) bool {
	w.mu.Lock()
	id, sent := w.id, w.sent
	w.mu.Unlock()
	if id == "" {
		return true
	}
	res, err := w.p.Result(ctx, id)
	if errors.Is(err, provisioning.ErrNoResult) {
		if w.opt.Now().Sub(sent) >= w.opt.Silent {
			fyne.DoAndWait(func() {
				w.setStatus(ProvisionSilent, kiotheme.Red)
			})
		}
		return false
	}
	done := false
	fyne.DoAndWait(func() {
		if err != nil {
			w.setStatus("读不到开通结果："+err.Error(), kiotheme.Red)
			return
		}
		done = w.showResult(res)
	})
	return done
}

// showResult updates the progress rows in place; true when finished.
func (w *ProvisionWizard) showResult(res provisioning.Result) bool {
	defer w.body.Refresh() // rows added or shown: lay the page out again
	for _, s := range res.Steps {
		row := w.stepRows[s.Name]
		if row == nil {
			row = widget.NewLabel("")
			row.Wrapping = fyne.TextWrapWord
			w.stepRows[s.Name] = row
			w.steps.Add(row)
		}
		mark := map[string]string{provisioning.StateRunning: "…", provisioning.StateOK: "√", provisioning.StateFailed: "×"}[s.State]
		text := mark + " " + s.Title
		if s.Reason != "" {
			text += "：" + s.Reason
		}
		if text != row.Text {
			row.SetText(text)
		}
		row.Importance = widget.MediumImportance
		if s.State == provisioning.StateFailed {
			row.Importance = widget.DangerImportance
		}
		if s.Name == "enroll" && s.State == provisioning.StateOK {
			w.enrolled = true
		}
	}
	switch res.State {
	case provisioning.StateSucceeded:
		w.setStatus("开通成功："+res.Terminal+"，正在以新配置重启……", kiotheme.Green)
		if !w.restarted {
			w.restarted = true
			go w.p.Restart()
		}
		return true
	case provisioning.StateFailed:
		w.setStatus("开通未完成", kiotheme.Red)
		w.reason.SetText(res.Reason + "\n请改正后点“重新开通”，或“返回修改”填写的信息。")
		w.reason.Show()
		if w.enrolled {
			// The code is spent; the certificate stays on the terminal.
			w.entries[provisioning.FieldCode].SetText("")
		}
		w.edit.Show()
		w.retry.Show()
		w.mu.Lock()
		w.id = ""
		w.mu.Unlock()
		return true
	}
	w.setStatus("正在开通……", kiotheme.Primary)
	return false
}

// Run polls the result every Poll while a request is under way, until ctx
// ends; an idle wizard has no timer.
func (w *ProvisionWizard) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.waiting:
		}
		t := time.NewTicker(w.opt.Poll)
		for !w.Poll(ctx) {
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		t.Stop()
	}
}
