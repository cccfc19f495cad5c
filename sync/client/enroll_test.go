package client_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/client"
)

// TestEnrollChecksTheAnswer: a platform (or whoever answers in its place)
// that returns a certificate for another key, from a CA other than the one
// it names, or for another identity than it says is refused before the
// terminal stores anything.
func TestEnrollChecksTheAnswer(t *testing.T) {
	ca := newPKI(t)
	rogue := newPKI(t)
	mine, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csrDER, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, mine)
	csr := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csrDER})
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	issue := func(p *pki, pub any, cn string) string {
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, pub, p.caKey)
		if err != nil {
			t.Fatal(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	var answer api.EnrollResult
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := json.Marshal(answer)
		env, _ := json.Marshal(api.Envelope{BMK: api.Version, OK: true, Data: data})
		w.Header().Set("Content-Type", api.ContentType)
		w.WriteHeader(http.StatusCreated)
		w.Write(env)
	}))
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "server-ca.pem")
	os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	cl, err := client.New(client.Config{BaseURL: srv.URL, CAFile: caFile, Enrolling: true, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		answer api.EnrollResult
		want   string
	}{
		{"good", api.EnrollResult{Terminal: "T", Certificate: issue(ca, &mine.PublicKey, "T"), CA: string(ca.caPEM)}, ""},
		{"another key", api.EnrollResult{Terminal: "T", Certificate: issue(ca, &other.PublicKey, "T"), CA: string(ca.caPEM)}, "not for this terminal's key"},
		{"another CA", api.EnrollResult{Terminal: "T", Certificate: issue(rogue, &mine.PublicKey, "T"), CA: string(ca.caPEM)}, "does not chain"},
		{"another identity", api.EnrollResult{Terminal: "T", Certificate: issue(ca, &mine.PublicKey, "U"), CA: string(ca.caPEM)}, "names"},
		{"no certificate", api.EnrollResult{Terminal: "T", CA: string(ca.caPEM)}, "without a certificate"},
	}
	for _, c := range cases {
		answer = c.answer
		_, err := cl.Enroll(context.Background(), "CODE", csr)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}
