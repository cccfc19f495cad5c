package client_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
)

func testApp(size int) (*kiosk.Application, []byte) {
	b := make([]byte, size)
	rand.Read(b)
	sum := sha256.Sum256(b)
	return &kiosk.Application{InstanceID: "11111111-2222-4333-8444-555555555555", AcceptanceNo: "330106001-T01-20261123-0001", ItemCode: "X",
		Form: map[string]string{"a": "b"}, CreatedAt: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), State: kiosk.StateQueued,
		Attachments: []kiosk.Attachment{{ID: "p1", Name: "p1.pdf", MediaType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Size: int64(size)}}}, b
}

// countingTransport counts request body bytes put on the wire.
type countingTransport struct {
	rt    http.RoundTripper
	bytes atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.ContentLength > 0 {
		c.bytes.Add(r.ContentLength)
	}
	return c.rt.RoundTrip(r)
}

func TestUploadResumesAtServerOffset(t *testing.T) {
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	ct := &countingTransport{rt: http.DefaultTransport}
	cl, err := client.New(client.Config{BaseURL: hs.URL, AllowInsecureLoopback: true, ChunkSize: 64 << 10, Transport: ct})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, b := testApp(1<<20 + 123)
	if created, err := cl.PutApplication(ctx, a); err != nil || !created {
		t.Fatalf("put: %v %v", created, err)
	}
	if created, err := cl.PutApplication(ctx, a); err != nil || created {
		t.Fatalf("put again: %v %v", created, err)
	}
	changed := *a
	changed.Form = map[string]string{"a": "c"}
	if _, err := cl.PutApplication(ctx, &changed); !errors.Is(err, client.ErrConflict) {
		t.Fatalf("put different: %v, want ErrConflict", err)
	}
	if _, err := cl.Complete(ctx, a.InstanceID); !errors.Is(err, client.ErrIncomplete) {
		t.Fatalf("complete before upload: %v", err)
	}
	stop := errors.New("simulated crash")
	var path string
	var off int64
	err = cl.Upload(ctx, a.InstanceID, a.Attachments[0], bytes.NewReader(b), "", func(p string, o int64) error {
		path, off = p, o
		if o >= 300<<10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("first upload: %v", err)
	}
	if got, err := cl.UploadOffset(ctx, path); err != nil || got != off {
		t.Fatalf("server offset %d %v, recorded %d", got, err, off)
	}
	before := ct.bytes.Load()
	if err := cl.Upload(ctx, a.InstanceID, a.Attachments[0], bytes.NewReader(b), path, nil); err != nil {
		t.Fatal(err)
	}
	if sent := ct.bytes.Load() - before; sent != int64(len(b))-off {
		t.Errorf("resumed upload sent %d bytes, want %d", sent, int64(len(b))-off)
	}
	res, err := cl.Complete(ctx, a.InstanceID)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Attachments) != 1 || res.Attachments[0].SHA256 != a.Attachments[0].SHA256 {
		t.Errorf("complete %+v", res)
	}
	// An upload path the server does not know is started afresh.
	if err := cl.Upload(ctx, a.InstanceID, a.Attachments[0], bytes.NewReader(b), "/v1/uploads/nonexistent", nil); err != nil {
		t.Fatalf("upload with unknown path: %v", err)
	}
	// Bytes that do not match the declared sha256 are refused.
	bad := append([]byte(nil), b...)
	bad[len(bad)-1] ^= 1
	if err := cl.Upload(ctx, a.InstanceID, a.Attachments[0], bytes.NewReader(bad), "", nil); !errors.Is(err, client.ErrChecksum) {
		t.Errorf("upload of wrong bytes: %v, want ErrChecksum", err)
	}
}

type pki struct {
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
	caPEM  []byte
}

func newPKI(t *testing.T) *pki {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test platform CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &pki{caCert: c, caKey: k, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue writes a leaf certificate and key; returns their paths.
func (p *pki) issue(t *testing.T, dir, cn string, server bool) (string, string) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &k.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(k)
	cp, kp := filepath.Join(dir, cn+".crt"), filepath.Join(dir, cn+".key")
	os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cp, kp
}

func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newPKI(t)
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, ca.caPEM, 0o600)
	scert, skey := ca.issue(t, dir, "platform", true)
	ccert, ckey := ca.issue(t, dir, "330106001-T01", false)
	rogue := newPKI(t)
	rcert, rkey := rogue.issue(t, dir, "rogue", false)

	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	pair, err := tls.LoadX509KeyPair(scert, skey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.caCert)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- srv.ServeTLS(ctx, ln, &tls.Config{Certificates: []tls.Certificate{pair}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert})
	}()
	defer func() { cancel(); <-done }()
	base := "https://" + ln.Addr().String()

	cl, err := client.New(client.Config{BaseURL: base, CertFile: ccert, KeyFile: ckey, CAFile: caFile, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	a, b := testApp(10 << 10)
	if _, err := cl.PutApplication(ctx, a); err != nil {
		t.Fatalf("put over mTLS: %v", err)
	}
	if err := cl.Upload(ctx, a.InstanceID, a.Attachments[0], bytes.NewReader(b), "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.Complete(ctx, a.InstanceID); err != nil {
		t.Fatal(err)
	}
	rc, _ := srv.Received()
	if len(rc) != 1 || rc[0].Terminal != "330106001-T01" || !rc[0].Submitted {
		t.Errorf("received %+v", rc)
	}

	bad, err := client.New(client.Config{BaseURL: base, CertFile: rcert, KeyFile: rkey, CAFile: caFile, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.PutApplication(ctx, a); err == nil {
		t.Error("a certificate from another CA was accepted")
	}
	// The platform's certificate must chain to the configured CA.
	wrongCA := filepath.Join(dir, "rogue-ca.pem")
	os.WriteFile(wrongCA, rogue.caPEM, 0o600)
	spoof, _ := client.New(client.Config{BaseURL: base, CertFile: ccert, KeyFile: ckey, CAFile: wrongCA, Timeout: 10 * time.Second})
	if _, err := spoof.PutApplication(ctx, a); err == nil {
		t.Error("a platform certificate outside the configured CA was accepted")
	}
}
