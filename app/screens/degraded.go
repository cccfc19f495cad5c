package screens

import (
	"errors"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	fynetheme "fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/bianmin/kiosk/app/session"
)

// What the screens show of the terminal's degraded modes (session.Degraded,
// debounced by the session). The words are in states.go; here is where
// they go. Every place keeps the room of its longest text, so that a mode
// coming or going moves nothing under a finger.

// lines counts the lines of a broken text.
func lines(text string) int { return strings.Count(text, "\n") + 1 }

// reservedLines is the most lines any of texts takes at a size.
func (u *UI) reservedLines(size fyne.ThemeSizeName, bold bool, texts ...string) int {
	n := 1
	for _, t := range texts {
		n = max(n, lines(u.fit(t, size, bold)))
	}
	return n
}

// attractSubtitle keeps the attract screen's invitation up to date with the
// reader's presence, in the room of the longer of its two texts.
func (u *UI) bindAttractSubtitle(s session.Snapshot, sub *widget.Label) {
	size := fynetheme.SizeNameHeadingText
	n := u.reservedLines(size, true, attractSubtitle(u.tr, session.Degraded{}), attractSubtitle(u.tr, session.Degraded{ReaderMissing: true}))
	u.onUpdate(s, func(s session.Snapshot) {
		setLines(sub, u.fit(attractSubtitle(u.tr, s.Degraded), size, true), n)
	})
}

// bindCardHint keeps the two lines inside the drawn card outline up to date.
func (u *UI) bindCardHint(s session.Snapshot, l1, l2 *canvas.Text) {
	u.onUpdate(s, func(s session.Snapshot) {
		a, b := cardHint(u.tr, s.Degraded)
		if b == "" {
			b = " "
		}
		if l1.Text != a || l2.Text != b {
			l1.Text, l2.Text = a, b
			l1.Refresh()
			l2.Refresh()
		}
	})
}

// attractNotice is the attract screen's message line: the session's notice
// when there is one, otherwise what the degraded modes mean for a new
// visitor (printer out, disk low). Its room is that of the longest.
func (u *UI) attractNotice(s session.Snapshot) fyne.CanvasObject {
	u.cur.notices = true
	l := u.para("")
	l.Importance = widget.DangerImportance
	texts := []string{}
	for _, t := range degradedNotices(u.tr) {
		texts = append(texts, "！"+t)
	}
	n := max(2, u.reservedLines(fynetheme.SizeNameText, false, texts...))
	u.onUpdate(s, func(s session.Snapshot) {
		text := ""
		if s.Notice != "" {
			text = "！" + u.T(s.Notice)
		} else if d := degradedNotice(u.tr, s.Degraded); d != "" {
			text = "！" + d
		}
		setLines(l, u.fit(text, fynetheme.SizeNameText, false), n)
	})
	return l
}

// printerCanPrint reports whether a reprint may be offered: the session's
// debounced printer_out, then the status line's printer state.
func (u *UI) printerCanPrint(s session.Snapshot) bool {
	return !s.Degraded.PrinterOut && u.printerReady()
}

// reprintRefusal says why the session refused the last reprint, "" when it
// did not.
func (u *UI) reprintRefusal(s session.Snapshot) string {
	switch {
	case errors.Is(s.ReprintErr, session.ErrPrintBusy):
		return u.T("done.reprint_busy")
	case errors.Is(s.ReprintErr, session.ErrPrinterNotReady):
		return u.T("done.reprint_wait")
	}
	return ""
}

// asked remembers, per UI, which question its current modal shows (the
// modal is made anew with each built screen, which forgets it).
var asked = struct {
	sync.Mutex
	of map[*UI]askShown
}{of: map[*UI]askShown{}}

type askShown struct {
	m   *modal
	key string
}

// updateAsk shows the session's question (Snapshot.Ask) as a modal over the
// screen, and hides it once answered. The answer that helps (go on knowing
// the receipt will be on screen; call staff) is the prominent one. The idle
// warning goes over it; the question comes back after "more time".
func (u *UI) updateAsk(s session.Snapshot) {
	asked.Lock()
	defer asked.Unlock()
	cur := asked.of[u]
	if cur.m != u.ask { // a new screen, a new modal
		cur = askShown{m: u.ask}
	}
	defer func() { asked.of[u] = cur }()
	if s.Ask == "" {
		if cur.key != "" {
			cur.key = ""
			u.ask.Hide()
		}
		return
	}
	if s.Warning || (s.Ask == cur.key && u.ask.Visible()) {
		return
	}
	cur.key = s.Ask
	u.ask.show(u.T(s.Ask), u.T(s.Ask+"_no"), func() { u.sess.AnswerAsk(false) }, u.T(s.Ask+"_yes"), func() { u.sess.AnswerAsk(true) })
}
