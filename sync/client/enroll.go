package client

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bianmin/kiosk/sync/api"
)

// ErrEnrollRefused means the platform refused the enrollment code: unknown,
// already used or expired. A new code from the province is the only remedy.
var ErrEnrollRefused = errors.New("enrollment code refused")

// Enroll exchanges a one-time enrollment code and a PEM certificate signing
// request (made from the terminal's own key) for the terminal's client
// certificate. It checks that the answer is a certificate for the CSR's key,
// issued by the CA in the answer; the caller stores it.
func (c *Client) Enroll(ctx context.Context, code string, csrPEM []byte) (*api.EnrollResult, error) {
	var res api.EnrollResult
	_, err := c.do(ctx, http.MethodPost, api.PathEnroll, api.EnrollRequest{Code: strings.TrimSpace(code), CSR: string(csrPEM)}, &res)
	var se *StatusError
	if errors.As(err, &se) && se.Code == api.CodeEnrollRefused {
		return nil, fmt.Errorf("enroll: %s: %w", se.Message, ErrEnrollRefused)
	}
	if err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	if err := checkIssued(&res, csrPEM); err != nil {
		return nil, fmt.Errorf("enroll: %w", err)
	}
	return &res, nil
}

func checkIssued(res *api.EnrollResult, csrPEM []byte) error {
	cb, _ := pem.Decode([]byte(res.Certificate))
	if cb == nil || cb.Type != "CERTIFICATE" {
		return fmt.Errorf("answer without a certificate: %w", ErrNotPlatform)
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return fmt.Errorf("certificate: %w", err)
	}
	rb, _ := pem.Decode(csrPEM)
	if rb == nil {
		return errors.New("csr: not PEM")
	}
	csr, err := x509.ParseCertificateRequest(rb.Bytes)
	if err != nil {
		return fmt.Errorf("csr: %w", err)
	}
	want, err := x509.MarshalPKIXPublicKey(csr.PublicKey)
	if err != nil {
		return err
	}
	got, err := x509.MarshalPKIXPublicKey(cert.PublicKey)
	if err != nil || string(got) != string(want) {
		return errors.New("the certificate is not for this terminal's key")
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(res.CA)) {
		return errors.New("answer without the CA certificate")
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return fmt.Errorf("certificate does not chain to the CA given: %w", err)
	}
	if cert.Subject.CommonName != res.Terminal {
		return fmt.Errorf("certificate names %q, answer says %q", cert.Subject.CommonName, res.Terminal)
	}
	return nil
}

// Whoami asks the platform who it takes this terminal for (the identity of
// its client certificate) and its clock: the self-test's mutual TLS check.
func (c *Client) Whoami(ctx context.Context) (*api.Whoami, error) {
	var w api.Whoami
	if _, err := c.do(ctx, http.MethodGet, api.PathWhoami, nil, &w); err != nil {
		return nil, fmt.Errorf("whoami: %w", err)
	}
	return &w, nil
}
