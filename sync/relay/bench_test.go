package relay

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
	"github.com/bianmin/kiosk/sync/tusdpeer"
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

// delayLink is a TCP proxy on loopback for a village 4G link: each
// direction limited to a rate and delayed by half the round trip. The rate
// is the link's, shared by every connection over it (one bucket per
// direction), so connections in parallel share it as on a real link rather
// than each getting its own. It carries TLS untouched, so the bytes it
// counts include TLS's.
type delayLink struct {
	ln       net.Listener
	target   string
	bits     int64
	oneWay   time.Duration
	up, down *client.RateLimiter
	upBytes  atomic.Int64
	conns    atomic.Int64
}

func newDelayLink(tb testing.TB, target string, bits int64, rtt time.Duration) *delayLink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := &delayLink{ln: ln, target: target, bits: bits, oneWay: rtt / 2,
		up: client.NewRateLimiter(bits), down: client.NewRateLimiter(bits)}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			l.conns.Add(1)
			go l.pipe(c, s, l.up, &l.upBytes)
			go l.pipe(s, c, l.down, nil)
		}
	}()
	tb.Cleanup(func() { ln.Close() })
	return l
}

// pipe copies src to dst: every chunk leaves oneWay after it arrived, at
// most at the link's rate.
func (l *delayLink) pipe(src, dst net.Conn, lim *client.RateLimiter, count *atomic.Int64) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	q := make(chan chunk, 4096)
	go func() {
		defer close(q)
		for {
			b := make([]byte, 16<<10)
			n, err := src.Read(b)
			if n > 0 {
				q <- chunk{b[:n], time.Now()}
			}
			if err != nil {
				return
			}
		}
	}()
	w := client.LimitWriter(context.Background(), dst, lim)
	for c := range q {
		time.Sleep(time.Until(c.at.Add(l.oneWay)))
		n, err := w.Write(c.b)
		if count != nil {
			count.Add(int64(n))
		}
		if err != nil {
			break
		}
	}
	src.Close()
	dst.Close()
}

// benchPKI writes a CA, a server certificate for 127.0.0.1 and a client
// certificate into dir.
func benchPKI(b *testing.B, dir string) (ca *x509.CertPool, caFile, srvCert, srvKey, cliCert, cliKey string) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench platform CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(crand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		b.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	ca = x509.NewCertPool()
	ca.AddCert(caCert)
	caFile = filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600)
	issue := func(cn string, server bool) (string, string) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
		if server {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
		} else {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
		der, err := x509.CreateCertificate(crand.Reader, tmpl, caCert, &k.PublicKey, caKey)
		if err != nil {
			b.Fatal(err)
		}
		kb, _ := x509.MarshalECPrivateKey(k)
		cp, kp := filepath.Join(dir, cn+".crt"), filepath.Join(dir, cn+".key")
		os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
		os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
		return cp, kp
	}
	srvCert, srvKey = issue("platform", true)
	cliCert, cliKey = issue("330106001-T01", false)
	return
}

// BenchmarkGoodput2Mbit: payload goodput of draining 8 applications of one
// 300 KB file each to the platform emulator over mutual TLS through a
// 2 Mbit/s link with a 50 ms round trip, as a share of the link rate
// (goal >= 0.9). About 15 s.
func BenchmarkGoodput2Mbit(b *testing.B) {
	const bits = 2_000_000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dir := b.TempDir()
		pool, caFile, sc, sk, cc, ck := benchPKI(b, dir)
		srv, err := platformsim.New(platformsim.Config{DataDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		pair, err := tls.LoadX509KeyPair(sc, sk)
		if err != nil {
			b.Fatal(err)
		}
		hs := httptest.NewUnstartedServer(srv.Handler())
		hs.TLS = &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
		hs.StartTLS()
		link := newDelayLink(b, hs.Listener.Addr().String(), bits, 50*time.Millisecond)
		cl, err := client.New(client.Config{BaseURL: "https://" + link.ln.Addr().String(), CertFile: cc, KeyFile: ck, CAFile: caFile, Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		ob, _ := newFakeOutbox("")
		rnd := rand.New(rand.NewPCG(77, 1))
		var payload int64
		for j := 0; j < 8; j++ {
			a, files := makeApp(rnd, j, 1, 300<<10, 300<<10+1)
			if err := ob.Enqueue(a, files); err != nil {
				b.Fatal(err)
			}
			payload += totalSize(a)
		}
		clk := &fakeClock{t: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
		r := New(ob, cl, Config{Now: clk.Now}, nil)
		b.StartTimer()
		start := time.Now()
		drainAll(b, r, ob)
		el := time.Since(start)
		b.StopTimer()
		hs.Close()
		srv.Close()
		b.ReportMetric(float64(payload)*8/el.Seconds()/bits, "ratio")
		b.ReportMetric(float64(link.upBytes.Load())/float64(payload), "wire/payload")
		b.ReportMetric(float64(link.conns.Load()), "conns")
	}
}

// BenchmarkDropOverhead: bytes the terminal put on the wire (counted at a
// loopback proxy) over payload bytes when 20 % of connections are cut at a
// uniformly random byte of the request they carry (goal <= 1.05). Every
// request has its own connection here, so a fifth of all requests, chunks
// included, are cut mid-stream; bytes the terminal had not yet sent when the
// link failed are not counted, as on a real link.
//
//	tusd:     16 files of 1 MB uploaded with the platform client's tus
//	          uploads (retrying, resuming from the acknowledged offset)
//	          against an unmodified tusd v2 handler (sync/tusdpeer), which
//	          keeps nothing of a cut PATCH it has not stored
//	emulator: 16 applications drained by the relay against the platform
//	          emulator, which keeps the checked prefix of a cut chunk (an
//	          optional server behaviour in tus)
func BenchmarkDropOverhead(b *testing.B) {
	b.Run("tusd", benchDropTusd)
	b.Run("emulator", benchDropEmulator)
}

func benchDropTusd(b *testing.B) {
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		peer, err := tusdpeer.Start("/gw", b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		u, _ := url.Parse(peer.URL)
		px := newLinkProxy(b, u.Host, 0, 0.2)
		cl, err := client.New(client.Config{BaseURL: "http://" + px.ln.Addr().String() + u.Path, AllowInsecureLoopback: true,
			Timeout: time.Minute, Transport: &http.Transport{DisableKeepAlives: true}})
		if err != nil {
			b.Fatal(err)
		}
		rnd := rand.New(rand.NewPCG(78, 1))
		var payload int64
		b.StartTimer()
		for j := range 16 {
			a, files := makeApp(rnd, j, 1, 1<<20, 1<<20+1)
			att := a.Attachments[0]
			data := files[att.ID]
			payload += int64(len(data))
			path := ""
			for try := 0; ; try++ {
				err := cl.Upload(ctx, a.InstanceID, att, bytes.NewReader(data), path, func(p string, _ int64) error { path = p; return nil })
				if err == nil {
					break
				}
				if try > 200 {
					b.Fatalf("upload %d: %v", j, err)
				}
			}
		}
		b.StopTimer()
		peer.Close()
		b.ReportMetric(float64(px.upBytes.Load())/float64(payload), "ratio")
		b.ReportMetric(float64(px.conns.Load()), "conns")
		b.ReportMetric(float64(px.cut.Load()), "cut_conns")
	}
}

func benchDropEmulator(b *testing.B) {
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
