package handwriting

import (
	"errors"
	"sync"
	"testing"

	"github.com/bianmin/kiosk/app/handwriting/ink"
)

// line draws a stroke from (x0,y0) to (x1,y1) with ten points, as a finger would.
func line(x0, y0, x1, y1 float32) ink.Stroke {
	var s ink.Stroke
	for i := 0; i <= 10; i++ {
		t := float32(i) / 10
		s = append(s, ink.Point{X: x0 + (x1-x0)*t, Y: y0 + (y1-y0)*t})
	}
	return s
}

// curve draws a quadratic Bézier stroke through control point (cx,cy).
func curve(x0, y0, cx, cy, x1, y1 float32) ink.Stroke {
	var s ink.Stroke
	for i := 0; i <= 12; i++ {
		t := float32(i) / 12
		u := 1 - t
		s = append(s, ink.Point{X: u*u*x0 + 2*u*t*cx + t*t*x1, Y: u*u*y0 + 2*u*t*cy + t*t*y1})
	}
	return s
}

var samples = []struct {
	want    string
	top     int // must be within the first top candidates
	strokes []ink.Stroke
}{
	{"十", 1, []ink.Stroke{line(40, 150, 260, 150), line(150, 40, 150, 270)}},
	{"一", 3, []ink.Stroke{line(30, 150, 270, 150)}},
	// Straight diagonals read as 卜; curved ones as 入 or 人, which differ
	// only in where the second stroke starts.
	{"人", 2, []ink.Stroke{curve(150, 30, 150, 150, 50, 260), curve(150, 110, 200, 220, 260, 260)}},
	{"二", 3, []ink.Stroke{line(70, 100, 230, 100), line(40, 210, 260, 210)}},
}

func open(t testing.TB) *Recognizer {
	t.Helper()
	r, err := Open("")
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestClassify(t *testing.T) {
	r := open(t)
	for _, s := range samples {
		t.Run(s.want, func(t *testing.T) {
			cs, err := r.Classify(s.strokes, 300, 300, 10)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range cs[:min(s.top, len(cs))] {
				if c.Char == s.want {
					t.Logf("%s at %d", s.want, i)
					return
				}
			}
			t.Errorf("%s not within the first %d: %v", s.want, s.top, cs)
		})
	}
}

func TestClassifyScalesWithArea(t *testing.T) {
	// The same cross drawn on a 600×600 area.
	r := open(t)
	cs, err := r.Classify([]ink.Stroke{line(80, 300, 520, 300), line(300, 80, 300, 540)}, 600, 600, 5)
	if err != nil || len(cs) == 0 || cs[0].Char != "十" {
		t.Fatalf("got %v, %v; want 十 first", cs, err)
	}
}

func TestErrors(t *testing.T) {
	if _, err := Open("/nonexistent.model"); err == nil {
		t.Errorf("Open of a missing model succeeded")
	}
	r := open(t)
	if _, err := r.Classify(nil, 300, 300, 5); !errors.Is(err, ErrNoStroke) {
		t.Errorf("no strokes: %v", err)
	}
	if _, err := r.Classify(samples[0].strokes, 0, 300, 5); !errors.Is(err, ErrSize) {
		t.Errorf("no size: %v", err)
	}
	r.Close()
	if _, err := r.Classify(samples[0].strokes, 300, 300, 5); !errors.Is(err, ErrClosed) {
		t.Errorf("after close: %v", err)
	}
	r.Close() // twice is fine
}

func TestConcurrent(t *testing.T) {
	r := open(t)
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				cs, err := r.Classify(samples[0].strokes, 300, 300, 3)
				if err != nil || len(cs) == 0 || cs[0].Char != "十" {
					t.Errorf("concurrent classify: %v %v", cs, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// BenchmarkHandwritingClassify reports one classification of a two-stroke character.
func BenchmarkHandwritingClassify(b *testing.B) {
	r := open(b)
	for b.Loop() {
		if _, err := r.Classify(samples[2].strokes, 300, 300, 10); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/classify")
}
