package qrscan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ErrTooLong reports a payload longer than the limit; it was discarded.
var ErrTooLong = errors.New("payload too long")

// LineReader splits a serial scanner's output into payloads ended by CR,
// LF or CRLF. Empty lines are skipped. A line over the limit is discarded
// up to its terminator and reported once as ErrTooLong. Reads returning
// (0, nil), as devices/serialport does on a timeout, are retried.
type LineReader struct {
	r       io.Reader
	max     int
	buf     []byte
	pending []byte
	over    bool // discarding an over-long line
}

// NewLineReader reads r with a payload limit (MaxPayload when max <= 0).
func NewLineReader(r io.Reader, max int) *LineReader {
	if max <= 0 {
		max = MaxPayload
	}
	return &LineReader{r: r, max: max, buf: make([]byte, 512)}
}

// Next returns the next payload.
func (l *LineReader) Next() (string, error) {
	for {
		if i := bytes.IndexAny(l.pending, "\r\n"); i >= 0 {
			line := string(l.pending[:i])
			over := l.over
			l.pending = append(l.pending[:0], l.pending[i+1:]...)
			l.over = false
			if over || len(line) > l.max {
				return "", fmt.Errorf("qr line: %w", ErrTooLong)
			}
			if line != "" {
				return line, nil
			}
			continue
		}
		if len(l.pending) > l.max {
			l.over = true
			l.pending = l.pending[:0]
		}
		n, err := l.r.Read(l.buf)
		l.pending = append(l.pending, l.buf[:n]...)
		if err != nil && n == 0 {
			return "", err
		}
	}
}
