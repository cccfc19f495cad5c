package handwriting

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mapped reports whether the model file is mapped into this process
// (zinnia maps the model it opens): what the kiosk's RSS counts.
func mapped(t *testing.T, path string) bool {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(maps), path)
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func classifyTen(t *testing.T, l *Lazy) {
	t.Helper()
	s := samples[0] // 十
	cs, err := l.Classify(s.strokes, 300, 300, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) == 0 || cs[0].Char != s.want {
		t.Fatalf("%s: got %v", s.want, cs)
	}
}

// TestLazyLoadsOnFirstUse: opening maps nothing; the first Classify loads
// the model (mapped), later ones reuse it.
func TestLazyLoadsOnFirstUse(t *testing.T) {
	l, err := OpenLazy("", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if l.Loaded() || mapped(t, DefaultModel) {
		t.Fatal("the model is loaded before anyone writes")
	}
	classifyTen(t, l)
	classifyTen(t, l)
	if !l.Loaded() || !mapped(t, DefaultModel) {
		t.Fatal("the model is not loaded after Classify")
	}
	if l.loads != 1 {
		t.Fatalf("%d loads for two classifications", l.loads)
	}
}

// TestLazyFreesWhenIdle: idle after the last use the model is unmapped,
// and the next Classify loads it again.
func TestLazyFreesWhenIdle(t *testing.T) {
	l, err := OpenLazy("", 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	classifyTen(t, l)
	waitFor(t, "the model freed", func() bool { return !l.Loaded() && !mapped(t, DefaultModel) })
	classifyTen(t, l)
	if l.loads != 2 {
		t.Fatalf("%d loads, want 2 (one after the release)", l.loads)
	}
}

// TestLazyPreload: Preload loads in the background; Classify then uses it.
func TestLazyPreload(t *testing.T) {
	l, err := OpenLazy("", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.Preload()
	l.Preload()       // a second keyboard opening while loading: one load
	classifyTen(t, l) // waits for the load under way
	waitFor(t, "the model loaded", l.Loaded)
	if l.loads != 1 {
		t.Fatalf("%d loads after Preload and Classify", l.loads)
	}
}

func TestLazyErrors(t *testing.T) {
	if _, err := OpenLazy(filepath.Join(t.TempDir(), "none.model"), 0); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing model: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.model")
	if err := os.WriteFile(bad, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := OpenLazy(bad, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Classify(samples[0].strokes, 300, 300, 10); err == nil {
		t.Fatal("a broken model classified")
	}
	l.Close()
	if _, err := l.Classify(samples[0].strokes, 300, 300, 10); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}
