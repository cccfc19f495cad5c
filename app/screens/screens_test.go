package screens

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets"
)

var (
	shots  = flag.String("shots", "", "write a PNG of every screen into this directory")
	update = flag.Bool("update", false, "rewrite the golden images in testdata/")
)

// assertGolden compares img with testdata/name (rewritten with -update). A
// mismatch writes testdata/failed/name and says so, without Fyne's
// pixel-by-pixel diff (minutes for a 1080×1920 screen).
func assertGolden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join("testdata", name)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run with -update)", name, err)
	}
	defer f.Close()
	want, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if !sameImage(want, img) {
		failed := filepath.Join("testdata", "failed", name)
		_ = os.MkdirAll(filepath.Dir(failed), 0o755)
		_ = os.WriteFile(failed, b.Bytes(), 0o644)
		t.Errorf("%s differs from the golden image; got %s", name, failed)
	}
}

// capture waits until the UI has handled every change the session sent
// (renders arrive through fyne.Do, in order) and captures the window.
func capture(w fyne.Window) image.Image {
	fyne.DoAndWait(func() {})
	if u, ok := testUIs.Load(w); ok {
		// Rendered and painted under the render lock: the test driver
		// paints on this goroutine, and a render from a session goroutine
		// beside the paint wrote Fyne's text caches concurrently.
		ui := u.(*UI)
		ui.renderMu.Lock()
		defer ui.renderMu.Unlock()
		ui.renderAgain.Store(false)
		ui.Render(ui.sess.Snapshot())
	}
	return w.Canvas().Capture()
}

// testUIs maps each test window to its UI (setupWith), so that capture can
// render the session as it is before it takes the picture.
var testUIs sync.Map

// capture renders the session as it is, after any render running beside
// it: Fyne's test driver runs fyne.Do inline on the goroutine that changed
// the session (a submit's own goroutine…), so a test that waited for the
// session's state could otherwise capture the window while that state's
// render is still running (the done screen captured mid-submit).

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				return false
			}
		}
	}
	return true
}

type memStore struct {
	mu   sync.Mutex
	seq  int
	apps []*kiosk.Application
	rats []kiosk.Rating
}

func (m *memStore) NextAcceptanceSeq(context.Context, time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	return m.seq, nil
}
func (m *memStore) Enqueue(_ context.Context, a *kiosk.Application, _ map[string][]byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a.State = kiosk.StateQueued
	m.apps = append(m.apps, a)
	return nil
}
func (m *memStore) SaveRating(_ context.Context, r kiosk.Rating) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rats = append(m.rats, r)
	return nil
}
func (m *memStore) Progress(context.Context, string, string) ([]session.ProgressLine, error) {
	return []session.ProgressLine{{AcceptanceNo: "330106001-T01-20261123-0001", ItemName: "城乡居民养老保险待遇资格认证", State: kiosk.StateAccepted, Synced: true,
		Created: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)}}, nil
}

// testPrinters lets a test give setup its own printer.
var testPrinters sync.Map // testing.TB -> session.Printer

func printerFor(t testing.TB) session.Printer {
	if p, ok := testPrinters.Load(t); ok {
		return p.(session.Printer)
	}
	return okPrinter{}
}

type okPrinter struct{}

func (okPrinter) Print(context.Context, kiosk.Receipt) error { return nil }

// clock is the tests' adjustable time; setup resets it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var clk = &clock{}

func setup(t testing.TB, elder bool) (*session.Session, *UI, fyne.Window, *memStore) {
	t.Helper()
	return setupWith(t, elder, Options{}, fyne.NewSize(1080, 1920))
}

// setupWith is setup with UI options and a window size.
func setupWith(t testing.TB, elder bool, opt Options, size fyne.Size) (*session.Session, *UI, fyne.Window, *memStore) {
	t.Helper()
	a := test.NewTempApp(t)
	_ = a
	cat, err := assets.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	st := &memStore{}
	clk.mu.Lock()
	clk.t = time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	clk.mu.Unlock()
	s := session.New(session.Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01", Name: "双流村便民服务站"}, QueryBase: "https://zwfw.example.gov.cn/track"},
		session.Deps{Catalog: cat, Store: st, Printer: printerFor(t), Clock: clk, NewID: seqID()})
	s.SetElder(elder)
	w := test.NewWindow(nil)
	w.Resize(size)
	u := New(w, s, opt)
	testUIs.Store(w, u)
	return s, u, w, st
}

func save(t *testing.T, w fyne.Window, name string) image.Image {
	t.Helper()
	img := w.Canvas().Capture()
	if *shots != "" {
		_ = os.MkdirAll(*shots, 0o755)
		f, err := os.Create(filepath.Join(*shots, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
	}
	return img
}

// seqID makes predictable instance IDs, so receipt QR codes are stable.
func seqID() func() string {
	var mu sync.Mutex
	n := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		n++
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", n)
	}
}

func resident() *kiosk.Identity {
	return &kiosk.Identity{CardType: kiosk.CardResident, Source: kiosk.SourceCard, Name: "张秀英", IDNumber: "11010519491231002X", SexCode: "2",
		EthnicityCode: "01", Birth: kiosk.Date{Year: 1949, Month: 12, Day: 31}, Address: "浙江省杭州市西湖区转塘街道双流村"}
}

func TestScreensRender(t *testing.T) {
	s, _, w, _ := setup(t, false)
	save(t, w, "01-attract")
	s.CardRead(resident())
	save(t, w, "02-home")
	item := s.Frequent()[0]
	if err := s.ChooseItem(item.Code); err != nil {
		t.Fatal(err)
	}
	save(t, w, "03-guide")
	s.StartForm()
	save(t, w, "04-form")
}

// tapButton finds a visible button by its label and taps it.
func tapButton(t testing.TB, w fyne.Window, label string) {
	t.Helper()
	found := findButton(w.Content(), label)
	if found == nil {
		t.Fatalf("no button %q on screen", label)
	}
	test.Tap(found)
}

// walk visits every visible object of the tree, widgets' parts included.
func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	f(o)
	switch v := o.(type) {
	case *fyne.Container:
		for _, c := range v.Objects {
			walk(c, f)
		}
	case *container.Scroll:
		walk(v.Content, f)
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(v).Objects() {
			walk(c, f)
		}
	}
}

// findButton returns the first visible button with that label, or nil.
func findButton(root fyne.CanvasObject, label string) *widget.Button {
	var found *widget.Button
	walk(root, func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok && found == nil && b.Text == label {
			found = b
		}
	})
	return found
}
