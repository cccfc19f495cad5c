package main

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/bianmin/kiosk/app/memlimit"
	"github.com/bianmin/kiosk/app/session"
)

// The shipped kiosk runs under the soft memory limit of package memlimit
// (128 MiB of Go memory unless GOMEMLIMIT says otherwise), set before
// anything else allocates much: the heap's peaks between collections stay
// bounded, and with them the runtime metadata it never hands back.
func init() { memlimit.Apply() }

// trimDelay is how long the kiosk stays on the attract screen before it
// hands its free memory back to the system.
const trimDelay = 5 * time.Second

// trimOnAttract hands the memory a visit (or start-up) left behind back to
// the system once the kiosk has been back on the attract screen for delay:
// a collection and a return of every free page (debug.FreeOSMemory, a
// few tens of milliseconds, off the UI goroutine). Go keeps freed heap for
// reuse and collects only when the heap doubles, so without it the attract
// screen carried start-up's garbage (fonts, catalogue, the first screens:
// about 20 MB here) and the peak of the last visit for as long as nobody
// came. It chains onto *hook (the UI's OnRendered, called after each
// render on the UI goroutine); no timer runs while the kiosk stays on the
// attract screen or while a resident is served.
func trimOnAttract(hook *func(session.Screen), delay time.Duration, trim func()) {
	if trim == nil {
		trim = debug.FreeOSMemory
	}
	prev := *hook
	var (
		mu    sync.Mutex
		shown session.Screen
		epoch int // bumped on every change of screen: a stale timer does nothing
	)
	*hook = func(s session.Screen) {
		if prev != nil {
			prev(s)
		}
		mu.Lock()
		defer mu.Unlock()
		if s == shown {
			return // a re-render of the same screen
		}
		shown = s
		epoch++
		if s != session.ScreenAttract {
			return
		}
		mine := epoch
		time.AfterFunc(delay, func() {
			mu.Lock()
			still := epoch == mine
			mu.Unlock()
			if still {
				trim()
			}
		})
	}
}
