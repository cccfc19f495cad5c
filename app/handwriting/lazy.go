package handwriting

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/bianmin/kiosk/app/handwriting/ink"
)

// DefaultIdle is how long Lazy keeps the model after its last use.
const DefaultIdle = 2 * time.Minute

// Lazy is a Recognizer that loads the model only when handwriting is about
// to be used and frees it again after idle without use. The simplified
// Chinese model is 25 MB that zinnia maps and reads whole: loaded at
// start-up it stayed resident for the kiosk's whole life, on a terminal
// where most residents never write a character. Loading it takes 60–300 ms
// here; Preload (the handwriting pad calls it when a keyboard opens) starts
// that before the first stroke. Safe for concurrent use.
type Lazy struct {
	path string
	idle time.Duration

	mu      sync.Mutex
	rec     *Recognizer
	loading chan struct{} // closed when the load Preload started is done
	used    time.Time     // last Classify or Preload
	timer   *time.Timer   // frees the model idle after used
	closed  bool
	loads   int // models loaded so far (tests)
}

// OpenLazy checks that the model at modelPath (empty: DefaultModel) exists
// and is readable, without loading it; idle ≤ 0 means DefaultIdle.
func OpenLazy(modelPath string, idle time.Duration) (*Lazy, error) {
	if modelPath == "" {
		modelPath = DefaultModel
	}
	if idle <= 0 {
		idle = DefaultIdle
	}
	f, err := os.Open(modelPath)
	if err != nil {
		return nil, fmt.Errorf("handwriting: model: %w", err)
	}
	f.Close()
	return &Lazy{path: modelPath, idle: idle}, nil
}

// Preload starts loading the model in the background when it is not
// loaded, and keeps it for another idle period.
func (l *Lazy) Preload() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.touchLocked()
	if l.rec != nil || l.loading != nil {
		return
	}
	done := make(chan struct{})
	l.loading = done
	go func() {
		rec, err := Open(l.path)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.loading = nil
		close(done)
		if err != nil {
			return // Classify tries again and reports it
		}
		if l.closed || l.rec != nil {
			rec.Close()
			return
		}
		l.rec = rec
		l.loads++
	}()
}

// Classify loads the model if needed (waiting for a load Preload started)
// and classifies the strokes as (*Recognizer).Classify does.
func (l *Lazy) Classify(strokes []ink.Stroke, width, height, n int) ([]ink.Candidate, error) {
	l.mu.Lock()
	for l.loading != nil {
		wait := l.loading
		l.mu.Unlock()
		<-wait
		l.mu.Lock()
	}
	defer l.mu.Unlock() // held while classifying: release cannot free the model under it
	if l.closed {
		return nil, ErrClosed
	}
	l.touchLocked()
	if l.rec == nil {
		rec, err := Open(l.path)
		if err != nil {
			return nil, err
		}
		l.rec = rec
		l.loads++
	}
	return l.rec.Classify(strokes, width, height, n)
}

// touchLocked records a use and arms the timer that frees the model.
func (l *Lazy) touchLocked() {
	l.used = time.Now()
	if l.timer == nil {
		l.timer = time.AfterFunc(l.idle, l.release)
	} else {
		l.timer.Reset(l.idle)
	}
}

// release frees the model when it has not been used for idle.
func (l *Lazy) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rec == nil {
		return
	}
	if left := l.idle - time.Since(l.used); left > 0 {
		l.timer.Reset(left) // used again after the timer fired
		return
	}
	l.rec.Close()
	l.rec = nil
}

// Loaded reports whether the model is in memory now.
func (l *Lazy) Loaded() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rec != nil
}

// Close frees the model; Classify after Close returns ErrClosed.
func (l *Lazy) Close() error {
	l.mu.Lock()
	for l.loading != nil {
		wait := l.loading
		l.mu.Unlock()
		<-wait
		l.mu.Lock()
	}
	defer l.mu.Unlock()
	l.closed = true
	if l.timer != nil {
		l.timer.Stop()
	}
	if l.rec != nil {
		l.rec.Close()
		l.rec = nil
	}
	return nil
}
