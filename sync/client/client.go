// Package client is the terminal's HTTP client for the provincial platform
// protocol (docs/platform-api.md): mutual TLS, the protocol's JSON envelope
// (anything else, such as a captive portal's HTML, is ErrNotPlatform), typed
// errors, tus 1.0 resumable uploads with sha256 chunk checksums from an
// io.ReadSeeker, and an optional bandwidth cap. sync/relay and cmd/ use it.
package client

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
)

// Sentinel errors. A *StatusError wraps the one matching its status.
var (
	ErrNotPlatform  = errors.New("not the platform") // answer without the protocol's envelope (captive portal, proxy page)
	ErrConflict     = errors.New("conflict")         // the platform holds different content for this instance id
	ErrNotFound     = errors.New("not found")
	ErrIncomplete   = errors.New("attachments incomplete")
	ErrChecksum     = errors.New("checksum mismatch")
	ErrUploadGone   = errors.New("upload gone") // the resumable upload is unknown: start a new one
	ErrUnauthorized = errors.New("unauthorized")
	ErrServer       = errors.New("server error") // 5xx: retry later
	ErrInsecure     = errors.New("plain http is allowed only to a loopback address when explicitly enabled")
	ErrTooLarge     = errors.New("configuration: upload chunk larger than the platform accepts (lower the sync chunk size)") // 413: permanent until reconfigured
)

// StatusError is an error answer from the platform.
type StatusError struct {
	Status  int
	Code    string
	Message string
	Data    json.RawMessage // e.g. api.IncompleteDetail
	kind    error
}

func (e *StatusError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("platform: %d %s: %s", e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("platform: %d", e.Status)
}

func (e *StatusError) Unwrap() error { return e.kind }

// Permanent reports whether retrying the same request cannot succeed.
func Permanent(err error) bool {
	var se *StatusError
	if !errors.As(err, &se) {
		return false
	}
	return se.Status >= 400 && se.Status < 500 && se.Status != http.StatusRequestTimeout && se.Status != http.StatusTooManyRequests &&
		!errors.Is(err, ErrIncomplete) && !errors.Is(err, ErrUploadGone) && !errors.Is(err, ErrChecksum) && !errors.Is(err, ErrNotPlatform)
}

// Config configures a Client.
type Config struct {
	BaseURL               string            // https://platform.example/ (http://127.0.0.1:PORT in development)
	CertFile, KeyFile     string            // the terminal's client certificate and key (PEM)
	CAFile                string            // the platform's CA (PEM); empty: system roots
	AllowInsecureLoopback bool              // allow plain http to 127.0.0.1/::1/localhost
	Timeout               time.Duration     // per request (default 60 s)
	ChunkSize             int64             // PATCH size (default 512 KiB: one PATCH for a scanned page of 300 KB)
	RateLimitBits         int64             // bandwidth cap on request bodies in bit/s (0: none)
	Transport             http.RoundTripper // optional (tests, in-process emulator); overrides TLS files
	// Enrolling allows https without a client certificate: a terminal being
	// provisioned has none yet, and only Enroll can succeed (enroll.go).
	Enrolling bool
}

// Client talks to the platform. Safe for concurrent use.
type Client struct {
	base  *url.URL
	hc    *http.Client
	chunk int64
	lim   *RateLimiter
}

// New checks the configuration and loads the certificates.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("client: bad base url %q", cfg.BaseURL)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !cfg.AllowInsecureLoopback || !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("client: %s: %w", u.Redacted(), ErrInsecure)
		}
	default:
		return nil, fmt.Errorf("client: bad scheme %q", u.Scheme)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 60 * time.Second
	}
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = 512 << 10
	}
	if cfg.RateLimitBits > 0 {
		// A chunk must fit in a quarter of the request timeout at the cap.
		if most := int64(float64(cfg.RateLimitBits) / 8 * cfg.Timeout.Seconds() / 4); most < cfg.ChunkSize {
			cfg.ChunkSize = max(most, 4<<10)
		}
	}
	rt := cfg.Transport
	if rt == nil {
		tc := &tls.Config{MinVersion: tls.VersionTLS12}
		if cfg.CertFile != "" || cfg.KeyFile != "" {
			cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
			if err != nil {
				return nil, fmt.Errorf("client: load certificate: %w", err)
			}
			tc.Certificates = []tls.Certificate{cert}
		}
		if cfg.CAFile != "" {
			pem, err := os.ReadFile(cfg.CAFile)
			if err != nil {
				return nil, fmt.Errorf("client: read ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("client: no certificate in %s", cfg.CAFile)
			}
			tc.RootCAs = pool
		}
		if u.Scheme == "https" && len(tc.Certificates) == 0 && !cfg.Enrolling {
			return nil, errors.New("client: https needs the terminal's client certificate (CertFile, KeyFile)")
		}
		rt = &http.Transport{
			Proxy:               nil, // a kiosk talks to its platform directly
			DialContext:         (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:     tc,
			TLSHandshakeTimeout: 15 * time.Second,
			MaxIdleConnsPerHost: 4,
			IdleConnTimeout:     90 * time.Second,
		}
	}
	return &Client{base: u, hc: &http.Client{Transport: rt, Timeout: cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		chunk: cfg.ChunkSize, lim: NewRateLimiter(cfg.RateLimitBits)}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (c *Client) url(path string) string {
	u := *c.base
	p, q, _ := strings.Cut(path, "?")
	u.Path = strings.TrimRight(u.Path, "/") + p
	u.RawQuery = q
	return u.String()
}

// do sends a JSON request and decodes the envelope's data into out.
func (c *Client) do(ctx context.Context, method, path string, in, out any) (int, error) {
	var body io.Reader
	var raw []byte
	if in != nil {
		var err error
		if raw, err = json.Marshal(in); err != nil {
			return 0, fmt.Errorf("encode: %w", err)
		}
		body = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.url(path), body)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Accept", api.ContentType)
	if in != nil {
		req.Header.Set("Content-Type", api.ContentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	return resp.StatusCode, decode(resp, out)
}

// decode checks the envelope; only an envelope with ok == true and a 2xx
// status is success.
func decode(resp *http.Response, out any) error {
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("read response: %w", err)
	}
	var env api.Envelope
	ct := resp.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, api.ContentType) || json.Unmarshal(b, &env) != nil || env.BMK != api.Version {
		return fmt.Errorf("%d %q: %w", resp.StatusCode, ct, ErrNotPlatform)
	}
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode < 300
	if env.OK && ok2xx {
		if out != nil {
			if len(env.Data) == 0 {
				return fmt.Errorf("empty data: %w", ErrNotPlatform)
			}
			if err := json.Unmarshal(env.Data, out); err != nil {
				return fmt.Errorf("decode data: %w", err)
			}
		}
		return nil
	}
	if env.OK != ok2xx || (!env.OK && env.Error == nil) {
		return fmt.Errorf("%d with ok=%v: %w", resp.StatusCode, env.OK, ErrNotPlatform)
	}
	se := &StatusError{Status: resp.StatusCode, Code: env.Error.Code, Message: env.Error.Message, Data: env.Data}
	se.kind = kindOf(resp.StatusCode, env.Error.Code)
	return se
}

func kindOf(status int, code string) error {
	switch {
	case code == api.CodeIncomplete:
		return ErrIncomplete
	case code == api.CodeChecksum || status == api.StatusChecksumMismatch:
		return ErrChecksum
	case status == http.StatusConflict:
		return ErrConflict
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ErrUnauthorized
	case status >= 500:
		return ErrServer
	}
	return nil
}

// wireForm is the application as sent: without its local state.
func wireForm(a *kiosk.Application) *kiosk.Application {
	c := *a
	c.State = ""
	return &c
}

// PutApplication sends the form (idempotent by instance id). created is true
// when the platform did not hold it before. ErrConflict when it holds a
// different form under the same id.
func (c *Client) PutApplication(ctx context.Context, a *kiosk.Application) (created bool, err error) {
	var res api.PutResult
	st, err := c.do(ctx, http.MethodPut, api.PathApplications+url.PathEscape(a.InstanceID), wireForm(a), &res)
	if err != nil {
		return false, fmt.Errorf("put application: %w", err)
	}
	if res.InstanceID != a.InstanceID {
		return false, fmt.Errorf("put application: answer for another id: %w", ErrNotPlatform)
	}
	return st == http.StatusCreated, nil
}

// Complete asks the platform to confirm every attachment; on success the
// application counts as submitted. ErrIncomplete (a *StatusError whose Data
// is api.IncompleteDetail) when some attachment is missing or not intact.
func (c *Client) Complete(ctx context.Context, instanceID string) (*api.CompleteResult, error) {
	var res api.CompleteResult
	if _, err := c.do(ctx, http.MethodPost, api.PathApplications+url.PathEscape(instanceID)+"/complete", struct{}{}, &res); err != nil {
		return nil, fmt.Errorf("complete: %w", err)
	}
	if res.InstanceID != instanceID {
		return nil, fmt.Errorf("complete: answer for another id: %w", ErrNotPlatform)
	}
	return &res, nil
}

// Catalog fetches the signed catalogue (verify it with catalogsig).
func (c *Client) Catalog(ctx context.Context) (*api.SignedCatalog, error) {
	var sc api.SignedCatalog
	if _, err := c.do(ctx, http.MethodGet, api.PathCatalog, nil, &sc); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	return &sc, nil
}

// Status fetches status events after cursor.
func (c *Client) Status(ctx context.Context, cursor string, limit int) (*api.StatusPage, error) {
	q := url.Values{}
	q.Set("cursor", cursor)
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var page api.StatusPage
	if _, err := c.do(ctx, http.MethodGet, api.PathStatus+"?"+q.Encode(), nil, &page); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	return &page, nil
}

// SendRating sends one rating (idempotent by instance id).
func (c *Client) SendRating(ctx context.Context, r kiosk.Rating) (created bool, err error) {
	var res api.RatingResult
	st, err := c.do(ctx, http.MethodPost, api.PathRatings, r, &res)
	if err != nil {
		return false, fmt.Errorf("rating: %w", err)
	}
	return st == http.StatusCreated, nil
}

// Heartbeat reports the terminal's state.
func (c *Client) Heartbeat(ctx context.Context, hb api.Heartbeat) (*api.HeartbeatResult, error) {
	var res api.HeartbeatResult
	if _, err := c.do(ctx, http.MethodPost, api.PathHeartbeat, hb, &res); err != nil {
		return nil, fmt.Errorf("heartbeat: %w", err)
	}
	return &res, nil
}
