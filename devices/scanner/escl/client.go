// Package escl is a client for eSCL (AirScan), the HTTP scanning protocol of
// network scanners and, through Debian's ipp-usb, of USB multifunction
// devices. It implements scanner.Scanner. Only cmd/ and tests should import
// it; the app sees scanner.Scanner.
package escl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // page formats
	_ "image/png"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/bianmin/kiosk/devices/scanner"
)

// Client talks to one eSCL scanner.
type Client struct {
	base       *url.URL // ends in /eSCL
	hc         *http.Client
	log        *slog.Logger
	retryWait  time.Duration
	maxRetries int

	mu   sync.Mutex
	caps *scanner.Caps
}

var _ scanner.Scanner = (*Client)(nil)

// Option configures a Client.
type Option func(*Client)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithRetry sets how long to wait after a 503 from NextDocument and how many
// 503s in a row to accept for one page (default 500 ms and 40).
func WithRetry(wait time.Duration, max int) Option {
	return func(c *Client) { c.retryWait, c.maxRetries = wait, max }
}

// New returns a client for the scanner at base, e.g. "http://127.0.0.1:60000"
// (ipp-usb) or "http://10.0.0.5/eSCL". "/eSCL" is added when the URL has no
// path.
func New(base string, opts ...Option) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("escl: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("escl: url %q: want http or https", base)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/eSCL"
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	c := &Client{
		base:       u,
		hc:         &http.Client{Timeout: 30 * time.Second},
		log:        slog.New(slog.DiscardHandler),
		retryWait:  500 * time.Millisecond,
		maxRetries: 40,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

func (c *Client) url(p string) string {
	if strings.HasPrefix(p, "http://") || strings.HasPrefix(p, "https://") {
		return p
	}
	u := *c.base
	if strings.HasPrefix(p, "/") {
		// An absolute path, as in a Location header.
		ref, err := url.Parse(p)
		if err == nil {
			return c.base.ResolveReference(ref).String()
		}
	}
	u.Path = c.base.Path + "/" + p
	return u.String()
}

// do runs one request; transport failures are wrapped in ErrDisconnected.
func (c *Client) do(ctx context.Context, method, u string, body []byte) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "text/xml")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %v", scanner.ErrDisconnected, err)
	}
	return resp, nil
}

func (c *Client) getXML(ctx context.Context, p string) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodGet, c.url(p), nil)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxXML+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", scanner.ErrDisconnected, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("http %d", resp.StatusCode)
	}
	return b, nil
}

// Capabilities fetches and caches ScannerCapabilities.
func (c *Client) Capabilities(ctx context.Context) (scanner.Caps, error) {
	c.mu.Lock()
	cached := c.caps
	c.mu.Unlock()
	if cached != nil {
		return *cached, nil
	}
	b, err := c.getXML(ctx, "ScannerCapabilities")
	if err != nil {
		return scanner.Caps{}, fmt.Errorf("escl capabilities: %w", err)
	}
	caps, err := ParseCapabilities(b)
	if err != nil {
		return scanner.Caps{}, fmt.Errorf("escl: %w", err)
	}
	c.mu.Lock()
	c.caps = &caps
	c.mu.Unlock()
	return caps, nil
}

// RawStatus fetches ScannerStatus.
func (c *Client) RawStatus(ctx context.Context) (RawStatus, error) {
	b, err := c.getXML(ctx, "ScannerStatus")
	if err != nil {
		return RawStatus{}, fmt.Errorf("escl status: %w", err)
	}
	st, err := ParseStatus(b)
	if err != nil {
		return RawStatus{}, fmt.Errorf("escl: %w", err)
	}
	return st, nil
}

// Status summarises ScannerStatus. An empty feeder is reported as
// DeviceFeederEmpty only when the scanner has no platen to fall back on.
func (c *Client) Status(ctx context.Context) (scanner.Status, error) {
	st, err := c.RawStatus(ctx)
	if err != nil {
		if errors.Is(err, scanner.ErrDisconnected) {
			return scanner.Summarise(scanner.Raw{Unreachable: true, Detail: err.Error()}), nil
		}
		if ctx.Err() != nil {
			return scanner.Status{}, err
		}
		return scanner.Summarise(scanner.Raw{Fault: true, Detail: err.Error()}), err
	}
	feederOnly := false
	if caps, err := c.Capabilities(ctx); err == nil {
		feederOnly = !caps.Has(scanner.Platen)
	}
	return scanner.Summarise(st.Raw(feederOnly)), nil
}

// explain turns a failed request into a sentinel error by asking the
// scanner's status; what it says (jam, empty feeder, busy) wins over the
// bare HTTP code.
func (c *Client) explain(ctx context.Context, feeder bool, what string, code int) error {
	st, err := c.RawStatus(ctx)
	if err == nil {
		r := st.Raw(feeder)
		switch {
		case r.Jam:
			return fmt.Errorf("%s: http %d: %w", what, code, scanner.ErrJam)
		case r.CoverOpen:
			return fmt.Errorf("%s: http %d: %w", what, code, scanner.ErrCoverOpen)
		case r.FeederEmpty:
			return fmt.Errorf("%s: http %d: %w", what, code, scanner.ErrFeederEmpty)
		case r.Busy && code == http.StatusServiceUnavailable:
			return fmt.Errorf("%s: http %d: %w", what, code, scanner.ErrBusy)
		}
	}
	if code == http.StatusServiceUnavailable {
		return fmt.Errorf("%s: http %d: %w", what, code, scanner.ErrBusy)
	}
	return fmt.Errorf("%s: http %d", what, code)
}

// maxPageBytes bounds one page download.
const maxPageBytes = 256 << 20

// Scan posts a job and fetches its pages until the scanner says there are no
// more (404), the page limit is reached, or ctx is done; a job stopped early
// is deleted on the scanner. On a mid-job failure the pages already fetched
// are returned with the error.
func (c *Client) Scan(ctx context.Context, s scanner.Settings) ([]scanner.Page, error) {
	s = s.WithDefaults()
	caps, err := c.Capabilities(ctx)
	if err != nil {
		return nil, fmt.Errorf("escl scan: %w", err)
	}
	if !caps.Has(s.Source) {
		return nil, fmt.Errorf("escl scan: source %s: %w", s.Source, scanner.ErrUnsupported)
	}
	if s.Duplex && !caps.Duplex {
		return nil, fmt.Errorf("escl scan: duplex: %w", scanner.ErrUnsupported)
	}
	s.DPI = caps.NearestDPI(s.DPI)
	feeder := s.Source == scanner.Feeder
	if feeder {
		// Say "feeder empty" before starting a job, as the resident can fix
		// that at once.
		if st, err := c.RawStatus(ctx); err == nil {
			r := st.Raw(true)
			switch {
			case r.FeederEmpty:
				return nil, fmt.Errorf("escl scan: %w", scanner.ErrFeederEmpty)
			case r.Jam:
				return nil, fmt.Errorf("escl scan: %w", scanner.ErrJam)
			}
		}
	}
	resp, err := c.do(ctx, http.MethodPost, c.url("ScanJobs"), ScanSettings(s, caps))
	if err != nil {
		return nil, fmt.Errorf("escl scan: post job: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxXML))
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("escl scan: %w", c.explain(ctx, feeder, "post job", resp.StatusCode))
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, errors.New("escl scan: post job: no Location")
	}
	job := c.url(loc)
	c.log.Info("escl job started", "job", loc, "source", string(s.Source), "dpi", s.DPI)

	limit := s.MaxPages
	if !feeder {
		limit = 1
	}
	var pages []scanner.Page
	finished := false
	defer func() {
		if !finished {
			c.cancel(job)
		}
	}()
	for limit <= 0 || len(pages) < limit {
		p, done, err := c.nextPage(ctx, job, feeder)
		if err != nil {
			return pages, fmt.Errorf("escl scan page %d: %w", len(pages)+1, err)
		}
		if done {
			finished = true
			if len(pages) == 0 && feeder {
				return nil, fmt.Errorf("escl scan: no pages: %w", scanner.ErrFeederEmpty)
			}
			if len(pages) == 0 {
				return nil, errors.New("escl scan: job ended without a page")
			}
			break
		}
		p.DPI = s.DPI
		pages = append(pages, p)
	}
	c.log.Info("escl job done", "job", loc, "pages", len(pages))
	return pages, nil
}

// nextPage fetches one page; done reports the end of the job (404).
func (c *Client) nextPage(ctx context.Context, job string, feeder bool) (scanner.Page, bool, error) {
	for try := 0; ; try++ {
		resp, err := c.do(ctx, http.MethodGet, job+"/NextDocument", nil)
		if err != nil {
			return scanner.Page{}, false, err
		}
		switch resp.StatusCode {
		case http.StatusOK:
			b, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes))
			resp.Body.Close()
			if err != nil {
				if ctx.Err() != nil {
					return scanner.Page{}, false, ctx.Err()
				}
				return scanner.Page{}, false, fmt.Errorf("read page: %w", err)
			}
			img, _, err := image.Decode(bytes.NewReader(b))
			if err != nil {
				return scanner.Page{}, false, fmt.Errorf("decode page (%s): %w", resp.Header.Get("Content-Type"), err)
			}
			return scanner.Page{Image: img}, false, nil
		case http.StatusNotFound:
			resp.Body.Close()
			return scanner.Page{}, true, nil
		case http.StatusServiceUnavailable:
			resp.Body.Close()
			if try >= c.maxRetries {
				return scanner.Page{}, false, fmt.Errorf("page not ready after %d tries: %w", try+1, scanner.ErrBusy)
			}
			t := time.NewTimer(c.retryWait)
			select {
			case <-ctx.Done():
				t.Stop()
				return scanner.Page{}, false, ctx.Err()
			case <-t.C:
			}
		default:
			resp.Body.Close()
			return scanner.Page{}, false, c.explain(ctx, feeder, "next document", resp.StatusCode)
		}
	}
}

// cancel deletes a job, with its own short deadline since the caller's
// context may be what was cancelled.
func (c *Client) cancel(job string) {
	ctx, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	resp, err := c.do(ctx, http.MethodDelete, job, nil)
	if err != nil {
		c.log.Warn("escl cancel job", "job", job, "err", err)
		return
	}
	resp.Body.Close()
	c.log.Info("escl job cancelled", "job", job, "http", resp.StatusCode)
}

// BaseURL is the scanner's eSCL root, e.g. http://127.0.0.1:60000/eSCL.
func (c *Client) BaseURL() string { return c.base.String() }
