package widgets

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// Countdown warns that the session will end: "还剩 N 秒" and a 延长时间
// button, as the elder-friendly rules ask (warn, offer more time, never
// change the screen unannounced). It does not own a clock: Tick advances it
// by one second, and Run drives Tick from a ticker channel, so tests and the
// session state machine control time.
type Countdown struct {
	widget.BaseWidget

	// OnExpired is called once when the time runs out.
	OnExpired func()
	// OnMoreTime is called after the resident asked for more time.
	OnMoreTime func(remaining time.Duration)

	remaining time.Duration
	extend    time.Duration
	expired   bool
	label     *widget.Label
	more      *key
	box       *fyne.Container
}

// NewCountdown starts at total; each tap on 延长时间 adds extend.
func NewCountdown(total, extend time.Duration) *Countdown {
	c := &Countdown{remaining: total, extend: extend, label: widget.NewLabel("")}
	c.label.TextStyle.Bold = true
	c.more = newKey(LabelMoreTime, fyne.NewSize(200, 80), c.MoreTime)
	c.more.Importance = widget.HighImportance
	c.box = container.NewHBox(c.label, c.more)
	c.ExtendBaseWidget(c)
	c.show()
	return c
}

// Remaining returns the time left.
func (c *Countdown) Remaining() time.Duration { return c.remaining }

// Text returns the label text.
func (c *Countdown) Text() string { return c.label.Text }

// MoreButton returns the 延长时间 button.
func (c *Countdown) MoreButton() *widget.Button { return &c.more.Button }

// Reset sets the time left and re-arms expiry.
func (c *Countdown) Reset(remaining time.Duration) {
	c.remaining, c.expired = remaining, false
	c.show()
}

// MoreTime adds the extension (also what the button does).
func (c *Countdown) MoreTime() {
	if c.expired {
		return
	}
	c.remaining += c.extend
	c.show()
	if c.OnMoreTime != nil {
		c.OnMoreTime(c.remaining)
	}
}

// Tick takes one second off and fires OnExpired at zero.
func (c *Countdown) Tick() {
	if c.expired {
		return
	}
	c.remaining = max(c.remaining-time.Second, 0)
	c.expired = c.remaining == 0
	c.show()
	if c.expired {
		if c.OnExpired != nil {
			c.OnExpired()
		}
	}
}

// Run calls Tick on the UI goroutine for every value from ticks (for
// example a time.Ticker's channel) until ctx is done or ticks is closed.
func (c *Countdown) Run(ctx context.Context, ticks <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case _, ok := <-ticks:
			if !ok {
				return
			}
			fyne.DoAndWait(c.Tick)
		}
	}
}

func (c *Countdown) show() {
	secs := int((c.remaining + time.Second - 1) / time.Second)
	c.label.SetText(fmt.Sprintf("还剩 %d 秒", secs))
	setEnabled(&c.more.Button, !c.expired)
	c.box.Refresh() // re-lay out: the label's width changed
}

// CreateRenderer implements fyne.Widget.
func (c *Countdown) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(c.box)
}
