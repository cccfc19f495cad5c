package printer

import (
	"fmt"
	"strings"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/printer/escpos"
)

// PrintZone is the time zone receipts are printed in (China Standard Time).
var PrintZone = time.FixedZone("CST", 8*3600)

// Wrap breaks s into lines of at most cols display columns (CJK = 2,
// ASCII = 1) with the kiosk's one line breaker (kiosk.BreakLines: Chinese
// line-breaking rules, numbers and codes kept whole). Existing newlines are
// kept.
func Wrap(s string, cols int) []string {
	return kiosk.WrapColumns(s, max(cols, 4), escpos.DisplayWidth)
}

// Encode lays receipt r out for profile p and returns the ESC/POS bytes.
// font (may be nil) is used for characters the printer cannot print.
func Encode(r kiosk.Receipt, p escpos.Profile, font *escpos.Font, rasterQR bool) ([]byte, error) {
	b := escpos.NewBuilder(p, font)
	b.ForceRasterQR = rasterQR
	if err := Layout(b, r); err != nil {
		return nil, err
	}
	return b.Bytes()
}

// Layout appends receipt r to b, from ESC @ to the cut.
func Layout(b *escpos.Builder, r kiosk.Receipt) error {
	l := layout{b: b, cols: b.Profile().CharsPerLine}
	b.Init()
	switch r.Kind {
	case kiosk.ReceiptQueue:
		l.queue(r)
	case kiosk.ReceiptProgress:
		l.progress(r)
	case kiosk.ReceiptAcceptance, "":
		l.acceptance(r)
	default:
		return fmt.Errorf("printer: layout: unknown receipt kind %q", r.Kind)
	}
	b.Feed(3).Cut()
	return b.Err()
}

type layout struct {
	b    *escpos.Builder
	cols int
}

func (l layout) title(s string) {
	l.b.Align(escpos.AlignCenter).Bold(true).Size(2, 2)
	for _, line := range Wrap(s, l.cols/2) {
		l.b.Line(line)
	}
	l.b.Size(1, 1).Bold(false)
}

func (l layout) center(s string) {
	l.b.Align(escpos.AlignCenter)
	for _, line := range Wrap(s, l.cols) {
		l.b.Line(line)
	}
	l.b.Align(escpos.AlignLeft)
}

func (l layout) rule() { l.b.Align(escpos.AlignLeft).Line(strings.Repeat("-", l.cols)) }

// field prints "label：value" with continuation lines indented under the value.
func (l layout) field(label, value string) {
	if value == "" {
		return
	}
	head := label + "："
	hw := escpos.DisplayWidth(head)
	if hw > l.cols/2 {
		l.b.Line(head)
		for _, line := range Wrap(value, l.cols-4) {
			l.b.Line("    " + line)
		}
		return
	}
	for i, line := range Wrap(value, l.cols-hw) {
		if i == 0 {
			l.b.Line(head + line)
		} else {
			l.b.Line(strings.Repeat(" ", hw) + line)
		}
	}
}

// list prints a heading and numbered items.
func (l layout) list(heading string, items []string) {
	if len(items) == 0 {
		return
	}
	l.b.Bold(true).Line(heading).Bold(false)
	for i, it := range items {
		num := fmt.Sprintf("  %d. ", i+1)
		nw := len(num)
		for j, line := range Wrap(it, l.cols-nw) {
			if j == 0 {
				l.b.Line(num + line)
			} else {
				l.b.Line(strings.Repeat(" ", nw) + line)
			}
		}
	}
}

func (l layout) station(r kiosk.Receipt) {
	l.center(r.StationName)
	var parts []string
	if r.StationCode != "" {
		parts = append(parts, "站点 "+r.StationCode)
	}
	if r.Terminal != "" {
		parts = append(parts, "终端 "+r.Terminal)
	}
	if len(parts) > 0 {
		l.center(strings.Join(parts, "  "))
	}
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(PrintZone).Format("2006-01-02 15:04")
}

func (l layout) qr(payload string) {
	if payload == "" {
		return
	}
	l.b.Align(escpos.AlignCenter).QR(payload).Line("").Align(escpos.AlignLeft)
}

func (l layout) acceptance(r kiosk.Receipt) {
	l.title("受理回执")
	l.station(r)
	l.rule()
	l.b.Bold(true)
	l.field("受理编号", r.AcceptanceNo)
	l.b.Bold(false)
	l.field("办理事项", r.ItemName)
	l.field("事项编码", r.ItemCode)
	l.field("申 请 人", r.ApplicantName)
	l.field("证件号码", r.ApplicantID)
	l.field("帮办人员", r.Agent)
	l.field("受理时间", timeText(r.Time))
	l.rule()
	l.list("已收取材料：", r.Received)
	l.list("告知承诺（以承诺代替提交）：", r.Committed)
	if len(r.Deferred) > 0 {
		items := make([]string, len(r.Deferred))
		for i, d := range r.Deferred {
			items[i] = d.Name
			if !d.Due.IsZero() {
				items[i] += "（请于" + d.Due.String() + "前补交）"
			}
		}
		l.list("容缺受理，待补交材料：", items)
	}
	l.list("电子证照免提交：", r.Exempted)
	if len(r.Received)+len(r.Committed)+len(r.Deferred)+len(r.Exempted) > 0 {
		l.rule()
	}
	if r.PromisedDays > 0 {
		l.field("承诺时限", fmt.Sprintf("%d个工作日", r.PromisedDays))
	}
	l.field("进度查询", r.QueryHint)
	l.qr(r.QRPayload)
	l.field("咨询电话", r.Phone)
	l.center("请妥善保管本回执")
}

func (l layout) queue(r kiosk.Receipt) {
	l.title("排队号")
	l.station(r)
	l.rule()
	l.b.Align(escpos.AlignCenter).Bold(true).Size(4, 4).Line(r.TicketNo).Size(1, 1).Bold(false)
	if r.ItemName != "" {
		l.center(r.ItemName)
	}
	if r.Window != "" {
		l.b.Size(1, 2)
		l.center("请到 " + r.Window + " 窗口办理")
		l.b.Size(1, 1)
	}
	if r.WaitingKnown {
		l.center(fmt.Sprintf("您前面还有 %d 人等候", r.Waiting))
	} else {
		l.center("窗口和等候人数请看大厅叫号屏")
	}
	l.center(timeText(r.Time))
	l.rule()
	l.center("请留意叫号，过号请重新取号")
}

func (l layout) progress(r kiosk.Receipt) {
	l.title("办件进度")
	l.station(r)
	l.rule()
	l.field("受理编号", r.AcceptanceNo)
	l.field("办理事项", r.ItemName)
	l.field("申 请 人", r.ApplicantName)
	l.field("证件号码", r.ApplicantID)
	l.b.Bold(true)
	l.field("当前状态", r.Status)
	l.b.Bold(false)
	l.field("查询时间", timeText(r.Time))
	l.field("进度查询", r.QueryHint)
	l.qr(r.QRPayload)
	l.field("咨询电话", r.Phone)
}
