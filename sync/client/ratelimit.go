package client

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimiter is a token bucket in bytes, shared by every stream it limits.
// It is written here rather than taken from golang.org/x/time/rate because it
// is twenty lines and that module is not otherwise needed.
type RateLimiter struct {
	mu     sync.Mutex
	rate   float64 // bytes per second
	burst  float64
	tokens float64
	last   time.Time
}

// NewRateLimiter limits to bitsPerSec (<= 0: no limit, returns nil). A nil
// *RateLimiter does not limit.
func NewRateLimiter(bitsPerSec int64) *RateLimiter {
	if bitsPerSec <= 0 {
		return nil
	}
	rate := float64(bitsPerSec) / 8
	burst := rate / 50 // 20 ms worth
	if burst < 1500 {
		burst = 1500
	}
	return &RateLimiter{rate: rate, burst: burst, tokens: burst, last: time.Now()}
}

// Wait blocks until n bytes may pass. Bytes are taken at once and the
// bucket may go into debt, so a late wake-up is credited, not lost.
func (l *RateLimiter) Wait(ctx context.Context, n int) error {
	if l == nil {
		return nil
	}
	for n > 0 {
		take := float64(n)
		if take > l.burst {
			take = l.burst
		}
		l.mu.Lock()
		now := time.Now()
		l.tokens += now.Sub(l.last).Seconds() * l.rate
		l.last = now
		if l.tokens > l.burst {
			l.tokens = l.burst
		}
		l.tokens -= take
		debt := -l.tokens
		l.mu.Unlock()
		n -= int(take)
		if debt <= 0 {
			continue
		}
		t := time.NewTimer(time.Duration(debt / l.rate * float64(time.Second)))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// LimitReader returns r read no faster than l allows.
func LimitReader(ctx context.Context, r io.Reader, l *RateLimiter) io.Reader {
	if l == nil {
		return r
	}
	return &limitedReader{ctx: ctx, r: r, l: l}
}

type limitedReader struct {
	ctx context.Context
	r   io.Reader
	l   *RateLimiter
}

func (lr *limitedReader) Read(p []byte) (int, error) {
	if max := int(lr.l.burst); len(p) > max {
		p = p[:max]
	}
	n, err := lr.r.Read(p)
	if n > 0 {
		if werr := lr.l.Wait(lr.ctx, n); werr != nil && err == nil {
			err = werr
		}
	}
	return n, err
}

// LimitWriter returns w written no faster than l allows.
func LimitWriter(ctx context.Context, w io.Writer, l *RateLimiter) io.Writer {
	if l == nil {
		return w
	}
	return &limitedWriter{ctx: ctx, w: w, l: l}
}

type limitedWriter struct {
	ctx context.Context
	w   io.Writer
	l   *RateLimiter
}

func (lw *limitedWriter) Write(p []byte) (int, error) {
	done := 0
	for len(p) > 0 {
		n := len(p)
		if max := int(lw.l.burst); n > max {
			n = max
		}
		if err := lw.l.Wait(lw.ctx, n); err != nil {
			return done, err
		}
		m, err := lw.w.Write(p[:n])
		done += m
		if err != nil {
			return done, err
		}
		p = p[n:]
	}
	return done, nil
}

// ParseRate reads a rate like 256kbit, 2mbit, 1000000 (bit/s).
func ParseRate(v string) (int64, error) {
	v = strings.ToLower(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3}, {"bit", 1}} {
		if strings.HasSuffix(v, u.suf) {
			v, mult = strings.TrimSuffix(v, u.suf), u.m
			break
		}
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad rate %q: want e.g. 256kbit, 2mbit", v)
	}
	return int64(n * float64(mult)), nil
}
