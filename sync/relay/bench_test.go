package relay

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
)

// linkProxy is a TCP proxy on loopback standing for the terminal's link: it
// counts the bytes the terminal puts on the wire, can limit each direction to
// a rate, and can drop a share of the connections it carries.
type linkProxy struct {
	ln       net.Listener
	target   string
	up, down *client.RateLimiter
	dropP    float64
	mu       sync.Mutex
	rnd      *rand.Rand
	upBytes  atomic.Int64
	conns    atomic.Int64
	dropped  atomic.Int64 // connections chosen for a cut
	cut      atomic.Int64 // connections actually cut (carried enough bytes)
}

func newLinkProxy(tb testing.TB, target string, bits int64, dropP float64) *linkProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &linkProxy{ln: ln, target: target, up: client.NewRateLimiter(bits), down: client.NewRateLimiter(bits),
		dropP: dropP, rnd: rand.New(rand.NewPCG(11, 12))}
	go p.serve()
	tb.Cleanup(func() { ln.Close() })
	return p
}

func (p *linkProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

type countWriter struct {
	w     io.Writer
	n     *atomic.Int64
	left  int64 // bytes before the cut; < 0: never
	cut   *atomic.Int64
	close func()
}

func (c *countWriter) Write(b []byte) (int, error) {
	if c.left >= 0 {
		if c.close == nil {
			return 0, io.ErrClosedPipe
		}
		if int64(len(b)) > c.left {
			b = b[:c.left]
		}
	}
	n, err := c.w.Write(b)
	c.n.Add(int64(n))
	if c.left >= 0 {
		c.left -= int64(n)
		if c.left <= 0 && c.close != nil {
			c.cut.Add(1)
			c.close()
			c.close = nil
			return n, io.ErrClosedPipe
		}
	}
	return n, err
}

func (p *linkProxy) handle(c net.Conn) {
	s, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.conns.Add(1)
	closeBoth := func() { c.Close(); s.Close() }
	ctx := context.Background()
	go func() {
		io.Copy(client.LimitWriter(ctx, c, p.down), s)
		closeBoth()
	}()
	// Read the request head to learn how many bytes this connection's
	// request carries, so that a cut falls uniformly within it.
	br := bufio.NewReader(c)
	var head []byte
	var length int64
	for {
		line, err := br.ReadSlice('\n')
		head = append(head, line...)
		if err != nil {
			closeBoth()
			return
		}
		if k, v, ok := strings.Cut(strings.TrimSpace(string(line)), ":"); ok && strings.EqualFold(k, "Content-Length") {
			length, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
		if len(line) <= 2 {
			break
		}
	}
	p.mu.Lock()
	cut := int64(-1)
	if p.rnd.Float64() < p.dropP {
		cut = p.rnd.Int64N(int64(len(head)) + length)
		p.dropped.Add(1)
	}
	p.mu.Unlock()
	cw := &countWriter{w: client.LimitWriter(ctx, s, p.up), n: &p.upBytes, left: cut, cut: &p.cut, close: closeBoth}
	if _, err := cw.Write(head); err == nil {
		io.Copy(cw, br)
	}
	closeBoth()
}

func benchSetup(b *testing.B, f platformsim.Faults, bits int64, dropP float64, apps, size int) (*Relay, *fakeOutbox, *linkProxy, int64) {
	return benchSetupConn(b, f, bits, dropP, false, apps, size)
}

// benchSetupConn with closeConns makes the emulator close the connection
// after every answer, so that each request travels on its own connection.
func benchSetupConn(b *testing.B, f platformsim.Faults, bits int64, dropP float64, closeConns bool, apps, size int) (*Relay, *fakeOutbox, *linkProxy, int64) {
	srv, err := platformsim.New(platformsim.Config{DataDir: b.TempDir(), Faults: f})
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	if closeConns {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			srv.Handler().ServeHTTP(w, r)
		})
	}
	hs := httptest.NewServer(h)
	b.Cleanup(func() { hs.Close(); srv.Close() })
	px := newLinkProxy(b, hs.Listener.Addr().String(), bits, dropP)
	cl, err := client.New(client.Config{BaseURL: "http://" + px.ln.Addr().String(), AllowInsecureLoopback: true, Timeout: time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	ob, _ := newFakeOutbox("")
	rnd := rand.New(rand.NewPCG(77, 1))
	var payload int64
	for i := 0; i < apps; i++ {
		a, files := makeApp(rnd, i, 1, size, size+1)
		if err := ob.Enqueue(a, files); err != nil {
			b.Fatal(err)
		}
		payload += totalSize(a)
	}
	clk := &fakeClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
	return New(ob, cl, Config{Now: clk.Now}, nil), ob, px, payload
}

func drainAll(b *testing.B, r *Relay, ob *fakeOutbox) {
	ctx := context.Background()
	for i := 0; ; i++ {
		r.DrainOnce(ctx)
		if d, _ := ob.Depth(ctx); d == 0 {
			return
		}
		if i > 1000 {
			b.Fatal("not drained")
		}
		r.cfg.Now = func(now time.Time) func() time.Time { return func() time.Time { return now } }(r.cfg.Now().Add(time.Hour))
	}
}

// BenchmarkGoodput2Mbit: payload goodput over a 2 Mbit/s link, as a share of
// the link rate (goal >= 0.9). About 10 s.
func BenchmarkGoodput2Mbit(b *testing.B) {
	const bits = 2_000_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r, ob, _, payload := benchSetup(b, platformsim.Faults{}, bits, 0, 8, 300<<10)
		b.StartTimer()
		start := time.Now()
		drainAll(b, r, ob)
		el := time.Since(start)
		b.ReportMetric(float64(payload)*8/el.Seconds()/bits, "ratio")
	}
}

// BenchmarkDropOverhead: bytes the terminal put on the wire (counted at a
// loopback proxy) over payload bytes when 20 % of connections are cut at a
// uniformly random byte of the request they carry (goal <= 1.05). Every
// request has its own connection here, so a fifth of all requests, chunks
// included, are cut mid-stream; bytes the terminal had not yet sent when the
// link failed are not counted, as on a real link.
func BenchmarkDropOverhead(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		r, ob, px, payload := benchSetupConn(b, platformsim.Faults{}, 0, 0.2, true, 16, 1<<20)
		b.StartTimer()
		drainAll(b, r, ob)
		b.ReportMetric(float64(px.upBytes.Load())/float64(payload), "ratio")
		b.ReportMetric(float64(px.conns.Load()), "conns")
		b.ReportMetric(float64(px.cut.Load()), "cut_conns")
	}
}
