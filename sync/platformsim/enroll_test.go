package platformsim_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type enrollFixture struct {
	srv   *platformsim.Server
	base  string
	caPEM string
	clk   *clock
	dir   string
}

// startEnrolling serves an emulator with enrollment over real TLS on loopback.
func startEnrolling(t *testing.T) *enrollFixture {
	t.Helper()
	dir := t.TempDir()
	clk := &clock{t: time.Now()}
	srv, err := platformsim.New(platformsim.Config{DataDir: filepath.Join(dir, "plat"), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ca, err := platformsim.LoadOrCreateCA(filepath.Join(dir, "plat", "ca"))
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.EnableEnrollment(ca, []byte("-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n")); err != nil {
		t.Fatal(err)
	}
	tc, err := ca.ServerTLS()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ctx, ln, tc) }()
	t.Cleanup(func() { cancel(); <-done })
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, ca.PEM, 0o600)
	return &enrollFixture{srv: srv, base: "https://" + ln.Addr().String(), caPEM: caFile, clk: clk, dir: dir}
}

func (f *enrollFixture) enrollClient(t *testing.T) *client.Client {
	t.Helper()
	cl, err := client.New(client.Config{BaseURL: f.base, CAFile: f.caPEM, Enrolling: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func newCSR(t *testing.T) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "asks-for-anything"}}, k)
	if err != nil {
		t.Fatal(err)
	}
	return k, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// TestEnrollThenMutualTLS: a valid code and CSR give a certificate for the
// code's terminal (not what the CSR asked for); with it the terminal is
// recognised over mutual TLS; without it the protocol refuses.
func TestEnrollThenMutualTLS(t *testing.T) {
	f := startEnrolling(t)
	code, err := f.srv.NewEnrollmentCode("330106001-T07", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	k, csr := newCSR(t)
	ctx := context.Background()
	res, err := f.enrollClient(t).Enroll(ctx, code, csr)
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	if res.Terminal != "330106001-T07" {
		t.Errorf("enrolled as %q", res.Terminal)
	}
	// Without a certificate the protocol refuses.
	if _, err := f.enrollClient(t).Whoami(ctx); !errors.Is(err, client.ErrUnauthorized) {
		t.Errorf("whoami without a certificate: %v, want ErrUnauthorized", err)
	}
	kder, _ := x509.MarshalECPrivateKey(k)
	certFile, keyFile := filepath.Join(f.dir, "t.crt"), filepath.Join(f.dir, "t.key")
	os.WriteFile(certFile, []byte(res.Certificate), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	cl, err := client.New(client.Config{BaseURL: f.base, CertFile: certFile, KeyFile: keyFile, CAFile: f.caPEM, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	who, err := cl.Whoami(ctx)
	if err != nil {
		t.Fatalf("whoami over mutual TLS: %v", err)
	}
	if who.Terminal != "330106001-T07" {
		t.Errorf("the platform takes us for %q", who.Terminal)
	}
	if en, _ := f.srv.Enrollments(); len(en) != 1 || en[0].Terminal != "330106001-T07" {
		t.Errorf("enrollments %+v", en)
	}
}

// TestEnrollRefusals: a code works once, not after it expires, and a wrong
// code, a CSR whose signature does not match its key, or another key type
// are refused; a refused attempt does not burn a good code.
func TestEnrollRefusals(t *testing.T) {
	f := startEnrolling(t)
	ctx := context.Background()
	cl := f.enrollClient(t)

	used, _ := f.srv.NewEnrollmentCode("330106001-T01", time.Hour)
	_, csr := newCSR(t)
	if _, err := cl.Enroll(ctx, used, csr); err != nil {
		t.Fatal(err)
	}
	_, csr2 := newCSR(t)
	if _, err := cl.Enroll(ctx, used, csr2); !errors.Is(err, client.ErrEnrollRefused) {
		t.Errorf("reused code: %v, want ErrEnrollRefused", err)
	}

	if _, err := cl.Enroll(ctx, "ABCD-EFGH-JKLM-NPQR", csr2); !errors.Is(err, client.ErrEnrollRefused) {
		t.Errorf("wrong code: %v, want ErrEnrollRefused", err)
	}

	expiring, _ := f.srv.NewEnrollmentCode("330106001-T02", time.Hour)
	f.clk.Add(time.Hour + time.Second)
	if _, err := cl.Enroll(ctx, expiring, csr2); !errors.Is(err, client.ErrEnrollRefused) {
		t.Errorf("expired code: %v, want ErrEnrollRefused", err)
	}
	f.clk.Add(-time.Hour - time.Second) // certificates below are checked against the real clock

	good, _ := f.srv.NewEnrollmentCode("330106001-T03", time.Hour)
	// A CSR whose signature was not made by its key: no proof of possession.
	blk, _ := pem.Decode(csr2)
	der := append([]byte(nil), blk.Bytes...)
	der[len(der)-1] ^= 0x01
	forged := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	if _, err := x509.ParseCertificateRequest(der); err != nil {
		t.Fatalf("the forged CSR must still parse: %v", err)
	}
	var se *client.StatusError
	if _, err := cl.Enroll(ctx, good, forged); !errors.As(err, &se) || se.Code != api.CodeBadCSR {
		t.Errorf("CSR with a bad signature: %v, want %s", err, api.CodeBadCSR)
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	rder, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, rk)
	if _, err := cl.Enroll(ctx, good, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: rder})); !errors.As(err, &se) || se.Code != api.CodeBadCSR {
		t.Errorf("RSA CSR: %v, want %s", err, api.CodeBadCSR)
	}
	// The refusals did not use the code up; typed in lower case with spaces it still works.
	lower := []byte(good)
	for i, c := range lower {
		if c >= 'A' && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
		if c == '-' {
			lower[i] = ' '
		}
	}
	if res, err := cl.Enroll(ctx, string(lower), csr2); err != nil || res.Terminal != "330106001-T03" {
		t.Errorf("good code after refusals: %v %+v", err, res)
	}
}
