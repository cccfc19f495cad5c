package cups

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/signintech/gopdf"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/printer/ttc"
)

// Form is a document to print on A4: a title, labelled fields in a ruled
// table, free sections and an optional signature line.
type Form struct {
	Title     string
	Subtitle  string
	Fields    []Field
	Sections  []Section
	Signature bool   // add 申请人签名 / 日期 lines
	Footer    string // printed at the bottom of every page
}

// Field is one labelled value.
type Field struct{ Label, Value string }

// Section is a heading with lines under it.
type Section struct {
	Heading string
	Lines   []string
}

// A4 geometry in points.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 50.0
	labelW       = 120.0
	bodySize     = 12.0
	lineH        = 18.0
)

type pdfWriter struct {
	pdf  *gopdf.GoPdf
	y    float64
	form Form
	page int
}

// FormPDF renders f as an A4 PDF with font (TTF, or TTC whose first font is
// used; gopdf needs a single TrueType font).
func FormPDF(f Form, font []byte) ([]byte, error) {
	ttf, err := ttc.TTF(font)
	if err != nil {
		return nil, fmt.Errorf("form pdf: font: %w", err)
	}
	w := &pdfWriter{pdf: &gopdf.GoPdf{}, form: f}
	w.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	w.pdf.SetInfo(gopdf.PdfInfo{Title: f.Title, Creator: "Bianmin Kiosk", CreationDate: time.Unix(0, 0)})
	if err := w.pdf.AddTTFFontData("cjk", ttf); err != nil {
		return nil, fmt.Errorf("form pdf: font: %w", err)
	}
	if err := w.render(); err != nil {
		return nil, fmt.Errorf("form pdf: %w", err)
	}
	return w.pdf.GetBytesPdf(), nil
}

func (w *pdfWriter) newPage() error {
	w.pdf.AddPage()
	w.page++
	w.y = margin
	if w.form.Footer != "" {
		if err := w.pdf.SetFont("cjk", "", 9); err != nil {
			return err
		}
		w.pdf.SetXY(margin, pageH-margin+10)
		if err := w.pdf.Cell(nil, fmt.Sprintf("%s    第 %d 页", w.form.Footer, w.page)); err != nil {
			return err
		}
	}
	return w.pdf.SetFont("cjk", "", bodySize)
}

// need starts a new page when h more points do not fit.
func (w *pdfWriter) need(h float64) error {
	if w.y+h > pageH-margin {
		return w.newPage()
	}
	return nil
}

func (w *pdfWriter) centered(s string, size float64) error {
	if err := w.pdf.SetFont("cjk", "", size); err != nil {
		return err
	}
	tw, err := w.pdf.MeasureTextWidth(s)
	if err != nil {
		return err
	}
	w.pdf.SetXY((pageW-tw)/2, w.y)
	if err := w.pdf.Cell(nil, s); err != nil {
		return err
	}
	w.y += size * 1.6
	return w.pdf.SetFont("cjk", "", bodySize)
}

// split breaks s into lines of at most width points in the current font,
// with the kiosk's one line breaker (kiosk.BreakLines: no 、，。 at the
// start of a line, numbers and codes kept whole). Existing newlines are
// kept.
func (w *pdfWriter) split(s string, width float64) ([]string, error) {
	var merr error
	lines := kiosk.BreakLines(s, func(line string) bool {
		tw, err := w.pdf.MeasureTextWidth(line)
		if err != nil {
			merr = err
			return true
		}
		return tw <= width
	})
	if merr != nil {
		return nil, fmt.Errorf("measure text: %w", merr)
	}
	return lines, nil
}

func (w *pdfWriter) render() error {
	if err := w.newPage(); err != nil {
		return err
	}
	if err := w.centered(w.form.Title, 20); err != nil {
		return err
	}
	if w.form.Subtitle != "" {
		if err := w.centered(w.form.Subtitle, 11); err != nil {
			return err
		}
	}
	w.y += 6
	valueW := pageW - 2*margin - labelW - 12
	w.pdf.SetLineWidth(0.6)
	for _, f := range w.form.Fields {
		lines, err := w.split(f.Value, valueW)
		if err != nil {
			return err
		}
		labels, err := w.split(f.Label, labelW-12)
		if err != nil {
			return err
		}
		h := float64(max(len(lines), len(labels)))*lineH + 8
		if err := w.need(h); err != nil {
			return err
		}
		top := w.y
		w.pdf.RectFromUpperLeft(margin, top, pageW-2*margin, h)
		w.pdf.Line(margin+labelW, top, margin+labelW, top+h)
		for i, l := range labels {
			w.pdf.SetXY(margin+6, top+4+float64(i)*lineH+3)
			if err := w.pdf.Cell(nil, l); err != nil {
				return err
			}
		}
		for i, l := range lines {
			w.pdf.SetXY(margin+labelW+6, top+4+float64(i)*lineH+3)
			if err := w.pdf.Cell(nil, l); err != nil {
				return err
			}
		}
		w.y = top + h
	}
	for _, s := range w.form.Sections {
		w.y += 10
		if err := w.need(2 * lineH); err != nil {
			return err
		}
		w.pdf.SetXY(margin, w.y)
		if err := w.pdf.Cell(nil, s.Heading); err != nil {
			return err
		}
		w.y += lineH
		for _, item := range s.Lines {
			lines, err := w.split(item, pageW-2*margin-20)
			if err != nil {
				return err
			}
			for _, l := range lines {
				if err := w.need(lineH); err != nil {
					return err
				}
				w.pdf.SetXY(margin+20, w.y)
				if err := w.pdf.Cell(nil, l); err != nil {
					return err
				}
				w.y += lineH
			}
		}
	}
	if w.form.Signature {
		w.y += 30
		if err := w.need(3 * lineH); err != nil {
			return err
		}
		w.pdf.SetXY(margin, w.y)
		if err := w.pdf.Cell(nil, "申请人（签名）：____________________        日期：______年____月____日"); err != nil {
			return err
		}
		w.y += lineH
	}
	return nil
}

// ReceiptForm turns a receipt into an A4 form (for kiosks that print the
// 受理回执 on the A4 printer).
func ReceiptForm(r kiosk.Receipt) Form {
	title := map[kiosk.ReceiptKind]string{kiosk.ReceiptQueue: "排队号", kiosk.ReceiptProgress: "办件进度"}[r.Kind]
	if title == "" {
		title = "受理回执"
	}
	f := Form{Title: title, Subtitle: strings.TrimSpace(r.StationName + " " + r.Terminal), Footer: r.StationName}
	add := func(label, value string) {
		if value != "" {
			f.Fields = append(f.Fields, Field{label, value})
		}
	}
	add("受理编号", r.AcceptanceNo)
	add("排队号", r.TicketNo)
	add("办理事项", r.ItemName)
	add("事项编码", r.ItemCode)
	add("申请人", r.ApplicantName)
	add("证件号码", r.ApplicantID)
	if !r.Time.IsZero() {
		add("时间", r.Time.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04"))
	}
	add("当前状态", r.Status)
	if r.PromisedDays > 0 {
		add("承诺时限", fmt.Sprintf("%d个工作日", r.PromisedDays))
	}
	add("进度查询", r.QueryHint)
	add("查询地址", r.QRPayload)
	add("咨询电话", r.Phone)
	sec := func(h string, items []string) {
		if len(items) > 0 {
			f.Sections = append(f.Sections, Section{h, numbered(items)})
		}
	}
	sec("已收取材料：", r.Received)
	sec("告知承诺（以承诺代替提交）：", r.Committed)
	var def []string
	for _, d := range r.Deferred {
		s := d.Name
		if !d.Due.IsZero() {
			s += "（请于" + d.Due.String() + "前补交）"
		}
		def = append(def, s)
	}
	sec("容缺受理，待补交材料：", def)
	sec("电子证照免提交：", r.Exempted)
	return f
}

func numbered(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = fmt.Sprintf("%d. %s", i+1, s)
	}
	return out
}

// ApplicationForm is the paper application form (申请表) of a, to be signed
// by the applicant: the form fields in catalogue order with their labels,
// then the materials. It holds the applicant's personal data as the paper
// form must; the PDF is sent to the printer only and never logged or kept.
func ApplicationForm(a *kiosk.Application, fields []kiosk.FieldSpec) Form {
	f := Form{
		Title:     a.ItemName + " 申请表",
		Subtitle:  fmt.Sprintf("受理编号 %s    %s", a.AcceptanceNo, a.Station.Name),
		Signature: true,
		Footer:    a.Station.Name + " " + a.Station.Terminal,
	}
	f.Fields = append(f.Fields, Field{"申请人", a.Applicant.DisplayName()}, Field{"证件号码", a.Applicant.IDNumber})
	seen := map[string]bool{}
	for _, fs := range fields {
		seen[fs.Key] = true
		f.Fields = append(f.Fields, Field{fs.Label, a.Form[fs.Key]})
	}
	var extra []string // fields without a spec, so nothing is lost
	for k := range a.Form {
		if !seen[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		f.Fields = append(f.Fields, Field{k, a.Form[k]})
	}
	var mats []string
	for _, m := range a.Materials {
		mats = append(mats, m.Name+"（"+modeName(m.Mode)+"）")
	}
	if len(mats) > 0 {
		f.Sections = append(f.Sections, Section{"申请材料：", numbered(mats)})
	}
	return f
}

func modeName(m kiosk.MaterialMode) string {
	switch m {
	case kiosk.MaterialScanned:
		return "已扫描"
	case kiosk.MaterialCommitted:
		return "告知承诺"
	case kiosk.MaterialDeferred:
		return "容缺后补"
	case kiosk.MaterialELicence:
		return "电子证照"
	case kiosk.MaterialFromCard:
		return "身份证读取"
	}
	return string(m)
}
