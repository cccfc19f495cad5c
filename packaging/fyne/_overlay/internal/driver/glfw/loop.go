// BSD 3-Clause License
//
// Copyright (C) 2018 Fyne.io developers (see AUTHORS)
// All rights reserved.
//
//
// Redistribution and use in source and binary forms, with or without
// modification, are permitted provided that the following conditions are met:
//     * Redistributions of source code must retain the above copyright
//       notice, this list of conditions and the following disclaimer.
//     * Redistributions in binary form must reproduce the above copyright
//       notice, this list of conditions and the following disclaimer in the
//       documentation and/or other materials provided with the distribution.
//     * Neither the name of Fyne.io nor the names of its contributors may be
//       used to endorse or promote products derived from this software without
//       specific prior written permission.
//
// THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS" AND
// ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE IMPLIED
// WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
// DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER BE LIABLE FOR ANY
// DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES
// (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES;
// LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND
// ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT
// (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
// SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
//
// ---------------------------------------------------------------------------
// Bianmin Kiosk overlay of fyne.io/fyne/v2@v2.7.2 internal/driver/glfw/loop.go.
// It replaces that one file at build time through `go build -overlay`
// (packaging/scripts/fyne-overlay.sh writes build/overlay.json); the module
// is not forked, and a build without the overlay is stock Fyne (it works,
// only idles at 60 Hz). The script refuses another Fyne version: re-apply
// the change to the new upstream file and update its checksum there.
//
// What changed, and why: upstream's runGL ticks a 60 Hz time.Ticker for as
// long as the app runs, polling GLFW and checking every canvas even when
// nothing changes: on a kiosk that shows one still screen for hours that
// is ~60 loop wake-ups a second plus what they set off (X round trips,
// cache walks), a few % of a core on a software-GL terminal in a closed
// cabinet. Here the loop keeps the 60 Hz cadence while anything happens,
// and after idleFrames consecutive frames with no repaint, no running
// animation and no queued function it blocks in glfw.WaitEventsTimeout
// (idleWait at most) instead: any X event (touch, key, expose, close)
// ends the wait at once and the frame is drawn right away; a function
// queued from another goroutine (fyne.Do, runOnMain) ends it through
// glfw.PostEmptyEvent, as does Quit from another goroutine. The wake-up
// protocol (pendingFuncs counted before the send, waitMu around the
// waiting flag) cannot lose a wake-up: either the waiter sees the pending
// function and does not block, or the sender sees the waiter and posts.
// FYNE_IDLE_WAIT (a Go duration, default 1m) bounds one wait.
// Changed: runOnMainWithWait, drawSingleFrame (reports whether it
// painted), runGL; added: the idle state, frame, waitIdle, runQueued,
// wakeMain. Needs Runner.Active from this overlay's
// internal/animation/runner.go.
// ---------------------------------------------------------------------------

package glfw

import (
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-gl/glfw/v3.3/glfw"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/internal/app"
	"fyne.io/fyne/v2/internal/async"
	"fyne.io/fyne/v2/internal/cache"
	"fyne.io/fyne/v2/internal/driver/common"
	"fyne.io/fyne/v2/internal/painter"
	"fyne.io/fyne/v2/internal/scale"
)

type funcData struct {
	f    func()
	done chan struct{} // Zero allocation signalling channel
}

// channel for queuing functions on the main thread
var (
	funcQueue        = async.NewUnboundedChan[funcData]()
	running, drained atomic.Bool
)

// Bianmin Kiosk overlay: the idle state of the loop (see the file comment).
const (
	// idleFrames is how many consecutive quiet frames (no repaint, no
	// animation, no queued function) the loop draws before it may block:
	// 100 ms at 60 Hz, so a burst of input or refreshes keeps the cadence.
	idleFrames = 6
)

// idleWait bounds one blocking wait, so that the canvas cache keep-alive
// walk and cache.Clean still run (each frame walks or paints before it
// cleans, so a longer wait expires nothing on screen), and a canvas made
// dirty outside the main goroutine (which posts no event, against Fyne's
// threading rules) is painted within this time. A minute: every wake of
// this loop from its wait costs far more than the loop's own turn, since
// while the main thread sits in the cgo call the Go runtime's sysmon spins
// (20 µs sleeps, then doubling to 10 ms) until it takes the P back, about
// 60 thread wake-ups per loop wake-up measured here; at 1 s that was most
// of the idle kiosk's wake-ups. The environment's FYNE_IDLE_WAIT (a Go
// duration) overrides it: tests set it to an hour, so that a lost wake-up
// shows as a hang, not as a delay.
var idleWait = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("FYNE_IDLE_WAIT")); err == nil && d > 0 {
		return d
	}
	return time.Minute
}()

var (
	// pendingFuncs counts functions sent to funcQueue and not yet taken
	// out by the loop; it is raised before the send.
	pendingFuncs atomic.Int64
	// waitMu guards waiting: the loop is (about to be) inside
	// glfw.WaitEventsTimeout, and a sender must post an empty event.
	waitMu  sync.Mutex
	waiting bool
)

// wakeMain ends the loop's idle wait, if it is in one.
func wakeMain() {
	waitMu.Lock()
	if waiting {
		glfw.PostEmptyEvent() // thread-safe in GLFW
	}
	waitMu.Unlock()
}

// Arrange that main.main runs on main thread.
func init() {
	runtime.LockOSThread()
	async.SetMainGoroutine()
}

// force a function f to run on the main thread
func runOnMain(f func()) {
	runOnMainWithWait(f, true)
}

// force a function f to run on the main thread and specify if we should wait for it to return
func runOnMainWithWait(f func(), wait bool) {
	// If we are on main before app run just execute - otherwise add it to the main queue and wait.
	// We also need to run it as-is if the app is in the process of shutting down as the queue will be stopped.
	if (!running.Load() && async.IsMainGoroutine()) || drained.Load() {
		f()
		return
	}

	pendingFuncs.Add(1)
	if wait {
		done := common.DonePool.Get()
		defer common.DonePool.Put(done)

		funcQueue.In() <- funcData{f: f, done: done}
		wakeMain()
		<-done
	} else {
		funcQueue.In() <- funcData{f: f}
		wakeMain()
	}
}

// drawSingleFrame draws every dirty window and reports whether it painted
// any (Bianmin Kiosk overlay: upstream returns nothing).
func (d *gLDriver) drawSingleFrame() (painted bool) {
	refreshed := false
	for _, win := range d.windowList() {
		w := win.(*window)
		if w.closing {
			continue
		}

		// CheckDirtyAndClear must be checked after visibility,
		// because when a window becomes visible, it could be
		// showing old content without a dirty flag set to true.
		// Do the clear if and only if the window is visible.
		if !w.visible || !w.canvas.CheckDirtyAndClear() {
			// Window hidden or not being redrawn, mark canvasForObject
			// cache alive if it hasn't been done recently
			// n.b. we need to make sure threshold is a bit *after*
			// time.Now() - CacheDuration()
			threshold := time.Now().Add(10*time.Second - cache.ValidDuration)
			if w.lastWalkedTime.Before(threshold) {
				w.canvas.WalkTrees(nil, func(node *common.RenderCacheNode, _ fyne.Position) {
					// marks canvas for object cache entry alive
					_ = cache.GetCanvasForObject(node.Obj())
					// marks renderer cache entry alive
					if wid, ok := node.Obj().(fyne.Widget); ok {
						_, _ = cache.CachedRenderer(wid)
					}
				})
				w.lastWalkedTime = time.Now()
			}
			continue
		}

		painted = true
		w.RunWithContext(func() {
			if w.driver.repaintWindow(w) {
				refreshed = true
			}
		})
	}
	cache.Clean(refreshed)
	return painted
}

func (d *gLDriver) runGL() {
	if !running.CompareAndSwap(false, true) {
		return // Run was called twice.
	}

	d.init()
	if d.trayStart != nil {
		d.trayStart()
	}

	fyne.CurrentApp().Settings().AddListener(func(set fyne.Settings) {
		painter.ClearFontCache()
		cache.ResetThemeCaches()
		app.ApplySettingsWithCallback(set, fyne.CurrentApp(), func(w fyne.Window) {
			c, ok := w.Canvas().(*glCanvas)
			if !ok {
				return
			}
			c.applyThemeOutOfTreeObjects()
			c.reloadScale()
		})
	})

	if f := fyne.CurrentApp().Lifecycle().(*app.Lifecycle).OnStarted(); f != nil {
		f()
	}

	// Quit from another goroutine closes d.done: end an idle wait for it.
	go func() {
		<-d.done
		wakeMain()
	}()

	eventTick := time.NewTicker(time.Second / 60)
	quiet := 0 // consecutive frames that changed nothing
	for {
		select {
		case <-d.done:
			eventTick.Stop()
			d.Terminate()
			l := fyne.CurrentApp().Lifecycle().(*app.Lifecycle)
			if f := l.OnStopped(); f != nil {
				l.QueueEvent(f)
			}

			// as we are shutting down make sure we drain the pending funcQueue and close it out.
			for len(funcQueue.Out()) > 0 {
				f := <-funcQueue.Out()
				pendingFuncs.Add(-1)
				if f.done != nil {
					f.done <- struct{}{}
				}
			}
			drained.Store(true)
			funcQueue.Close()
			return
		case f := <-funcQueue.Out():
			pendingFuncs.Add(-1)
			f.f()
			if f.done != nil {
				f.done <- struct{}{}
			}
			quiet = 0
		case <-eventTick.C:
			if d.frame() {
				quiet = 0
				continue
			}
			if quiet++; quiet < idleFrames {
				continue
			}
			// Idle: block until an event, a queued function or the
			// timeout. Then run what is queued and draw at once (a tap is
			// painted without waiting for the next tick); if that painted
			// nothing and started no animation (the timeout, a motion over
			// nothing, a fyne.Do that changed nothing visible), block again
			// without ticking, else tick again from now.
			for d.waitIdle() {
				d.runQueued()
				if d.frame() {
					quiet = 0
					break
				}
			}
			eventTick.Reset(time.Second / 60)
		}
	}
}

// frame is one turn of upstream's ticker case: events, window housekeeping,
// animations, and the dirty windows drawn. It reports whether anything is
// going on (a window painted or an animation running), that is whether the
// loop must keep its cadence. (Bianmin Kiosk overlay: upstream inlines it.)
func (d *gLDriver) frame() (busy bool) {
	// Quitting (Quit closed d.done, from a queued function or from the
	// last window's destruction): the windows may already be closed, and an
	// event polled now would be handed to a window without its viewport
	// (a nil dereference in processMouseMoved, seen when a restart quit
	// the kiosk right after it opened its window). The loop's select sees
	// d.done next. (Bianmin Kiosk overlay.)
	select {
	case <-d.done:
		return true
	default:
	}
	d.pollEvents()
	// What the events queued (a tap's session change renders through
	// fyne.Do) runs now, so this frame paints the new screen rather than
	// the old one once more, a paint and a swap earlier. (Bianmin Kiosk
	// overlay: upstream runs it at the loop's next turn.)
	d.runQueued()
	for i := 0; i < len(d.windows); i++ {
		w := d.windows[i].(*window)
		if w.viewport == nil {
			continue
		}

		if w.viewport.ShouldClose() {
			d.destroyWindow(w, i)
			i-- // Trailing windows are moved forward one step.
			busy = true
			continue
		}

		expand := w.shouldExpand
		fullScreen := w.fullScreen

		if expand && !fullScreen {
			w.fitContent()
			shouldExpand := w.shouldExpand
			w.shouldExpand = false
			view := w.viewport

			if shouldExpand && runtime.GOOS != "js" {
				view.SetSize(w.shouldWidth, w.shouldHeight)
			}
			busy = true
		}
	}

	d.animation.TickAnimations()
	if d.drawSingleFrame() {
		busy = true
	}
	return busy || d.animation.Active()
}

// waitIdle blocks until a GLFW event, a queued function, Quit or idleWait.
// It returns false without blocking when a function is already pending or
// the app is stopping (the caller then goes back to its select, which
// takes the function or sees d.done). (Bianmin Kiosk overlay.)
func (d *gLDriver) waitIdle() bool {
	waitMu.Lock()
	waiting = true
	waitMu.Unlock()
	defer func() {
		waitMu.Lock()
		waiting = false
		waitMu.Unlock()
	}()
	if pendingFuncs.Load() > 0 || !running.Load() {
		return false
	}
	glfw.WaitEventsTimeout(idleWait.Seconds())
	return true
}

// runQueued runs the functions already queued, without blocking.
// (Bianmin Kiosk overlay.)
func (d *gLDriver) runQueued() {
	for {
		select {
		case f := <-funcQueue.Out():
			pendingFuncs.Add(-1)
			f.f()
			if f.done != nil {
				f.done <- struct{}{}
			}
		default:
			return
		}
	}
}

func (d *gLDriver) destroyWindow(w *window, index int) {
	w.visible = false
	w.viewport.Destroy()
	w.destroy(d)

	if index < len(d.windows)-1 {
		copy(d.windows[index:], d.windows[index+1:])
	}
	d.windows[len(d.windows)-1] = nil
	d.windows = d.windows[:len(d.windows)-1]

	if len(d.windows) == 0 {
		d.Quit()
	}
}

func (d *gLDriver) repaintWindow(w *window) bool {
	canvas := w.canvas
	freed := false
	if canvas.EnsureMinSize() {
		w.shouldExpand = true
	}
	freed = canvas.FreeDirtyTextures() > 0

	updateGLContext(w)
	canvas.paint(canvas.Size())

	view := w.viewport
	visible := w.visible

	if view != nil && visible {
		view.SwapBuffers()
	}

	// mark that we have walked the window and don't
	// need to walk it again to mark caches alive
	w.lastWalkedTime = time.Now()
	return freed
}

// refreshWindow requests that the specified window be redrawn
func refreshWindow(w *window) {
	w.canvas.SetDirty()
}

func updateGLContext(w *window) {
	canvas := w.canvas
	size := canvas.Size()

	// w.width and w.height are not correct if we are maximised, so figure from canvas
	winWidth := float32(scale.ToScreenCoordinate(canvas, size.Width)) * canvas.texScale
	winHeight := float32(scale.ToScreenCoordinate(canvas, size.Height)) * canvas.texScale

	canvas.Painter().SetFrameBufferScale(canvas.texScale)
	canvas.Painter().SetOutputSize(int(winWidth), int(winHeight))
}
