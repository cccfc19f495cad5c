package screens

import "sync"

// errLinesKey is what the longest field error's line count depends on:
// the language's messages, the text size (长辈模式 is larger) and the
// width the text is broken to.
type errLinesKey struct {
	lang  string
	size  float32
	width float32
}

// errLinesMemo remembers errLines per key. Working it out measures every
// field_error message of the language, character by character; the form
// calls it for every field on every change (each key typed), which was a
// third of the CPU a complete visit cost (BenchmarkSessionsRSS's profile).
// A terminal shows a handful of keys (two languages, two sizes, a width or
// two), so the map stays tiny.
var errLinesMemo struct {
	sync.Mutex
	m map[errLinesKey]int
}

func memoErrLines(k errLinesKey, count func() int) int {
	errLinesMemo.Lock()
	n, ok := errLinesMemo.m[k]
	errLinesMemo.Unlock()
	if ok {
		return n
	}
	n = count()
	errLinesMemo.Lock()
	if errLinesMemo.m == nil {
		errLinesMemo.m = map[errLinesKey]int{}
	}
	errLinesMemo.m[k] = n
	errLinesMemo.Unlock()
	return n
}
