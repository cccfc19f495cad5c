// Package selftest runs a terminal's self-test: a plan of checks (read a
// card, print a test receipt and an A4 page, scan a page, read a QR code,
// play a prompt, the store's integrity, the disk headroom, the clock, the
// platform over mutual TLS and the catalogue's freshness), each ending pass
// or fail with the reason in Chinese for the technician and a detail in
// English for the log. kioskctl selftest and the touchscreen's maintenance
// page both run it; only cmd/ imports it.
package selftest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/bianmin/kiosk/devices/serialport"
)

// Check is one step of a plan. Run returns a detail of what it saw (for the
// log and the technician; never personal data) and an error when the check
// failed; a *Failure error carries the Chinese reason, any other error gets
// a generic one.
type Check struct {
	Name    string        // stable key: idcard, receipt, a4, scan, qr, voice, store, disk, clock, platform, catalog
	Title   string        // Chinese name shown to the technician: 读卡, 回执打印 …
	Timeout time.Duration // default DefaultTimeout
	Run     func(ctx context.Context) (detail string, err error)
}

// Plan is the checks to run, in order.
type Plan []Check

// DefaultTimeout bounds a check that sets no Timeout.
const DefaultTimeout = 30 * time.Second

// Result is the outcome of one check.
type Result struct {
	Name   string `json:"name"`
	Title  string `json:"title"`
	OK     bool   `json:"ok"`
	Reason string `json:"reason"`           // Chinese: 通过, or why it failed
	Detail string `json:"detail,omitempty"` // English detail or the error
	TookMS int64  `json:"took_ms"`
}

// Failure is a failed check with the reason a technician reads.
type Failure struct {
	Reason string // Chinese, one line: 打印机缺纸
	Err    error
}

func (f *Failure) Error() string {
	if f.Err == nil {
		return f.Reason
	}
	return f.Reason + ": " + f.Err.Error()
}

func (f *Failure) Unwrap() error { return f.Err }

// Fail wraps err with the Chinese reason.
func Fail(reason string, err error) error { return &Failure{Reason: reason, Err: err} }

// ReasonBusy is the reason of a check whose device the running kiosk holds.
const ReasonBusy = "终端正在使用该设备（请在触摸屏维护页运行自检，或先停止终端服务）"

// ReasonPass is the reason of a passed check.
const ReasonPass = "通过"

// Run runs the plan's checks one after the other (the technician watches
// each device in turn) and returns one result per check. It never stops
// early: a failed printer does not hide a failed scanner. A cancelled ctx
// fails the checks not yet run.
func Run(ctx context.Context, plan Plan) []Result {
	out := make([]Result, 0, len(plan))
	for _, c := range plan {
		out = append(out, runOne(ctx, c))
	}
	return out
}

func runOne(ctx context.Context, c Check) (r Result) {
	r = Result{Name: c.Name, Title: c.Title}
	start := time.Now()
	defer func() {
		r.TookMS = time.Since(start).Milliseconds()
		if p := recover(); p != nil {
			r.OK, r.Reason, r.Detail = false, c.Title+"检查出错", fmt.Sprint("panic: ", p)
		}
	}()
	if err := ctx.Err(); err != nil {
		r.Reason, r.Detail = "自检已取消", err.Error()
		return r
	}
	d := c.Timeout
	if d <= 0 {
		d = DefaultTimeout
	}
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	detail, err := c.Run(cctx)
	r.Detail = detail
	if err == nil {
		r.OK, r.Reason = true, ReasonPass
		return r
	}
	r.Reason = ReasonOf(c.Title, err)
	msg := err.Error()
	if f := (*Failure)(nil); errors.As(err, &f) && f.Err != nil {
		msg = f.Err.Error() // the reason is not repeated in the detail
	}
	if r.Detail == "" {
		r.Detail = msg
	} else {
		r.Detail += ": " + msg
	}
	return r
}

// ReasonOf is the Chinese reason for a check's error.
func ReasonOf(title string, err error) string {
	var f *Failure
	switch {
	case errors.Is(err, serialport.ErrBusy):
		return ReasonBusy
	case errors.As(err, &f):
		return f.Reason
	case errors.Is(err, context.DeadlineExceeded):
		return title + "超时未完成"
	case errors.Is(err, context.Canceled):
		return "自检已取消"
	}
	return title + "失败"
}

// Failed returns the results that did not pass.
func Failed(rs []Result) []Result {
	var out []Result
	for _, r := range rs {
		if !r.OK {
			out = append(out, r)
		}
	}
	return out
}
