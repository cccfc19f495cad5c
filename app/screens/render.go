package screens

import (
	"sync/atomic"

	"fyne.io/fyne/v2"

	"github.com/bianmin/kiosk/app/session"
)

// changed is the session's change callback, called on whatever goroutine
// changed the session (a tap on the UI goroutine, the idle tick on its own).
// The session calls back after releasing its lock, so the copy it hands
// over can be overtaken: a tick's copy taken just before a key press may
// arrive after the key's, and rendering it would put the screen back one
// key (the last digit typed vanished until the next tick) or rebuild the
// screen the resident has just left, under the finger. The UI therefore
// renders the session as it is when the render runs, never the copy.
func (u *UI) changed(session.Snapshot) {
	queuedRenders.Add(1)
	fyne.Do(func() {
		defer queuedRenders.Add(-1)
		u.renderLatest()
	})
}

// renderLatest renders the session as it is now, one render at a time. On
// the kiosk every render runs on the UI goroutine and this only renders;
// Fyne's test driver runs fyne.Do inline on the calling goroutine, so there
// a render from an action's goroutine can run beside one from a tap, and the
// one that took the older snapshot could finish last and leave the screen
// behind the session (the maintenance screen kept its facts from before a
// self-test that had ended). A render asked for while one runs (beside it,
// or from within it) is not lost: the running one renders again when done.
func (u *UI) renderLatest() {
	u.renderAgain.Store(true)
	for u.renderAgain.Load() {
		if !u.renderMu.TryLock() {
			return // the render running now sees renderAgain and goes round again
		}
		for u.renderAgain.Swap(false) {
			u.Render(u.sess.Snapshot())
		}
		u.renderMu.Unlock()
	}
}

// queuedRenders counts the renders queued for the UI goroutine and not yet
// run, in every UI of the process: the test probe reports a screen older
// than the session while it is above zero.
var queuedRenders atomic.Int64

// keyboard is the keyboard factory for the window's shape: on a landscape
// display the on-screen keyboards lay their keys out wide.
func (u *UI) keyboard() KeyboardFactory {
	tk, ok := u.opt.Keyboard.(TouchKeyboard)
	if !ok {
		return u.opt.Keyboard
	}
	size := u.win.Canvas().Size()
	tk.Wide = size.Width > size.Height
	return tk
}
