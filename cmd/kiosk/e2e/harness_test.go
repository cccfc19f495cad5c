//go:build e2e

// Package e2e holds the human-speed end-to-end suite of the kiosk (make
// e2e, packaging/scripts/e2e.sh): the real kiosk binary under Xvfb, driven
// only by X input events through xdotool (XTEST), with 150 ms presses,
// typing at 3 keys a second and strokes drawn with the mouse button held.
// The kiosk's test probe (KIOSK_PROBE, app/screens/probe.go) says where the
// widgets are and counts the taps the UI handled, so a tap that reached no
// handler is counted as lost; the simulator control socket (KIOSK_SIMCTL)
// places cards and feeds the QR scanner as the dock does. Each flow ends by
// opening the kiosk's store with the kiosk's own code and checking what
// reached it.
package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/screens"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/offline"
)

const (
	press    = 150 * time.Millisecond // how long a finger stays down
	keyEvery = time.Second / 3        // typing pace: 3 keys a second
)

// Totals of the whole run, printed as the one summary line.
var totals struct {
	mu     sync.Mutex
	flows  int
	failed int
	taps   int
	lost   int
	notes  []string
}

func TestMain(m *testing.M) {
	code := m.Run()
	totals.mu.Lock()
	defer totals.mu.Unlock()
	for _, n := range totals.notes {
		fmt.Fprintln(os.Stderr, "e2e note:", n)
	}
	fmt.Printf("e2e: %d flows, %d taps, %d lost\n", totals.flows, totals.taps, totals.lost)
	if totals.lost > 0 && code == 0 {
		code = 1
	}
	os.Exit(code)
}

func note(format string, a ...any) {
	totals.mu.Lock()
	totals.notes = append(totals.notes, fmt.Sprintf(format, a...))
	totals.mu.Unlock()
}

// flow runs one flow as a subtest and counts it.
func flow(t *testing.T, name string, f func(t *testing.T)) {
	t.Helper()
	totals.mu.Lock()
	totals.flows++
	totals.mu.Unlock()
	if !t.Run(name, f) {
		totals.mu.Lock()
		totals.failed++
		totals.mu.Unlock()
	}
}

// Kiosk is one running kiosk on its own X server.
type Kiosk struct {
	t       *testing.T
	name    string
	display string
	dir     string // scratch: data, probe, socket, log
	shots   string // build/e2e/<flow>/
	xvfb    *exec.Cmd
	cmd     *exec.Cmd
	done    chan error
	shotN   int
	config  string // --config, or "" for the defaults
	ox, oy  int    // window origin on the screen
	taps    int
	lost    int
}

var displayN = 0

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Start runs Xvfb and the kiosk binary (E2E_KIOSK) with the probe and the
// simulator control on, and waits for the attract screen.
func Start(t *testing.T, name string, width, height int, args ...string) *Kiosk {
	t.Helper()
	bin := env("E2E_KIOSK", "")
	if bin == "" {
		t.Fatal("E2E_KIOSK (the kiosk binary) is not set: run make e2e")
	}
	base := 110
	fmt.Sscan(env("E2E_DISPLAY_BASE", "110"), &base)
	disp := fmt.Sprintf(":%d", base+displayN%10)
	displayN++
	k := &Kiosk{t: t, name: name, display: disp, dir: t.TempDir(), done: make(chan error, 1)}
	for i, a := range args {
		if a == "--config" && i+1 < len(args) {
			k.config = args[i+1]
		}
	}
	k.shots = filepath.Join(env("E2E_OUT", "build/e2e"), name)
	os.RemoveAll(k.shots)
	if err := os.MkdirAll(k.shots, 0o755); err != nil {
		t.Fatal(err)
	}
	k.xvfb = exec.Command("Xvfb", disp, "-screen", "0", fmt.Sprintf("%dx%dx24", width, height), "-nolisten", "tcp")
	if err := k.xvfb.Start(); err != nil {
		t.Fatalf("Xvfb: %v", err)
	}
	t.Cleanup(k.Stop)
	k.waitFor("X server "+disp, 10*time.Second, func() bool {
		_, err := os.Stat("/tmp/.X11-unix/X" + strings.TrimPrefix(disp, ":"))
		return err == nil
	})
	data := filepath.Join(k.dir, "data")
	k.cmd = exec.Command(bin, append([]string{"--data", data}, args...)...)
	k.cmd.Env = append(os.Environ(), "DISPLAY="+disp, "LANG=zh_CN.UTF-8",
		"KIOSK_PROBE="+k.probePath(), "KIOSK_SIMCTL="+k.sockPath())
	logf, err := os.Create(filepath.Join(k.shots, "kiosk.log"))
	if err != nil {
		t.Fatal(err)
	}
	k.cmd.Stdout, k.cmd.Stderr = logf, logf
	if err := k.cmd.Start(); err != nil {
		t.Fatalf("kiosk: %v", err)
	}
	go func() { k.done <- k.cmd.Wait(); logf.Close() }()
	k.WaitScreen("attract", 60*time.Second)
	k.origin()
	k.Shot("attract")
	return k
}

func (k *Kiosk) probePath() string { return filepath.Join(k.dir, "probe.json") }
func (k *Kiosk) sockPath() string  { return filepath.Join(k.dir, "sim.sock") }
func (k *Kiosk) DataDir() string   { return filepath.Join(k.dir, "data") }

// origin finds where the kiosk's window sits on the screen.
func (k *Kiosk) origin() {
	out, err := k.xdo("search", "--onlyvisible", "--name", "便民自助终端", "getwindowgeometry", "--shell")
	if err != nil {
		return // fullscreen at 0,0 without a window manager
	}
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "X="); ok {
			fmt.Sscan(v, &k.ox)
		}
		if v, ok := strings.CutPrefix(line, "Y="); ok {
			fmt.Sscan(v, &k.oy)
		}
	}
}

// Stop ends the kiosk (SIGTERM, as systemd would) and its X server.
func (k *Kiosk) Stop() {
	if k.cmd != nil && k.cmd.Process != nil && k.cmd.ProcessState == nil {
		_ = k.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-k.done:
		case <-time.After(15 * time.Second):
			_ = k.cmd.Process.Kill()
			<-k.done
		}
		k.cmd.ProcessState = &os.ProcessState{}
	}
	if k.xvfb != nil && k.xvfb.Process != nil {
		_ = k.xvfb.Process.Kill()
		_ = k.xvfb.Wait()
		k.xvfb = nil
	}
	totals.mu.Lock()
	totals.taps += k.taps
	totals.lost += k.lost
	k.taps, k.lost = 0, 0
	totals.mu.Unlock()
}

func (k *Kiosk) xdo(args ...string) (string, error) {
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+k.display)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("xdotool %v: %w: %s", args, err, out)
	}
	return string(out), nil
}

// Frame reads the probe's latest frame.
func (k *Kiosk) Frame() screens.ProbeFrame {
	var f screens.ProbeFrame
	b, err := os.ReadFile(k.probePath())
	if err == nil {
		_ = json.Unmarshal(b, &f)
	}
	return f
}

func (k *Kiosk) waitFor(what string, d time.Duration, cond func() bool) {
	k.t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		select {
		case err := <-k.done:
			k.done <- err
			k.t.Fatalf("kiosk exited while waiting for %s: %v (see %s/kiosk.log)", what, err, k.shots)
		case <-time.After(30 * time.Millisecond):
		}
	}
	k.Shot("timeout")
	k.t.Fatalf("timed out waiting for %s (screen %s); see %s", what, k.Frame().Screen, k.shots)
}

// WaitScreen waits for the session to show screen.
func (k *Kiosk) WaitScreen(screen string, d time.Duration) {
	k.t.Helper()
	d = max(d, 20*time.Second) // a loaded machine answers slowly; a person would wait too
	k.waitFor("screen "+screen, d, func() bool { return k.Frame().Screen == screen })
}

// Find returns a tappable target with exactly this label, on top and
// enabled.
func (k *Kiosk) Find(label string) (screens.ProbeTarget, bool) {
	f := k.Frame()
	top := 0
	for _, t := range f.Targets {
		top = max(top, t.Layer)
	}
	for _, t := range f.Targets {
		// At least 40 px of it on screen: a sliver at the fold is scrolled
		// into view first, as a person would.
		if (t.Kind == "tap" || t.Kind == "tap-uncounted") && t.Label == label && !t.Disabled && !t.Covered && t.Layer == top && t.H >= 40 {
			return t, true
		}
	}
	return screens.ProbeTarget{}, false
}

// HasText reports whether some visible text contains s.
func (k *Kiosk) HasText(s string) bool {
	for _, t := range k.Frame().Targets {
		if t.Kind == "text" && strings.Contains(t.Label, s) {
			return true
		}
	}
	return false
}

// Texts is every visible text, joined (for error messages).
func (k *Kiosk) Texts() string {
	var out []string
	for _, t := range k.Frame().Targets {
		if t.Kind == "text" {
			out = append(out, t.Label)
		}
	}
	return strings.Join(out, " | ")
}

// Tap waits for the widget labelled label, presses it for 150 ms like a
// finger and checks that the UI handled the tap (the probe's count goes up
// by one within two seconds): otherwise the tap counts as lost.
func (k *Kiosk) Tap(label string) {
	k.t.Helper()
	k.Settle()
	k.tap(label)
}

// Settle waits until the screen has held still for 150 ms (at most 3 s), as
// a person looks before touching: a layout that moves is not tapped mid-move,
// and a screen the UI has not yet brought up to date with the session
// (Pending: the answer to the last tap is queued) is not still.
//
// Widgets the window has not painted (Frame.Unpainted: in the widget tree,
// not on the glass) keep the screen from being still; still there after
// the 3 s, the flow fails: a person would see nothing there, whatever the
// tree says (the idle warning and the card-removed banner were unpainted
// until something else repainted the window).
func (k *Kiosk) Settle() {
	k.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	f := k.Frame()
	seq, since := f.Seq, time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(25 * time.Millisecond)
		if f = k.Frame(); f.Seq != seq || f.Pending {
			seq, since = f.Seq, time.Now()
		} else if time.Since(since) >= 150*time.Millisecond {
			return
		}
	}
	if f.Unpainted > 0 {
		k.Shot("unpainted")
		k.t.Fatalf("%d widgets stayed in the tree unpainted for 3 s (screen %s): the window was not asked to repaint; see %s", f.Unpainted, f.Screen, k.shots)
	}
}

// FindKey is Find for a key of the open on-screen keyboard: a field whose
// value reads "3" is not the key 3 (typing a bank card number, the 9th
// digit opened the field above instead). Any other target with the label
// when no key has it (a handwriting candidate).
func (k *Kiosk) FindKey(label string) (screens.ProbeTarget, bool) {
	f := k.Frame()
	top := 0
	for _, t := range f.Targets {
		top = max(top, t.Layer)
	}
	for _, t := range f.Targets {
		if t.Kind == "tap" && t.Type == "widgets.key" && t.Label == label && !t.Disabled && !t.Covered && t.Layer == top && t.H >= 40 {
			return t, true
		}
	}
	return k.Find(label)
}

// tap is Tap without settling.
func (k *Kiosk) tap(label string) { k.t.Helper(); k.tapWith(label, k.Find) }

// tapWith taps the target find returns for label.
func (k *Kiosk) tapWith(label string, find func(string) (screens.ProbeTarget, bool)) {
	k.t.Helper()
	var tg screens.ProbeTarget
	found := func() bool {
		var ok bool
		tg, ok = find(label)
		return ok
	}
	deadline := time.Now().Add(1500 * time.Millisecond)
	for !found() && time.Now().Before(deadline) {
		time.Sleep(25 * time.Millisecond)
	}
	if !found() { // below the fold: scroll it into view, as a finger would
		k.Reveal(label, false)
	}
	k.waitFor("a target "+label, 10*time.Second, found)
	k.tapTarget(tg)
}

func (k *Kiosk) tapTarget(tg screens.ProbeTarget) {
	k.t.Helper()
	before := k.Frame().Taps
	k.press(int(tg.X+tg.W/2), int(tg.Y+tg.H/2))
	k.taps++
	if tg.Kind == "tap-uncounted" {
		return // the caller checks the effect
	}
	k.handled(before, tg.Label, tg.Type, tg.X+tg.W/2, tg.Y+tg.H/2)
}

// handled checks that the tap after count before reached the widget
// labelled label: not handled at all, or handled by another widget (the
// layout moved under the finger), it counts as lost.
func (k *Kiosk) handled(before int, label, typ string, x, y float32) {
	k.t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		f := k.Frame()
		if f.Taps > before {
			for _, r := range f.Recent {
				if r.N == before+1 && (r.Label != label || (typ != "" && r.Type != typ)) {
					k.lost++
					note("%s: tap on %s %q at (%.0f,%.0f) reached %s %q instead", k.name, typ, label, x, y, r.Type, r.Label)
					k.Shot("misdirected-tap")
				}
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	k.lost++
	note("%s: tap on %q at (%.0f,%.0f) was not handled", k.name, label, x, y)
	k.Shot("lost-tap")
}

// press is one finger press at window pixel (x, y).
func (k *Kiosk) press(x, y int) {
	k.t.Helper()
	if _, err := k.xdo("mousemove", fmt.Sprint(k.ox+x), fmt.Sprint(k.oy+y), "mousedown", "1"); err != nil {
		k.t.Fatal(err)
	}
	time.Sleep(press)
	if _, err := k.xdo("mouseup", "1"); err != nil {
		k.t.Fatal(err)
	}
}

// Keys taps on-screen keys at 3 a second.
func (k *Kiosk) Keys(labels ...string) {
	k.t.Helper()
	for _, l := range labels {
		start := time.Now()
		k.tapWith(l, k.FindKey)
		if d := keyEvery - time.Since(start); d > 0 {
			time.Sleep(d)
		}
	}
}

// Digits types a number on the numeric pad, one key per character.
func (k *Kiosk) Digits(s string) {
	k.t.Helper()
	for _, r := range s {
		k.Keys(string(r))
	}
}

// Stroke draws one stroke through the points (window pixels) with the
// button held, taking about d.
func (k *Kiosk) Stroke(d time.Duration, pts ...[2]int) {
	k.t.Helper()
	if len(pts) < 2 {
		return
	}
	if _, err := k.xdo("mousemove", fmt.Sprint(k.ox+pts[0][0]), fmt.Sprint(k.oy+pts[0][1]), "mousedown", "1"); err != nil {
		k.t.Fatal(err)
	}
	// Fill in intermediate points every ~12 px, as a finger moving.
	var path [][2]int
	for i := 1; i < len(pts); i++ {
		a, b := pts[i-1], pts[i]
		dx, dy := b[0]-a[0], b[1]-a[1]
		n := max(1, (abs(dx)+abs(dy))/12)
		for j := 1; j <= n; j++ {
			path = append(path, [2]int{a[0] + dx*j/n, a[1] + dy*j/n})
		}
	}
	step := d / time.Duration(len(path))
	for _, p := range path {
		time.Sleep(step)
		if _, err := k.xdo("mousemove", fmt.Sprint(k.ox+p[0]), fmt.Sprint(k.oy+p[1])); err != nil {
			k.t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := k.xdo("mouseup", "1"); err != nil {
		k.t.Fatal(err)
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// Drag scrolls: a slow finger drag from one point to another.
func (k *Kiosk) Drag(x0, y0, x1, y1 int) {
	k.t.Helper()
	k.Stroke(600*time.Millisecond, [2]int{x0, y0}, [2]int{x1, y1})
	time.Sleep(300 * time.Millisecond)
}

// Area returns the first target of a kind whose type contains typ.
func (k *Kiosk) Area(kind, typ string) (screens.ProbeTarget, bool) {
	for _, t := range k.Frame().Targets {
		if t.Kind == kind && strings.Contains(t.Type, typ) && (!t.Covered || kind == "scroll" || strings.Contains(t.Type, "Scroll")) {
			return t, true
		}
	}
	return screens.ProbeTarget{}, false
}

// Reveal scrolls the screen (finger drags on the scrolling area) until a
// target labelled label is on screen; up first, then down.
func (k *Kiosk) Reveal(label string, text bool) {
	k.t.Helper()
	if !k.TryReveal(label, text) {
		k.Shot("not-found")
		k.t.Fatalf("%q not found by scrolling; on screen: %s", label, k.Texts())
	}
}

// TryReveal is Reveal reporting whether it found it.
func (k *Kiosk) TryReveal(label string, text bool) bool {
	k.t.Helper()
	k.Settle()
	visible := func() bool {
		if text {
			return k.textTarget(label) != nil
		}
		_, ok := k.Find(label)
		return ok
	}
	for dir := 0; dir < 2; dir++ {
		for i := 0; i < 8 && !visible(); i++ {
			sc, ok := k.Area("drag", "TouchScroll")
			if !ok {
				sc, ok = k.Area("scroll", "Scroll")
			}
			if !ok {
				return false // nothing scrolls here
			}
			x := int(sc.X + sc.W - 40) // the right margin: no key or field there
			top, bottom := int(sc.Y+sc.H*0.25), int(sc.Y+sc.H*0.75)
			if dir == 0 {
				k.Drag(x, bottom, x, top)
			} else {
				k.Drag(x, top, x, bottom)
			}
		}
		if visible() {
			return true
		}
	}
	return false
}

func (k *Kiosk) textTarget(label string) *screens.ProbeTarget {
	f := k.Frame()
	for i, t := range f.Targets {
		if t.Kind == "text" && t.Label == label {
			return &f.Targets[i]
		}
	}
	return nil
}

// FieldButton returns the tappable field right below the field label text.
func (k *Kiosk) FieldButton(label string) screens.ProbeTarget {
	k.t.Helper()
	var out screens.ProbeTarget
	k.waitFor("field "+label, 5*time.Second, func() bool {
		f := k.Frame()
		var lt *screens.ProbeTarget
		for i, t := range f.Targets {
			if t.Kind == "text" && (t.Label == label || t.Label == label+" *") {
				lt = &f.Targets[i]
			}
		}
		if lt == nil {
			return false
		}
		best := float32(1e9)
		for _, t := range f.Targets {
			// A field's input spans the screen's width: never the bottom
			// bar's 返回 that happens to sit below a label at the fold.
			if t.Kind != "tap" || t.Covered || t.Disabled || t.Y < lt.Y+lt.H-2 || t.Y-lt.Y > 200 || t.W < f.Width*0.8 || t.H < 40 {
				continue
			}
			if d := t.Y - lt.Y; d < best {
				best, out = d, t
			}
		}
		if best < 1e9 {
			return true
		}
		// The input is below the fold: bring it up with a short drag.
		if sc, ok := k.Area("drag", "TouchScroll"); ok && lt.Y > sc.Y+sc.H*0.6 {
			x := int(sc.X + sc.W - 40)
			k.Drag(x, int(sc.Y+sc.H*0.7), x, int(sc.Y+sc.H*0.4))
		}
		return false
	})
	return out
}

// Shot saves what the X server shows, as a person sees it.
func (k *Kiosk) Shot(step string) {
	k.shotN++
	path := filepath.Join(k.shots, fmt.Sprintf("%02d-%s.png", k.shotN, step))
	cmd := exec.Command("import", "-window", "root", path)
	cmd.Env = append(os.Environ(), "DISPLAY="+k.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		k.t.Logf("screenshot %s: %v: %s", path, err, out)
	}
}

// Sim sends one command to the simulator control socket.
func (k *Kiosk) Sim(command string) {
	k.t.Helper()
	c, err := net.DialTimeout("unix", k.sockPath(), 5*time.Second)
	if err != nil {
		k.t.Fatalf("simctl: %v", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintln(c, command)
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "ok" {
		k.t.Fatalf("simctl %q: %q %v", command, line, err)
	}
}

// Card places a test card on the simulated reader.
func (k *Kiosk) Card(label string) { k.Sim("card " + label) }

// Stored stops the kiosk and opens its store through the kiosk's own
// composition root (terminal.Resolve and Plan.OpenStore, as kiosk and
// kioskctl do), returning every application with its personal data.
func (k *Kiosk) Stored() []*kiosk.Application {
	k.t.Helper()
	k.Stop()
	ctx := context.Background()
	cfg, err := config.Load(k.config)
	if err != nil {
		k.t.Fatal(err)
	}
	cfg.Store.DataDir = k.DataDir()
	plan, err := terminal.Resolve(cfg)
	if err != nil {
		k.t.Fatal(err)
	}
	st, err := plan.OpenStore(ctx, terminal.StoreOptions{})
	if err != nil {
		k.t.Fatalf("open store: %v", err)
	}
	defer st.Close()
	sums, err := st.List(ctx, offline.ListFilter{})
	if err != nil {
		k.t.Fatal(err)
	}
	var apps []*kiosk.Application
	for _, s := range sums {
		a, err := st.Get(ctx, s.InstanceID)
		if err != nil {
			k.t.Fatalf("get %s: %v", s.AcceptanceNo, err)
		}
		apps = append(apps, a)
	}
	return apps
}
