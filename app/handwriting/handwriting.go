// Package handwriting recognises handwritten Chinese characters with the
// zinnia library (cgo, Debian libzinnia-dev) and its simplified-Chinese
// model (Debian tegaki-zinnia-simplified-chinese). It has no UI code; the
// app hands a *Recognizer to widgets.HandwritingPad. Types shared with the
// widget live in package ink.
package handwriting

/*
#cgo LDFLAGS: -lzinnia
#include <stdlib.h>
#include <zinnia.h>
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"unsafe"

	"github.com/bianmin/kiosk/app/handwriting/ink"
)

// DefaultModel is where Debian installs the simplified-Chinese model.
const DefaultModel = "/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model"

// Errors callers may act on.
var (
	ErrClosed   = errors.New("handwriting: recognizer closed")
	ErrNoStroke = errors.New("handwriting: no strokes")
	ErrSize     = errors.New("handwriting: writing area has no size")
)

// Recognizer wraps a zinnia recognizer with its model loaded. It is safe for
// concurrent use: calls are serialised by a mutex (one classification takes
// a few milliseconds).
type Recognizer struct {
	mu  sync.Mutex
	rec *C.zinnia_recognizer_t
	ch  *C.zinnia_character_t
}

// Open loads a zinnia model; an empty path means DefaultModel.
func Open(modelPath string) (*Recognizer, error) {
	if modelPath == "" {
		modelPath = DefaultModel
	}
	rec := C.zinnia_recognizer_new()
	if rec == nil {
		return nil, errors.New("handwriting: zinnia_recognizer_new failed")
	}
	cpath := C.CString(modelPath)
	defer C.free(unsafe.Pointer(cpath))
	if C.zinnia_recognizer_open(rec, cpath) == 0 {
		msg := C.GoString(C.zinnia_recognizer_strerror(rec))
		C.zinnia_recognizer_destroy(rec)
		return nil, fmt.Errorf("handwriting: open model %s: %s", modelPath, msg)
	}
	ch := C.zinnia_character_new()
	if ch == nil {
		C.zinnia_recognizer_destroy(rec)
		return nil, errors.New("handwriting: zinnia_character_new failed")
	}
	return &Recognizer{rec: rec, ch: ch}, nil
}

// Classify returns up to n candidates for the strokes drawn on a width ×
// height area, best first. Points outside the area are clamped to it.
func (r *Recognizer) Classify(strokes []ink.Stroke, width, height, n int) ([]ink.Candidate, error) {
	if width <= 0 || height <= 0 {
		return nil, ErrSize
	}
	if n <= 0 {
		n = 10
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rec == nil {
		return nil, ErrClosed
	}
	C.zinnia_character_clear(r.ch)
	C.zinnia_character_set_width(r.ch, C.size_t(width))
	C.zinnia_character_set_height(r.ch, C.size_t(height))
	id := 0
	for _, s := range strokes {
		if len(s) == 0 {
			continue
		}
		for _, p := range s {
			x := clamp(p.X, width)
			y := clamp(p.Y, height)
			C.zinnia_character_add(r.ch, C.size_t(id), C.int(x), C.int(y))
		}
		id++
	}
	if id == 0 {
		return nil, ErrNoStroke
	}
	res := C.zinnia_recognizer_classify(r.rec, r.ch, C.size_t(n))
	if res == nil {
		return nil, fmt.Errorf("handwriting: classify: %s", C.GoString(C.zinnia_recognizer_strerror(r.rec)))
	}
	defer C.zinnia_result_destroy(res)
	size := int(C.zinnia_result_size(res))
	out := make([]ink.Candidate, 0, size)
	for i := 0; i < size; i++ {
		out = append(out, ink.Candidate{
			Char:  C.GoString(C.zinnia_result_value(res, C.size_t(i))),
			Score: float64(C.zinnia_result_score(res, C.size_t(i))),
		})
	}
	return out, nil
}

func clamp(v float32, limit int) int {
	if math.IsNaN(float64(v)) || v < 0 {
		return 0
	}
	if v > float32(limit) {
		return limit
	}
	return int(v + 0.5)
}

// Close frees the model. Classify after Close returns ErrClosed.
func (r *Recognizer) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rec != nil {
		C.zinnia_character_destroy(r.ch)
		C.zinnia_recognizer_destroy(r.rec)
		r.rec, r.ch = nil, nil
	}
	return nil
}
