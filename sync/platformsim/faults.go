package platformsim

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/client"
)

// Faults are the network faults the emulator injects into protocol requests
// (never into /v1/_inspect/). Probabilities are per request, 0 to 1.
type Faults struct {
	Drop     float64 // read part of the request body, then close the connection
	Captive  float64 // answer 200 with an HTML login page, do nothing
	Err5xx   float64 // answer 503, do nothing
	Truncate float64 // do the work, then cut the response short
	// BadReceipt answers a completion request with a 200 receipt that does
	// not match (a wrong attachment sha256, or another instance ID), and
	// does not complete: the relay must check every receipt.
	BadReceipt float64
	Delay      time.Duration // wait this long before every request
	SlowBits   int64         // rate-limit bodies both ways to this many bit/s (whole server)
	Seed       uint64        // random seed (0: time-based)
}

// ParseFaults reads "drop=0.2,captive=0.05,5xx=0.1,delay=200ms,truncate=0.05,slow=256kbit".
func ParseFaults(s string) (Faults, error) {
	var f Faults
	s = strings.TrimSpace(s)
	if s == "" || s == "none" {
		return f, nil
	}
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return f, fmt.Errorf("faults: %q: want name=value", kv)
		}
		prob := func(dst *float64) error {
			p, err := strconv.ParseFloat(v, 64)
			if err != nil || p < 0 || p > 1 {
				return fmt.Errorf("faults: %s=%q: want a probability 0..1", k, v)
			}
			*dst = p
			return nil
		}
		var err error
		switch k {
		case "drop":
			err = prob(&f.Drop)
		case "captive":
			err = prob(&f.Captive)
		case "5xx":
			err = prob(&f.Err5xx)
		case "truncate":
			err = prob(&f.Truncate)
		case "badreceipt":
			err = prob(&f.BadReceipt)
		case "delay":
			f.Delay, err = time.ParseDuration(v)
		case "slow":
			f.SlowBits, err = client.ParseRate(v)
		case "seed":
			f.Seed, err = strconv.ParseUint(v, 10, 64)
		default:
			err = fmt.Errorf("faults: unknown fault %q", k)
		}
		if err != nil {
			return f, err
		}
	}
	return f, nil
}

// String formats f as ParseFaults reads it.
func (f Faults) String() string {
	var parts []string
	add := func(k string, p float64) {
		if p > 0 {
			parts = append(parts, fmt.Sprintf("%s=%g", k, p))
		}
	}
	add("drop", f.Drop)
	add("captive", f.Captive)
	add("5xx", f.Err5xx)
	add("truncate", f.Truncate)
	add("badreceipt", f.BadReceipt)
	if f.Delay > 0 {
		parts = append(parts, "delay="+f.Delay.String())
	}
	if f.SlowBits > 0 {
		parts = append(parts, fmt.Sprintf("slow=%dbit", f.SlowBits))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ",")
}

// faulty wraps the protocol handler with the configured faults.
type faulty struct {
	next http.Handler
	// lie answers a completion request with a wrong receipt (BadReceipt).
	lie func(w http.ResponseWriter, r *http.Request, instanceID string)
	mu  sync.Mutex
	f   Faults
	rnd *rand.Rand
	lim *client.RateLimiter
	cnt FaultCounts
}

// FaultCounts counts the faults injected so far.
type FaultCounts struct {
	Drop, Captive, Err5xx, Truncate, BadReceipt int
}

func newFaulty(next http.Handler, f Faults) *faulty {
	seed := f.Seed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	return &faulty{next: next, f: f, rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), lim: client.NewRateLimiter(f.SlowBits)}
}

func (h *faulty) set(f Faults) {
	h.mu.Lock()
	h.f = f
	h.lim = client.NewRateLimiter(f.SlowBits)
	h.mu.Unlock()
}

func (h *faulty) counts() FaultCounts {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.cnt
}

type faultKind int

const (
	fNone faultKind = iota
	fDrop
	fCaptive
	f5xx
	fTruncate
	fBadReceipt
)

func (h *faulty) pick(r *http.Request) (faultKind, float64, Faults, *client.RateLimiter) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f := h.f
	x := h.rnd.Float64()
	frac := h.rnd.Float64()
	k := fNone
	if f.BadReceipt > 0 && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/complete") {
		if h.rnd.Float64() < f.BadReceipt {
			h.cnt.BadReceipt++
			return fBadReceipt, frac, f, h.lim
		}
	}
	switch {
	case x < f.Drop:
		k = fDrop
		h.cnt.Drop++
	case x < f.Drop+f.Captive:
		k = fCaptive
		h.cnt.Captive++
	case x < f.Drop+f.Captive+f.Err5xx:
		k = f5xx
		h.cnt.Err5xx++
	case x < f.Drop+f.Captive+f.Err5xx+f.Truncate:
		k = fTruncate
		h.cnt.Truncate++
	}
	return k, frac, f, h.lim
}

const captivePage = `<!DOCTYPE html><html><head><title>WiFi 认证</title></head><body><form>请登录后上网 <input name="phone"></form></body></html>`

func (h *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	kind, frac, f, lim := h.pick(r)
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-r.Context().Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	if lim != nil {
		r.Body = io.NopCloser(client.LimitReader(r.Context(), r.Body, lim))
		w = &limitedResponse{ResponseWriter: w, wr: client.LimitWriter(r.Context(), w, lim)}
	}
	switch kind {
	case fDrop:
		n := int64(0)
		if r.ContentLength > 0 {
			n = int64(frac * float64(r.ContentLength))
		}
		// The handler sees the body end early with an error, as when a
		// real link fails mid-body; then the connection is closed.
		r.Body = &cutBody{r: r.Body, left: n}
		h.next.ServeHTTP(discard{}, r)
		hijackClose(w, nil)
		return
	case fCaptive:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, captivePage)
		return
	case f5xx:
		writeErr(w, http.StatusServiceUnavailable, "internal", "injected fault")
		return
	case fBadReceipt:
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, api.PathApplications), "/complete")
		io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
		h.lie(w, r, id)
		return
	case fTruncate:
		rec := &recorder{header: http.Header{}, status: http.StatusOK}
		h.next.ServeHTTP(rec, r)
		var head bytes.Buffer
		fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\n", rec.status, http.StatusText(rec.status))
		rec.header.Set("Content-Length", strconv.Itoa(rec.body.Len()))
		rec.header.Write(&head)
		head.WriteString("\r\n")
		var out []byte
		if rec.body.Len() > 0 {
			out = append(head.Bytes(), rec.body.Bytes()[:int(frac*float64(rec.body.Len()))]...)
		} else {
			out = head.Bytes()[:int(frac*float64(head.Len()))]
		}
		hijackClose(w, out)
		return
	}
	h.next.ServeHTTP(w, r)
}

// hijackClose writes raw bytes (if any) and closes the connection.
func hijackClose(w http.ResponseWriter, raw []byte) {
	if lr, ok := w.(*limitedResponse); ok {
		w = lr.ResponseWriter
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // HTTP/2: abort the stream
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if len(raw) > 0 {
		buf.Write(raw)
		buf.Flush()
	}
	conn.Close()
}

type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int) {
	if !r.wrote {
		r.status, r.wrote = s, true
	}
}
func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}

type limitedResponse struct {
	http.ResponseWriter
	wr io.Writer
}

func (l *limitedResponse) Write(p []byte) (int, error) { return l.wr.Write(p) }
func (l *limitedResponse) Unwrap() http.ResponseWriter { return l.ResponseWriter }

// cutBody ends a request body with an error after left bytes.
type cutBody struct {
	r    io.ReadCloser
	left int64
}

func (c *cutBody) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *cutBody) Close() error { return c.r.Close() }
