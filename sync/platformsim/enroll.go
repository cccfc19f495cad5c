package platformsim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bianmin/kiosk/sync/api"
)

// Enrollment (docs/platform-api.md): the emulator is its own certificate
// authority. It issues one-time enrollment codes bound to a terminal
// identity, signs the terminal's certificate signing request when it comes
// with a valid code, and serves mutual TLS with the same CA, so that a
// terminal provisioned against it is then recognised by its certificate.

const enrollSchema = `
CREATE TABLE IF NOT EXISTS enrollment_codes(
  code_sha TEXT PRIMARY KEY, terminal TEXT NOT NULL, expires_at TEXT NOT NULL,
  used_at TEXT, serial TEXT);`

// CertValidity is how long an issued terminal certificate is valid.
const CertValidity = 2 * 365 * 24 * time.Hour

// CA is the emulator's certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	PEM  []byte // the CA certificate, PEM
}

// LoadOrCreateCA loads the CA kept in dir (ca.crt, ca.key), making one
// (ECDSA P-256, ten years) when there is none.
func LoadOrCreateCA(dir string) (*CA, error) {
	certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "ca.key")
	if cb, err := os.ReadFile(certPath); err == nil {
		kb, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, fmt.Errorf("platformsim: ca key: %w", err)
		}
		return parseCA(cb, kb)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("platformsim: ca: %w", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("platformsim: ca: %w", err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("platformsim: ca: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: randSerial(), Subject: pkix.Name{CommonName: "Bianmin platform emulator CA", Organization: []string{"platformsim"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return nil, fmt.Errorf("platformsim: ca: %w", err)
	}
	kder, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, err
	}
	cb := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kb := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})
	if err := os.WriteFile(keyPath, kb, 0o600); err != nil {
		return nil, fmt.Errorf("platformsim: ca: %w", err)
	}
	if err := os.WriteFile(certPath, cb, 0o644); err != nil {
		return nil, fmt.Errorf("platformsim: ca: %w", err)
	}
	return parseCA(cb, kb)
}

func parseCA(cb, kb []byte) (*CA, error) {
	cblk, _ := pem.Decode(cb)
	kblk, _ := pem.Decode(kb)
	if cblk == nil || kblk == nil {
		return nil, errors.New("platformsim: ca: not PEM")
	}
	c, err := x509.ParseCertificate(cblk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("platformsim: ca: %w", err)
	}
	k, err := x509.ParseECPrivateKey(kblk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("platformsim: ca key: %w", err)
	}
	return &CA{Cert: c, Key: k, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cblk.Bytes})}, nil
}

func randSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		panic("platformsim: rand: " + err.Error())
	}
	return n.Add(n, big.NewInt(1))
}

// ServerTLS returns the TLS configuration of an emulator that enrolls: a
// server certificate from the CA for loopback and hosts, client
// certificates verified against the CA when given. Only POST /v1/enroll and
// the inspection endpoints are served without one (terminalOnly refuses
// every protocol request that has none).
func (ca *CA) ServerTLS(hosts ...string) (*tls.Config, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: randSerial(), Subject: pkix.Name{CommonName: "platformsim"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}, DNSNames: []string{"localhost"}}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &k.PublicKey, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("platformsim: server certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: k}},
		ClientCAs:    pool,
		ClientAuth:   tls.VerifyClientCertIfGiven,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// EnableEnrollment makes the server enroll terminals with certificates from
// ca; catalogKeyPEM (the catalogue signing key's public half, PEM) is handed
// to each enrolled terminal.
func (s *Server) EnableEnrollment(ca *CA, catalogKeyPEM []byte) error {
	if _, err := s.db.Exec(enrollSchema); err != nil {
		return fmt.Errorf("platformsim: enrollment schema: %w", err)
	}
	s.mu.Lock()
	s.ca, s.catalogKeyPEM = ca, catalogKeyPEM
	s.mu.Unlock()
	return nil
}

var codeEnc = base32.NewEncoding("ABCDEFGHJKLMNPQRSTUVWXYZ23456789").WithPadding(base32.NoPadding)

// normalizeCode accepts a code as typed: any case, with or without dashes
// and spaces.
func normalizeCode(c string) string {
	c = strings.ToUpper(c)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, c)
}

func codeSHA(code string) string {
	h := sha256.Sum256([]byte("platformsim enrollment v1\x00" + normalizeCode(code)))
	return hex.EncodeToString(h[:])
}

// NewEnrollmentCode issues a one-time code (80 random bits, XXXX-XXXX-XXXX-XXXX)
// that enrolls the terminal named terminal ("330106001-T01") within ttl.
// Only its hash is kept.
func (s *Server) NewEnrollmentCode(terminal string, ttl time.Duration) (string, error) {
	if terminal == "" || ttl <= 0 {
		return "", errors.New("platformsim: enrollment code needs a terminal and a ttl")
	}
	if _, err := s.db.Exec(enrollSchema); err != nil {
		return "", fmt.Errorf("platformsim: enrollment schema: %w", err)
	}
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	raw := codeEnc.EncodeToString(b) // 16 characters
	code := raw[0:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:16]
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.Exec(`INSERT INTO enrollment_codes(code_sha, terminal, expires_at) VALUES(?,?,?)`,
		codeSHA(code), terminal, s.cfg.Now().Add(ttl).UTC().Format(time.RFC3339Nano)); err != nil {
		return "", fmt.Errorf("platformsim: enrollment code: %w", err)
	}
	return code, nil
}

// Enrolled is one issued terminal certificate.
type Enrolled struct {
	Terminal string
	Serial   string // hex
	At       time.Time
}

// Enrollments lists the codes used so far.
func (s *Server) Enrollments() ([]Enrolled, error) {
	rows, err := s.db.Query(`SELECT terminal, serial, used_at FROM enrollment_codes WHERE used_at IS NOT NULL ORDER BY used_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Enrolled
	for rows.Next() {
		var e Enrolled
		var at string
		if err := rows.Scan(&e.Terminal, &e.Serial, &at); err != nil {
			return nil, err
		}
		e.At, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// checkCSR parses a PEM CSR and checks that it is signed by the key it
// carries (proof that the terminal holds the private key) and that the key
// is ECDSA P-256.
func checkCSR(p string) (*x509.CertificateRequest, error) {
	blk, _ := pem.Decode([]byte(p))
	if blk == nil || blk.Type != "CERTIFICATE REQUEST" {
		return nil, errors.New("csr: not a PEM CERTIFICATE REQUEST")
	}
	csr, err := x509.ParseCertificateRequest(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("csr: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("csr: signature: %w", err)
	}
	pub, ok := csr.PublicKey.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, errors.New("csr: the key must be ECDSA P-256")
	}
	return csr, nil
}

func (s *Server) enroll(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	ca, catKey := s.ca, s.catalogKeyPEM
	s.mu.Unlock()
	if ca == nil {
		writeErr(w, http.StatusNotFound, api.CodeNotFound, "enrollment is not enabled on this emulator")
		return
	}
	var req api.EnrollRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&req); err != nil {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "body: "+err.Error())
		return
	}
	csr, err := checkCSR(req.CSR)
	if err != nil {
		writeErr(w, http.StatusBadRequest, api.CodeBadCSR, err.Error())
		return
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var terminal, expires string
	var used sql.NullString
	err = s.db.QueryRow(`SELECT terminal, expires_at, used_at FROM enrollment_codes WHERE code_sha=?`, codeSHA(req.Code)).Scan(&terminal, &expires, &used)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		s.log.Warn("enrollment refused: unknown code")
		writeErr(w, http.StatusForbidden, api.CodeEnrollRefused, "unknown enrollment code")
		return
	case err != nil:
		writeErr(w, http.StatusInternalServerError, api.CodeInternal, "enrollment lookup")
		return
	case used.Valid:
		s.log.Warn("enrollment refused: code already used", "terminal", terminal)
		writeErr(w, http.StatusForbidden, api.CodeEnrollRefused, "enrollment code already used")
		return
	}
	if exp, _ := time.Parse(time.RFC3339Nano, expires); !now.Before(exp) {
		s.log.Warn("enrollment refused: code expired", "terminal", terminal)
		writeErr(w, http.StatusForbidden, api.CodeEnrollRefused, "enrollment code expired")
		return
	}
	// The identity is the code's, never what the CSR asks for.
	serial := randSerial()
	tmpl := &x509.Certificate{SerialNumber: serial,
		Subject:   pkix.Name{CommonName: terminal, Organization: []string{"Bianmin kiosk terminals"}},
		NotBefore: now.Add(-5 * time.Minute), NotAfter: now.Add(CertValidity),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, csr.PublicKey, ca.Key)
	if err != nil {
		writeErr(w, http.StatusInternalServerError, api.CodeInternal, "sign: "+err.Error())
		return
	}
	res, err := s.db.Exec(`UPDATE enrollment_codes SET used_at=?, serial=? WHERE code_sha=? AND used_at IS NULL`,
		s.now(), serial.Text(16), codeSHA(req.Code))
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		writeErr(w, http.StatusForbidden, api.CodeEnrollRefused, "enrollment code already used")
		return
	}
	s.log.Info("terminal enrolled", "terminal", terminal, "serial", serial.Text(16))
	writeJSON(w, http.StatusCreated, api.EnrollResult{
		Terminal:    terminal,
		Certificate: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		CA:          string(ca.PEM),
		CatalogKey:  string(catKey),
		NotAfter:    tmpl.NotAfter.UTC(),
		ServerTime:  now.UTC(),
	})
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, api.Whoami{Terminal: terminalOf(r), ServerTime: s.cfg.Now().UTC()})
}
