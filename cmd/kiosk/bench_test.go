package main

// The appliance benchmarks: the shipped kiosk binary run under Xvfb and
// observed from outside the process. KIOSK_BIN names the binary (make bench
// passes the one it built); without it the benchmark builds one.
//
//	BenchmarkKioskColdStart   exec → first painted (non-blank) frame on the display
//	BenchmarkKioskIdle        idle CPU, wake-ups and RSS on the attract and form screens,
//	                          against a bare Fyne window of the same size (the framework's floor)
//	BenchmarkKioskTap         X input event (XTEST, as xdotool sends it) → next painted frame
//
// The ID card reader is the GA 467 simulator on a pseudo-terminal driven by
// this process, so the kiosk opens it as a serial reader (its production
// code path) with its shipped poll default; everything else is the
// simulation configuration.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"

	kioskpkg "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/idcard/findpoll"
	"github.com/bianmin/kiosk/devices/idcard/sim"
	"github.com/bianmin/kiosk/devices/serialport"
)

// TestMain doubles as the framework floor: with KIOSK_BENCH_FLOOR set the
// test binary is a bare Fyne window of the kiosk's size with one label.
func TestMain(m *testing.M) {
	if os.Getenv("KIOSK_BENCH_FLOOR") != "" {
		a := fyneapp.NewWithID("cn.gov.bianmin.kiosk.floor")
		w := a.NewWindow("floor")
		w.Resize(fyne.NewSize(1080, 1920))
		w.SetFixedSize(true)
		w.SetContent(widget.NewLabel("便民自助服务"))
		w.ShowAndRun()
		return
	}
	// The in-process reader of the benchmarks locks its pseudo-terminal in
	// a directory of this binary's own (see devices/serialport, Open): the
	// default one is shared with every other process of the user.
	dir, err := os.MkdirTemp("", "serial-locks-")
	if err != nil {
		panic(err)
	}
	serialport.SetLockDir(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const screenW, screenH = 1080, 1920

// This benchmark's X displays: :170–:179, or KIOSK_BENCH_DISPLAYS=first-last.
var displayFirst, displayLast = displayRange(170, 179)

func displayRange(first, last int) (int, int) {
	if a, b, ok := strings.Cut(os.Getenv("KIOSK_BENCH_DISPLAYS"), "-"); ok {
		f, err1 := strconv.Atoi(a)
		l, err2 := strconv.Atoi(b)
		if err1 == nil && err2 == nil && f <= l {
			return f, l
		}
	}
	return first, last
}

func kioskBin(b *testing.B) string {
	if p := os.Getenv("KIOSK_BIN"); p != "" {
		return p
	}
	out := filepath.Join(b.TempDir(), "kiosk")
	cmd := exec.Command("go", "build", "-o", out, ".")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build kiosk: %v\n%s", err, msg)
	}
	return out
}

// startX starts Xvfb on the first free display of this benchmark's range.
func startX(b *testing.B) (int, *xconn) {
	for d := displayFirst; d <= displayLast; d++ {
		lock := fmt.Sprintf("/tmp/.X%d-lock", d)
		if b, err := os.ReadFile(lock); err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			if pid > 0 && syscall.Kill(pid, 0) == nil {
				continue // a live server
			}
			os.Remove(lock) // left by a server that was killed
			os.Remove(fmt.Sprintf("/tmp/.X11-unix/X%d", d))
		}
		cmd := exec.Command("Xvfb", fmt.Sprintf(":%d", d), "-screen", "0", fmt.Sprintf("%dx%dx24", screenW, screenH), "-nolisten", "tcp")
		if err := cmd.Start(); err != nil {
			b.Fatalf("Xvfb: %v", err)
		}
		x, err := dialX(d, 10*time.Second)
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			continue
		}
		b.Cleanup(func() {
			x.Close()
			cmd.Process.Signal(syscall.SIGTERM) // Xvfb removes its lock file
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
		return d, x
	}
	b.Fatalf("no free X display in :%d–:%d", displayFirst, displayLast)
	return 0, nil
}

// kproc is one run of the binary.
type kproc struct {
	cmd   *exec.Cmd
	start time.Time
	log   bytes.Buffer
}

func (k *kproc) stop() {
	k.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { k.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		k.cmd.Process.Kill()
		<-done
	}
}

func runKiosk(b *testing.B, display int, bin string, args ...string) *kproc {
	return runEnv(b, display, nil, bin, args...)
}

func runEnv(b *testing.B, display int, env []string, bin string, args ...string) *kproc {
	k := &kproc{cmd: exec.Command(bin, args...)}
	k.cmd.Env = append(append(os.Environ(), fmt.Sprintf("DISPLAY=:%d", display), "LANG=zh_CN.UTF-8"), env...)
	k.cmd.Stdout, k.cmd.Stderr = &k.log, &k.log
	k.start = time.Now()
	if err := k.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	return k
}

// readerConfig starts the reader simulator on a pty and writes a kiosk
// configuration that opens it as a serial reader, with the shipped poll
// default (the file does not set poll_interval).
func readerConfig(b *testing.B, ctx context.Context) (*sim.Reader, string) {
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: 115200, SAMTime: sim.TypicalSAMTime})
	if err != nil {
		b.Fatal(err)
	}
	cfg := filepath.Join(b.TempDir(), "kiosk.toml")
	body := fmt.Sprintf("mode = \"simulation\"\n[ui]\nvoice = false\n[idcard]\nbackend = \"serial\"\nport = %q\nbaud = 115200\n", path)
	if err := os.WriteFile(cfg, []byte(body), 0o600); err != nil {
		b.Fatal(err)
	}
	return r, cfg
}

// xframe is the kiosk's pixels as sampled for comparison: horizontal
// bands across the whole screen.
type xframe []byte

var bandRows = []int{96, 300, 500, 700, 900, 1100, 1300, 1500, 1700, 1850}

func (x *xconn) xframe() (xframe, error) {
	var f xframe
	for _, y := range bandRows {
		p, err := x.image(0, y, screenW, 2)
		if err != nil {
			return nil, err
		}
		f = append(f, p...)
	}
	return f, nil
}

// same reports whether two frames agree on at least 99 % of their pixels
// (a caret or a countdown may differ).
func sameFrame(a, b xframe) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	diff := 0
	for i := 0; i+3 < len(a); i += 4 {
		if a[i] != b[i] || a[i+1] != b[i+1] || a[i+2] != b[i+2] {
			diff++
		}
	}
	return diff*100 <= len(a)/4
}

// isPainted reports whether a frame shows something: at least 1 % of its
// pixels differ from its most common colour.
func isPainted(f xframe) bool {
	count := map[[3]byte]int{}
	for i := 0; i+3 < len(f); i += 4 {
		count[[3]byte{f[i], f[i+1], f[i+2]}]++
	}
	top := 0
	for _, n := range count {
		top = max(top, n)
	}
	return len(f) > 0 && (len(f)/4-top)*100 >= len(f)/4
}

// waitPainted polls the display until a window of the kiosk's size is
// mapped and shows a non-blank frame.
func waitPainted(x *xconn, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ws, err := x.mapped()
		if err != nil {
			return time.Time{}, err
		}
		for _, w := range ws {
			if w.w == screenW && w.h == screenH {
				f, err := x.xframe()
				if err != nil {
					return time.Time{}, err
				}
				if isPainted(f) {
					return time.Now(), nil
				}
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("no painted window within %v", timeout)
}

// waitMapped waits for a window of the kiosk's size (the floor's bare
// window has too little on it to count as painted).
func waitMapped(x *xconn, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ws, err := x.mapped()
		if err != nil {
			return time.Time{}, err
		}
		for _, w := range ws {
			if w.w == screenW && w.h == screenH {
				return time.Now(), nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("no window within %v", timeout)
}

// waitStable waits until the frame has not changed for quiet.
func waitStable(x *xconn, quiet, timeout time.Duration) (xframe, error) {
	deadline := time.Now().Add(timeout)
	lastRun, err := x.xframe()
	if err != nil {
		return nil, err
	}
	since := time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		f, err := x.xframe()
		if err != nil {
			return nil, err
		}
		if !sameFrame(f, lastRun) {
			lastRun, since = f, time.Now()
		} else if time.Since(since) >= quiet {
			return lastRun, nil
		}
	}
	return nil, fmt.Errorf("screen never settled for %v", quiet)
}

// waitFrame waits until the display shows want, reading it once after each
// paint of the watched window (x.watchDamage), and returns when the paint
// that showed it reached the server: the last paint notified before the
// reading that matched (an upper bound: a later paint of the same picture
// may have come in between). Reading only after paints leaves the X server
// and the cores to the kiosk instead of competing with it.
func waitFrame(x *xconn, want xframe, since time.Time, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		f, err := x.xframe()
		if err != nil {
			return time.Time{}, err
		}
		if sameFrame(f, want) {
			if x.lastDamage.After(since) {
				return x.lastDamage, nil
			}
			return time.Now(), nil
		}
		if err := x.waitDamage(deadline); err != nil {
			return time.Time{}, fmt.Errorf("expected screen not shown: %w", err)
		}
	}
	return time.Time{}, fmt.Errorf("expected screen not shown within %v", timeout)
}

func medianDur(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func benchRounds(def int) int {
	if v, err := strconv.Atoi(os.Getenv("KIOSK_BENCH_ROUNDS")); err == nil && v > 0 {
		return v
	}
	return def
}

// BenchmarkKioskColdStart: from exec of the binary to the first non-blank
// frame of its window on the display, median of several starts with a warm
// page cache and a data directory made by a first start (first boot, with
// its key generation, is not a cold start).
func BenchmarkKioskColdStart(b *testing.B) {
	bin := kioskBin(b)
	d, x := startX(b)
	data := b.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, cfg := readerConfig(b, ctx)
	var ds []time.Duration
	for i := 0; i <= benchRounds(5); i++ {
		k := runKiosk(b, d, bin, "--config", cfg, "--data", data)
		at, err := waitPainted(x, 60*time.Second)
		k.stop()
		if err != nil {
			b.Fatalf("%v\n%s", err, k.log.String())
		}
		if i > 0 { // the first start makes the data directory
			ds = append(ds, at.Sub(k.start))
		}
	}
	b.ReportMetric(msOf(medianDur(ds)), "ms/first-frame")
}

// procUsage is one process's CPU time and context switches (all threads).
type procUsage struct {
	cpu      time.Duration
	switches int
	at       time.Time
}

func sampleProc(pid int) (procUsage, error) {
	u := procUsage{at: time.Now()}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return u, err
	}
	f := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+2:]))
	ut, _ := strconv.Atoi(f[11])
	stt, _ := strconv.Atoi(f[12])
	u.cpu = time.Duration(ut+stt) * time.Second / 100 // USER_HZ
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	for _, t := range tasks {
		s, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that ended meanwhile
		}
		for _, line := range strings.Split(string(s), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "voluntary_ctxt_switches") {
				n, _ := strconv.Atoi(strings.TrimSpace(v))
				u.switches += n
			}
		}
	}
	return u, nil
}

func rssMB(pid int) float64 {
	s, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(s), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.Fields(v)[0], 64)
			return kb / 1024
		}
	}
	return 0
}

// idle measures pid over window after the screen has settled: CPU in % of
// one core and wake-ups (context switches of all threads) per second.
func measureIdle(b *testing.B, pid int, window time.Duration) (cpuPct, wakes float64) {
	u0, err := sampleProc(pid)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(window)
	u1, err := sampleProc(pid)
	if err != nil {
		b.Fatal(err)
	}
	el := u1.at.Sub(u0.at)
	return 100 * float64(u1.cpu-u0.cpu) / float64(el), float64(u1.switches-u0.switches) / el.Seconds()
}

func benchIdleWindow() time.Duration {
	if v, err := time.ParseDuration(os.Getenv("KIOSK_IDLE_WINDOW")); err == nil {
		return v
	}
	return 20 * time.Second
}

// BenchmarkKioskIdle: idle CPU and wake-ups on the attract screen and on
// the application form (a card read, the first frequent item, its form),
// the kiosk's RSS on the attract screen, and the same CPU and wake-up
// figures of a bare Fyne window (the framework's floor) as the baseline.
func BenchmarkKioskIdle(b *testing.B) {
	bin := kioskBin(b)
	d, x := startX(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reader, cfg := readerConfig(b, ctx)
	win := benchIdleWindow()

	// The floor: this test binary as a bare Fyne window.
	fl := runEnv(b, d, []string{"KIOSK_BENCH_FLOOR=1"}, os.Args[0], "-test.run=^$")
	if _, err := waitMapped(x, 60*time.Second); err != nil {
		b.Fatalf("%v\n%s", err, fl.log.String())
	}
	time.Sleep(3 * time.Second)
	floorCPU, floorWakes := measureIdle(b, fl.cmd.Process.Pid, win)
	floorRSS := rssMB(fl.cmd.Process.Pid)
	fl.stop()

	k := runKiosk(b, d, bin, "--config", cfg, "--data", b.TempDir())
	defer k.stop()
	if _, err := waitPainted(x, 60*time.Second); err != nil {
		b.Fatalf("%v\n%s", err, k.log.String())
	}
	attract, err := waitStable(x, 2*time.Second, 30*time.Second)
	if err != nil {
		b.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	pid := k.cmd.Process.Pid
	aCPU, aWakes := measureIdle(b, pid, win)
	rss := rssMB(pid)

	// To the form: a resident's card, then the first frequent item and its
	// form, tapped as a resident would.
	id, err := testcards.Get("resident")
	if err != nil {
		b.Fatal(err)
	}
	if err := reader.PlaceCard(id); err != nil {
		b.Fatal(err)
	}
	if err := toForm(x, attract); err != nil {
		dumpScreen(b, x, "form-failed")
		b.Fatalf("%v\n%s", err, k.log.String())
	}
	time.Sleep(3 * time.Second)
	fCPU, fWakes := measureIdle(b, pid, win)

	b.ReportMetric(aCPU, "%cpu-attract")
	b.ReportMetric(aWakes, "wakeups/s-attract")
	b.ReportMetric(fCPU, "%cpu-form")
	b.ReportMetric(fWakes, "wakeups/s-form")
	b.ReportMetric(floorCPU, "%cpu-fyne-floor")
	b.ReportMetric(floorWakes, "wakeups/s-fyne-floor")
	b.ReportMetric(rss, "MB-rss-idle")
	b.ReportMetric(floorRSS, "MB-rss-fyne-floor")
}

// The controls are found on the display, not at fixed coordinates (the
// layout changes): a control is a run of one colour, 50–260 pixels tall,
// down a column of the screen. A walk that does not arrive fails the
// benchmark; KIOSK_BENCH_DUMP=dir saves what the screen showed.
type xrun struct {
	y0, y1 int
	c      [3]byte
}

func (r xrun) mid(x int) image.Point { return image.Pt(x, (r.y0+r.y1)/2) }

func (x *xconn) runs(col int) ([]xrun, error) {
	if err := x.move(screenW/2, 4); err != nil { // no hover on any control
		return nil, err
	}
	time.Sleep(100 * time.Millisecond)
	p, err := x.image(col, 0, 1, screenH)
	if err != nil {
		return nil, err
	}
	px := func(y int) [3]byte { return [3]byte{p[4*y], p[4*y+1], p[4*y+2]} }
	// The page's background is near white; controls are not.
	isBG := func(c [3]byte) bool { return min(c[0], c[1], c[2]) >= 0xF0 }
	var out []xrun
	for y := 0; y < screenH; {
		c, y0 := px(y), y
		for y < screenH && px(y) == c {
			y++
		}
		if !isBG(c) && y-y0 >= 50 && y-y0 <= 260 {
			out = append(out, xrun{y0, y - 1, c})
		}
	}
	return out, nil
}

// tile finds a control: the runs down column col, then pick chooses one.
func (x *xconn) tile(col int, pick func([]xrun) (xrun, bool)) (image.Point, error) {
	rs, err := x.runs(col)
	if err != nil {
		return image.Point{}, err
	}
	r, ok := pick(rs)
	if !ok {
		return image.Point{}, fmt.Errorf("no control found down x=%d (runs %v)", col, rs)
	}
	return r.mid(col), nil
}

// firstLike is the first run of the last run's colour (the attract
// screen's first choice tile), last the last run.
func firstLike(rs []xrun) (xrun, bool) {
	if len(rs) == 0 {
		return xrun{}, false
	}
	for _, r := range rs {
		if r.c == rs[len(rs)-1].c {
			return r, true
		}
	}
	return xrun{}, false
}

func lastRun(rs []xrun) (xrun, bool) {
	if len(rs) == 0 {
		return xrun{}, false
	}
	return rs[len(rs)-1], true
}

// tapAt taps the control chosen and returns the time of the release.
func (x *xconn) tapAt(col int, pick func([]xrun) (xrun, bool)) (time.Time, error) {
	p, err := x.tile(col, pick)
	if err != nil {
		return time.Time{}, err
	}
	return x.tap(p.X, p.Y)
}

// next waits for the screen to change from before and settle.
func nextScreen(x *xconn, before xframe) (xframe, error) {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		f, err := x.xframe()
		if err != nil {
			return nil, err
		}
		if !sameFrame(f, before) {
			return waitStable(x, time.Second, 20*time.Second)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, errors.New("the screen did not change")
}

// toForm walks from the attract screen, with a card just placed, to the
// form of the first frequent item.
func toForm(x *xconn, attract xframe) error {
	home, err := nextScreen(x, attract)
	if err != nil {
		return fmt.Errorf("card read: %w", err)
	}
	// The first item tile: the first run of the tile colour after the
	// search bar, down the left column.
	if _, err := x.tapAt(60, func(rs []xrun) (xrun, bool) {
		for i := 1; i < len(rs); i++ {
			if rs[i].c == rs[len(rs)-1].c && rs[i].c != rs[0].c {
				return rs[i], true
			}
		}
		return xrun{}, false
	}); err != nil {
		return err
	}
	guide, err := nextScreen(x, home)
	if err != nil {
		return fmt.Errorf("frequent item: %w", err)
	}
	if _, err := x.tapAt(screenW-60, lastRun); err != nil { // 开始办理
		return err
	}
	if _, err := nextScreen(x, guide); err != nil {
		return fmt.Errorf("start form: %w", err)
	}
	return nil
}

// dump saves the screen as a PNG under KIOSK_BENCH_DUMP, for finding out
// why a walk did not arrive.
func dumpScreen(b *testing.B, x *xconn, name string) {
	dir := os.Getenv("KIOSK_BENCH_DUMP")
	if dir == "" {
		return
	}
	p, err := x.image(0, 0, screenW, screenH)
	if err != nil {
		b.Log(err)
		return
	}
	img := image.NewRGBA(image.Rect(0, 0, screenW, screenH))
	for i := 0; i+3 < len(p); i += 4 {
		img.Set((i/4)%screenW, (i/4)/screenW, color.RGBA{p[i+2], p[i+1], p[i], 255})
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		b.Log(err)
		return
	}
	defer f.Close()
	png.Encode(f, img)
}

// BenchmarkKioskTap: an X pointer tap (XTEST press and release, what
// xdotool sends) on the attract screen's 办件进度查询 tile until the progress
// screen is on the display, and the 返回 tap until the attract screen is
// again. The clock starts when the release (the event a tap acts on) is
// sent; the screen is read every few milliseconds, so a figure includes
// up to one read (about 2 ms) of the observer's own lag.
func BenchmarkKioskTap(b *testing.B) {
	bin := kioskBin(b)
	d, x := startX(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, cfg := readerConfig(b, ctx)
	k := runKiosk(b, d, bin, "--config", cfg, "--data", b.TempDir())
	defer k.stop()
	if _, err := waitPainted(x, 60*time.Second); err != nil {
		b.Fatalf("%v\n%s", err, k.log.String())
	}
	ws, err := x.mapped()
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range ws {
		if w.w == screenW && w.h == screenH {
			err = x.watchDamage(w.id)
			break
		}
	}
	if err != nil || x.damage == 0 {
		b.Fatalf("watching the kiosk's paints: %v", err)
	}
	// The first round learns both screens as they look with the pointer
	// where the taps leave it.
	if _, err := waitStable(x, time.Second, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	progressTile, err := x.tile(60, firstLike)
	if err != nil {
		dumpScreen(b, x, "tap-attract")
		b.Fatal(err)
	}
	var backTile image.Point
	tapTo := func(p image.Point, want xframe) (time.Duration, xframe, error) {
		if err := x.move(p.X, p.Y); err != nil {
			return 0, nil, err
		}
		before, err := waitStable(x, 300*time.Millisecond, 10*time.Second) // hover painted
		if err != nil {
			return 0, nil, err
		}
		t0, err := x.tap(p.X, p.Y)
		if err != nil {
			return 0, nil, err
		}
		if want == nil {
			f, err := nextScreen(x, before)
			return 0, f, err
		}
		at, err := waitFrame(x, want, t0, 10*time.Second)
		return at.Sub(t0), want, err
	}
	_, progress, err := tapTo(progressTile, nil)
	if err != nil {
		dumpScreen(b, x, "tap-progress")
		b.Fatal(err)
	}
	if backTile, err = x.tile(60, lastRun); err != nil {
		dumpScreen(b, x, "tap-progress")
		b.Fatal(err)
	}
	if progress, err = waitStable(x, time.Second, 10*time.Second); err != nil { // without hover
		b.Fatal(err)
	}
	_, attract, err := tapTo(backTile, nil)
	if err != nil {
		dumpScreen(b, x, "tap-back")
		b.Fatal(err)
	}
	var ds []time.Duration
	for range benchRounds(10) {
		d1, _, err := tapTo(progressTile, progress)
		if err != nil {
			dumpScreen(b, x, "tap-progress")
			b.Fatal(err)
		}
		d2, _, err := tapTo(backTile, attract)
		if err != nil {
			dumpScreen(b, x, "tap-back")
			b.Fatal(err)
		}
		ds = append(ds, d1, d2)
	}
	slices.Sort(ds)
	b.Logf("tap → painted, sorted: %v", ds)
	b.ReportMetric(msOf(ds[len(ds)/2]), "ms-p50")
	b.ReportMetric(msOf(ds[(len(ds)*99)/100]), "ms-p99")
	b.ReportMetric(1000.0/60, "ms-frame") // Fyne draws at most 60 frames a second
}

// BenchmarkCardPlacedToIdentity: a card placed on the reader until the
// identity is delivered, through the ID card Service with the shipped
// configuration (config.Default: the find-card cadence and the poll thread
// of serial readers, findpoll.Watch) over a pty at 115200 baud, against the
// GA 467 simulator pacing its bytes to the baud rate with a realistic SAM
// time. It is measured in the idle state — a resident walks up to a kiosk
// nobody touched and puts the card down, the common case and the slowest
// one (IdleInterval) — at a random moment of the poll cycle. The baseline
// is what no poll schedule can save: the wire time of the find, select and
// read exchanges plus the SAM time. Also reported: the CPU and context
// switches the idle polling costs while no card is there.
func BenchmarkCardPlacedToIdentity(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: 115200, SAMTime: sim.TypicalSAMTime})
	if err != nil {
		b.Fatal(err)
	}
	ic := config.Default().IDCard
	fast, idle := ic.PollInterval.Duration, ic.IdlePollInterval.Duration
	floor := tickerFloor(idle, 3*time.Second) // before the reader and its simulator poll
	// FastFor is shortened so that each round reaches the idle state
	// quickly; the intervals are the shipped ones.
	s := idcard.NewService(idcard.SerialOpener(path, 115200), idcard.ServiceConfig{PollInterval: fast,
		IdleInterval: idle, FastFor: 300 * time.Millisecond, Watch: findpoll.Watch}, nil)
	go s.Serve(ctx)
	id, err := testcards.Get("resident")
	if err != nil {
		b.Fatal(err)
	}
	waitState := func(st kioskpkg.DeviceState) {
		for ev := range s.Events() {
			if ev.State == st && ev.Identity == nil {
				return
			}
		}
	}
	waitIdle := func() {
		for deadline := time.Now().Add(30 * time.Second); s.Interval() != idle; {
			if time.Now().After(deadline) {
				b.Fatal("the reader never went idle")
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(2 * idle) // the poll thread took the idle interval
	}
	waitState(kioskpkg.DeviceReady)
	waitIdle()
	// The cost of idle polling with no card: CPU and context switches of
	// this process (service, poll thread and simulator) over a few seconds.
	var ru0, ru1 syscall.Rusage
	u0, _ := sampleProc(os.Getpid())
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t0 := time.Now()
	time.Sleep(3 * time.Second)
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	idleFor := time.Since(t0)
	u1, _ := sampleProc(os.Getpid())
	wakeups := float64(u1.switches-u0.switches) / u1.at.Sub(u0.at).Seconds()
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * 100
	// Bytes on the wire for one read: command frames are 10 bytes; the
	// find reply carries 4 data bytes, select 8, read 1 295 bytes in all.
	const wireBytes = 10 + 15 + 10 + 19 + 10 + 1295
	base := time.Duration(wireBytes*10)*time.Second/115200 + sim.TypicalSAMTime
	rng := rand.New(rand.NewPCG(7, 7))
	var total time.Duration
	n := 0
	for range max(b.N, benchRounds(12)) {
		waitIdle()
		time.Sleep(time.Duration(rng.Int64N(int64(idle)))) // any phase of the poll
		start := time.Now()
		if err := r.PlaceCard(id); err != nil {
			b.Fatal(err)
		}
		for ev := range s.Events() {
			if ev.Identity != nil {
				break
			}
		}
		total += time.Since(start)
		n++
		r.RemoveCard()
		waitState(kioskpkg.DeviceReady)
	}
	avg := total / time.Duration(n)
	b.ReportMetric(float64(avg)/float64(base), "ratio")
	b.ReportMetric(msOf(avg), "ms/read")
	b.ReportMetric(msOf(base), "ms/wire+SAM")
	b.ReportMetric(msOf(fast), "ms-poll")
	b.ReportMetric(msOf(idle), "ms-poll-idle")
	b.ReportMetric(float64(cpu)/float64(idleFor), "%cpu-polling")
	b.ReportMetric(wakeups, "wakeups/s-polling")
	b.ReportMetric(floor, "%cpu-ticker-floor")
}

// tickerFloor is the baseline of the polling CPU: the Go runtime's cost of
// waking a process every poll interval and handing one value from one
// goroutine to another (the least any poll can do), measured in this
// process for d, in % of one core, before the reader's service starts.
func tickerFloor(every, d time.Duration) float64 {
	ch := make(chan int)
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	tk := time.NewTicker(every)
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	t0 := time.Now()
	for time.Since(t0) < d {
		<-tk.C
		ch <- 1
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	el := time.Since(t0)
	tk.Stop()
	close(ch)
	<-done
	return float64(time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano())*100) / float64(el)
}
