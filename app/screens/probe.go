package screens

// The probe is a test instrument for the human-speed end-to-end suite
// (make e2e): it never changes what the resident sees. Enabled only when
// cmd/kiosk finds KIOSK_PROBE in its environment, it walks the window's
// widget tree on the UI goroutine every few tens of milliseconds and writes,
// whenever something changed, a JSON file with the on-screen rectangle and
// label of every tappable widget, drawing and scrolling area and visible
// text, plus the count of taps the UI handled. Taps are counted by wrapping
// each tappable widget's OnTapped callback (widget.Button and every widget
// that embeds one or has an OnTapped func() field), so the suite, which
// taps through X input events only, can tell a tap that reached a handler
// from one that was lost. The file holds what the screen shows, personal
// data included: it is for test terminals only, written 0600.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"
	_ "unsafe" // go:linkname, below

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"github.com/bianmin/kiosk/app/session"
)

// cachedRenderer is Fyne's renderer cache lookup: the only way to see the
// objects a widget draws without creating a second renderer. Fyne exports
// it only through its test package, whose init replaces the running app.
//
//go:linkname cachedRenderer fyne.io/fyne/v2/internal/cache.CachedRenderer
func cachedRenderer(wid fyne.Widget) (fyne.WidgetRenderer, bool)

// ProbeTarget is one thing on screen a finger can act on, or a text.
// Coordinates are window pixels.
type ProbeTarget struct {
	Kind     string  `json:"kind"` // tap (taps counted), tap-uncounted, drag, scroll, text
	Type     string  `json:"type"` // Go type of the widget
	Label    string  `json:"label"`
	X        float32 `json:"x"`
	Y        float32 `json:"y"`
	W        float32 `json:"w"`
	H        float32 `json:"h"`
	Disabled bool    `json:"disabled,omitempty"`
	Layer    int     `json:"layer"` // 0 the screen, 1… overlays (modal dialogs) above it
	// Covered: the centre is under another widget that takes touches (a
	// modal shade, a child): a tap there would not reach this one.
	Covered bool `json:"covered,omitempty"`

	obj fyne.CanvasObject
}

// ProbeTap is one tap the UI handled.
type ProbeTap struct {
	N     int    `json:"n"`
	Label string `json:"label"`
	Type  string `json:"type"`  // Go type of the widget tapped
	AtMS  int64  `json:"at_ms"` // since the probe started
}

// ProbeFrame is what the probe file holds.
type ProbeFrame struct {
	Seq     int     `json:"seq"`
	Screen  string  `json:"screen"`
	Elder   bool    `json:"elder"`
	Warning bool    `json:"warning"`
	Scale   float32 `json:"scale"`
	Width   float32 `json:"width"`
	Height  float32 `json:"height"`
	Taps    int     `json:"taps"`
	// Pending: a change of the session is queued for the UI and not yet
	// rendered; the tree below is older than the session. Taps is counted
	// at the same moment as the tree: a frame never shows a tap handled
	// and the screen from before it without also saying Pending.
	Pending bool `json:"pending,omitempty"`
	// Unpainted counts widgets in the tree, visible and sized, that the
	// window has not drawn (it has never walked them): the resident does
	// not see them, so they are left out of Targets, and the frame is
	// Pending until they are drawn. One that stays unpainted is a screen
	// that did not ask the window to repaint (UI.reveal).
	Unpainted int           `json:"unpainted,omitempty"`
	Recent    []ProbeTap    `json:"recent"` // the last taps, oldest first
	Targets   []ProbeTarget `json:"targets"`
}

type probe struct {
	win   fyne.Window
	sess  *session.Session
	path  string
	start time.Time
	pc    uintptr // code pointer of the counting wrapper
	// painted: leave out what the window has not drawn (the e2e probe;
	// the tour's Finger acts on the tree as Fyne's hit test does).
	painted bool

	mu     sync.Mutex
	taps   int
	recent []ProbeTap
	seq    int
	last   []byte
}

// StartProbe starts the probe on win, writing to path until ctx ends. It
// must not be called on the UI goroutine.
func StartProbe(ctx context.Context, win fyne.Window, sess *session.Session, path string) {
	p := &probe{win: win, sess: sess, path: path, start: time.Now(), painted: true}
	p.pc = reflect.ValueOf(p.wrapper(nil, "", nil)).Pointer()
	slog.Warn("test probe on: on-screen contents are written to a file", "path", path)
	go func() {
		t := time.NewTicker(30 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				var f ProbeFrame
				fyne.DoAndWait(func() { f = p.frame() })
				if err := p.write(f); err != nil {
					slog.Warn("probe", "err", err)
				}
			}
		}
	}()
}

// wrapper counts a tap, then calls the widget's own callback. Not inlined:
// every wrapper must share one code pointer (instrument recognises its own
// wrappers by it).
//
//go:noinline
func (p *probe) wrapper(label func() string, typ string, inner func()) func() {
	return func() {
		p.mu.Lock()
		p.taps++
		p.recent = append(p.recent, ProbeTap{N: p.taps, Label: label(), Type: typ, AtMS: time.Since(p.start).Milliseconds()})
		if len(p.recent) > 40 {
			p.recent = p.recent[len(p.recent)-40:]
		}
		p.mu.Unlock()
		inner()
	}
}

// frame walks the tree; on the UI goroutine.
func (p *probe) frame() ProbeFrame {
	c := p.win.Canvas()
	sn := p.sess.Snapshot()
	scale := c.Scale()
	f := ProbeFrame{Screen: string(sn.Screen), Elder: sn.Elder, Warning: sn.Warning, Scale: scale,
		Width: c.Size().Width * scale, Height: c.Size().Height * scale, Pending: queuedRenders.Load() > 0}
	p.mu.Lock() // taps run on this goroutine too: none can slip between count and tree
	f.Taps = p.taps
	f.Recent = append([]ProbeTap(nil), p.recent...)
	p.mu.Unlock()
	full := rect{0, 0, c.Size().Width, c.Size().Height}
	if content := c.Content(); content != nil {
		p.walk(&f, content, fyne.Position{}, full, 0)
	}
	for i, o := range c.Overlays().List() {
		p.walk(&f, o, fyne.Position{}, full, i+1)
	}
	if f.Unpainted > 0 {
		f.Pending = true
	}
	covered(f.Targets)
	for i := range f.Targets {
		t := &f.Targets[i]
		t.X, t.Y, t.W, t.H = t.X*scale, t.Y*scale, t.W*scale, t.H*scale
	}
	return f
}

// covered marks the targets whose centre lies under a later one (drawn
// above it) that takes touches: what Fyne's hit test would pick instead.
func covered(ts []ProbeTarget) {
	for i := range ts {
		if ts[i].Kind == "text" {
			continue
		}
		cx, cy := ts[i].X+ts[i].W/2, ts[i].Y+ts[i].H/2
		for j := i + 1; j < len(ts); j++ {
			o := ts[j]
			if o.obj == ts[i].obj || o.Kind == "text" || o.Kind == "scroll" {
				continue
			}
			if cx >= o.X && cx < o.X+o.W && cy >= o.Y && cy < o.Y+o.H {
				ts[i].Covered = true
				break
			}
		}
	}
}

type rect struct{ x, y, w, h float32 }

func (r rect) intersect(o rect) rect {
	x0, y0 := max(r.x, o.x), max(r.y, o.y)
	x1, y1 := min(r.x+r.w, o.x+o.w), min(r.y+r.h, o.y+o.h)
	if x1 <= x0 || y1 <= y0 {
		return rect{}
	}
	return rect{x0, y0, x1 - x0, y1 - y0}
}

func (r rect) empty() bool { return r.w <= 0 || r.h <= 0 }

func (p *probe) walk(f *ProbeFrame, o fyne.CanvasObject, parent fyne.Position, clip rect, layer int) {
	if o == nil || !o.Visible() {
		return
	}
	pos := parent.Add(o.Position())
	size := o.Size()
	r := rect{pos.X, pos.Y, size.Width, size.Height}
	vis := r.intersect(clip)
	if vis.empty() {
		return
	}
	if p.painted && fyne.CurrentApp().Driver().CanvasForObject(o) == nil {
		f.Unpainted++ // in the tree, not on the glass
		return
	}
	add := func(kind, label string) {
		t := ProbeTarget{Kind: kind, Type: typeName(o), Label: label,
			X: vis.x, Y: vis.y, W: vis.w, H: vis.h, Layer: layer, obj: o}
		if d, ok := o.(fyne.Disableable); ok {
			t.Disabled = d.Disabled()
		}
		f.Targets = append(f.Targets, t)
	}
	if _, ok := o.(fyne.Tappable); ok {
		if p.instrument(o) {
			add("tap", textOf(o))
		} else {
			add("tap-uncounted", textOf(o))
		}
	}
	if _, ok := o.(fyne.Draggable); ok {
		if _, scroll := o.(*container.Scroll); scroll {
			add("scroll", "")
		} else {
			add("drag", "")
		}
	}
	if t, ok := o.(*canvas.Text); ok && strings.TrimSpace(t.Text) != "" {
		add("text", t.Text)
	}
	switch v := o.(type) {
	case *container.Scroll:
		clip = vis // what scrolls out of the viewport is not on screen
		if v.Content != nil {
			p.walk(f, v.Content, pos, clip, layer)
		}
		return
	case *fyne.Container:
		for _, c := range v.Objects {
			p.walk(f, c, pos, clip, layer)
		}
		return
	case fyne.Widget:
		if rd, ok := cachedRenderer(v); ok && rd != nil {
			for _, c := range rd.Objects() {
				p.walk(f, c, pos, clip, layer)
			}
		}
	}
}

var funcType = reflect.TypeOf(func() {})

// instrument wraps the object's OnTapped callback once (again if the
// screen replaced it) and reports whether its taps are counted.
func (p *probe) instrument(o fyne.CanvasObject) bool {
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return false
	}
	fv := v.Elem().FieldByName("OnTapped")
	if !fv.IsValid() || fv.Type() != funcType || !fv.CanSet() {
		return false
	}
	if fv.IsNil() {
		return true // nothing to call: a tap on it does nothing, counted or not
	}
	if fv.Pointer() == p.pc {
		return true
	}
	inner := fv.Interface().(func())
	fv.Set(reflect.ValueOf(p.wrapper(func() string { return textOf(o) }, typeName(o), inner)))
	return true
}

func typeName(o fyne.CanvasObject) string { return strings.TrimPrefix(fmt.Sprintf("%T", o), "*") }

// textOf is the label a widget shows: its Text field, if any.
func textOf(o fyne.CanvasObject) string {
	v := reflect.ValueOf(o)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return ""
	}
	for _, name := range []string{"Text", "text"} { // text: e.g. container's tab buttons
		if fv := v.Elem().FieldByName(name); fv.IsValid() && fv.Kind() == reflect.String {
			return fv.String()
		}
	}
	return ""
}

func (p *probe) write(f ProbeFrame) error {
	p.mu.Lock()
	b, err := json.Marshal(f)
	if err != nil || bytes.Equal(b, p.last) {
		p.mu.Unlock()
		return err
	}
	p.last = b
	p.seq++
	f.Seq = p.seq
	p.mu.Unlock()
	out, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return err
	}
	tmp := p.path + ".tmp"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if err := os.Rename(tmp, p.path); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	return nil
}

// Finger acts on the window's widgets as a finger would, in process: it
// finds a widget the way the probe sees the screen (on screen, enabled, not
// under another) and hands it the tap or drag events Fyne's driver would
// after its hit test. The screen tour (kiosk --tour) uses it, so that the
// screenshots come from widgets that were tapped, never from calls into the
// session. Its methods run the UI work on the UI goroutine; do not call them
// from it.
type Finger struct {
	win fyne.Window
	p   *probe
}

// NewFinger returns a Finger on win.
func NewFinger(win fyne.Window, sess *session.Session) *Finger {
	p := &probe{win: win, sess: sess, start: time.Now()}
	p.pc = reflect.ValueOf(p.wrapper(nil, "", nil)).Pointer()
	return &Finger{win: win, p: p}
}

// Targets returns what is on screen now (window pixels).
func (f *Finger) Targets() []ProbeTarget {
	var fr ProbeFrame
	fyne.DoAndWait(func() { fr = f.p.frame() })
	return fr.Targets
}

// find returns the topmost usable target matching ok.
func (f *Finger) find(ok func(ProbeTarget) bool) (ProbeTarget, bool) {
	ts := f.Targets()
	top := 0
	for _, t := range ts {
		top = max(top, t.Layer)
	}
	for _, t := range ts {
		if t.Layer == top && !t.Disabled && !t.Covered && ok(t) {
			return t, true
		}
	}
	return ProbeTarget{}, false
}

// Has reports whether a tappable widget labelled label is on screen.
func (f *Finger) Has(label string) bool {
	_, ok := f.find(func(t ProbeTarget) bool { return isTap(t) && t.Label == label })
	return ok
}

func isTap(t ProbeTarget) bool { return t.Kind == "tap" || t.Kind == "tap-uncounted" }

// Tap taps the widget labelled label, waiting up to 5 s for it to appear.
func (f *Finger) Tap(label string) error {
	return f.TapWhere(label, func(t ProbeTarget) bool { return isTap(t) && t.Label == label })
}

// TapWhere taps the first target matching ok, waiting up to 5 s.
func (f *Finger) TapWhere(what string, ok func(ProbeTarget) bool) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		if t, found := f.find(ok); found {
			f.tap(t)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("finger: %s is not on the screen", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (f *Finger) tap(t ProbeTarget) {
	scale := f.win.Canvas().Scale()
	abs := fyne.NewPos((t.X+t.W/2)/scale, (t.Y+t.H/2)/scale)
	fyne.DoAndWait(func() {
		if tp, ok := t.obj.(fyne.Tappable); ok {
			origin := fyne.CurrentApp().Driver().AbsolutePositionForObject(t.obj)
			tp.Tapped(&fyne.PointEvent{AbsolutePosition: abs, Position: abs.Subtract(origin)})
		}
	})
	time.Sleep(150 * time.Millisecond) // let the screen answer
}

// Draw draws strokes (window pixels) on the first drawing area whose type
// contains typ, as drag events.
func (f *Finger) Draw(typ string, strokes [][][2]float32) error {
	// A scrolling area is under its children everywhere: not "covered".
	var t ProbeTarget
	ok := false
	for _, c := range f.Targets() {
		if c.Kind == "drag" && strings.Contains(c.Type, typ) && !c.Disabled {
			t, ok = c, true
			break
		}
	}
	if !ok {
		return fmt.Errorf("finger: no %s to draw on", typ)
	}
	d, _ := t.obj.(fyne.Draggable)
	scale := f.win.Canvas().Scale()
	for _, s := range strokes {
		fyne.DoAndWait(func() {
			origin := fyne.CurrentApp().Driver().AbsolutePositionForObject(t.obj)
			for i := 1; i < len(s); i++ {
				abs := fyne.NewPos(s[i][0]/scale, s[i][1]/scale)
				d.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{AbsolutePosition: abs, Position: abs.Subtract(origin)},
					Dragged: fyne.NewDelta((s[i][0]-s[i-1][0])/scale, (s[i][1]-s[i-1][1])/scale)})
			}
			d.DragEnd()
		})
	}
	return nil
}
