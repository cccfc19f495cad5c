package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
)

// The tus client side is written here (a few requests) rather than taken
// from a tus client library: we need sha256 chunk checksums, the envelope-free
// tus answers checked for Tus-Resumable (so a captive portal is never taken
// for progress), the bandwidth cap and context on every call.

// ProgressFunc is called after every chunk the platform acknowledged, with the
// upload's URL path and the acknowledged offset; the caller records them
// durably. An error from it stops the upload.
type ProgressFunc func(uploadPath string, offset int64) error

// Upload sends one attachment's bytes through a tus resumable upload. With
// uploadPath from an earlier attempt it asks the platform for the offset and
// resumes there; with "" (or when the platform no longer knows the upload)
// it creates a new upload. r must yield exactly att.Size bytes.
func (c *Client) Upload(ctx context.Context, instanceID string, att kiosk.Attachment, r io.ReadSeeker, uploadPath string, progress ProgressFunc) error {
	if progress == nil {
		progress = func(string, int64) error { return nil }
	}
	var off int64
	if uploadPath != "" {
		var err error
		off, err = c.UploadOffset(ctx, uploadPath)
		if errors.Is(err, ErrUploadGone) {
			uploadPath = ""
		} else if err != nil {
			return err
		}
	}
	if uploadPath == "" {
		var err error
		if uploadPath, err = c.CreateUpload(ctx, instanceID, att); err != nil {
			return err
		}
		off = 0
		if err := progress(uploadPath, 0); err != nil {
			return err
		}
	}
	buf := make([]byte, c.chunk)
	for off < att.Size {
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			return fmt.Errorf("upload: seek: %w", err)
		}
		n := min(c.chunk, att.Size-off)
		if _, err := io.ReadFull(r, buf[:n]); err != nil {
			return fmt.Errorf("upload: read attachment: %w", err)
		}
		next, err := c.patch(ctx, uploadPath, off, buf[:n])
		if errors.Is(err, ErrConflict) { // offset moved on (an earlier PATCH landed): ask
			if next, err = c.UploadOffset(ctx, uploadPath); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		if next < off || next > att.Size {
			return fmt.Errorf("upload: platform acknowledged offset %d of %d: %w", next, att.Size, ErrNotPlatform)
		}
		off = next
		if err := progress(uploadPath, off); err != nil {
			return err
		}
	}
	return nil
}

// abs is the URL of an upload path, which is relative to the base URL (the
// base's own path, a gateway's prefix such as /kiosk, is kept in front).
func (c *Client) abs(path string) string { return c.url(path) }

// uploadPathOf turns a creation answer's Location (absolute or relative to
// the request URL) into an upload path relative to the base URL. It must stay
// on the base URL's scheme and host and below its tus endpoint: attachment
// bytes are never sent anywhere else.
func (c *Client) uploadPathOf(reqURL, location string) (string, error) {
	ru, err := url.Parse(reqURL)
	if err != nil {
		return "", err
	}
	loc, err := url.Parse(location)
	if err != nil {
		return "", err
	}
	loc = ru.ResolveReference(loc)
	endpoint := strings.TrimRight(c.base.Path, "/") + api.PathUploads
	if loc.Scheme != c.base.Scheme || loc.Host != c.base.Host || !strings.HasPrefix(loc.Path, endpoint) || len(loc.Path) == len(endpoint) {
		return "", fmt.Errorf("not below %s", endpoint)
	}
	return strings.TrimPrefix(loc.Path, strings.TrimRight(c.base.Path, "/")), nil
}

func tusReq(ctx context.Context, method, u string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Tus-Resumable", api.TusVersion)
	return req, nil
}

// tusAnswer checks that a tus answer is from the platform and maps errors.
func tusAnswer(resp *http.Response, want ...int) error {
	if resp.StatusCode == http.StatusRequestEntityTooLarge {
		// A chunk larger than the platform or a gateway in front of it
		// accepts (a gateway's 413 carries no Tus-Resumable): sending it
		// again cannot succeed, the chunk size must be lowered.
		return &StatusError{Status: resp.StatusCode, Code: "tus", Message: "request too large for the platform or its gateway", kind: ErrTooLarge}
	}
	if resp.Header.Get("Tus-Resumable") == "" {
		return fmt.Errorf("tus %d without Tus-Resumable: %w", resp.StatusCode, ErrNotPlatform)
	}
	for _, w := range want {
		if resp.StatusCode == w {
			return nil
		}
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	se := &StatusError{Status: resp.StatusCode, Code: "tus", Message: strings.TrimSpace(string(msg))}
	switch resp.StatusCode {
	case http.StatusNotFound, http.StatusGone:
		se.kind = ErrUploadGone
	default:
		se.kind = kindOf(resp.StatusCode, "")
	}
	return se
}

// CreateUpload creates a tus upload for one attachment and returns its path.
func (c *Client) CreateUpload(ctx context.Context, instanceID string, att kiosk.Attachment) (string, error) {
	endpoint := c.abs(api.PathUploads)
	req, err := tusReq(ctx, http.MethodPost, endpoint, nil)
	if err != nil {
		return "", err
	}
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	req.Header.Set("Upload-Length", strconv.FormatInt(att.Size, 10))
	req.Header.Set("Upload-Metadata", api.MetaInstanceID+" "+b64(instanceID)+","+api.MetaAttachmentID+" "+b64(att.ID)+","+api.MetaSHA256+" "+b64(att.SHA256))
	resp, err := c.hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("create upload: %w", err)
	}
	defer resp.Body.Close()
	if err := tusAnswer(resp, http.StatusCreated); err != nil {
		return "", fmt.Errorf("create upload: %w", err)
	}
	p, err := c.uploadPathOf(endpoint, resp.Header.Get("Location"))
	if err != nil {
		return "", fmt.Errorf("create upload: bad Location %q: %v: %w", resp.Header.Get("Location"), err, ErrNotPlatform)
	}
	return p, nil
}

// UploadOffset asks the platform how many bytes of an upload it holds.
func (c *Client) UploadOffset(ctx context.Context, uploadPath string) (int64, error) {
	req, err := tusReq(ctx, http.MethodHead, c.abs(uploadPath), nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("upload offset: %w", err)
	}
	defer resp.Body.Close()
	if err := tusAnswer(resp, http.StatusOK, http.StatusNoContent); err != nil {
		return 0, fmt.Errorf("upload offset: %w", err)
	}
	off, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || off < 0 {
		return 0, fmt.Errorf("upload offset: bad Upload-Offset: %w", ErrNotPlatform)
	}
	return off, nil
}

func (c *Client) patch(ctx context.Context, uploadPath string, off int64, data []byte) (int64, error) {
	sum := sha256.Sum256(data)
	req, err := tusReq(ctx, http.MethodPatch, c.abs(uploadPath), LimitReader(ctx, bytes.NewReader(data), c.lim))
	if err != nil {
		return 0, err
	}
	req.ContentLength = int64(len(data))
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", strconv.FormatInt(off, 10))
	req.Header.Set("Upload-Checksum", api.TusChecksumAlgo+" "+base64.StdEncoding.EncodeToString(sum[:]))
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("upload chunk: %w", err)
	}
	defer resp.Body.Close()
	if err := tusAnswer(resp, http.StatusNoContent); err != nil {
		return 0, fmt.Errorf("upload chunk: %w", err)
	}
	next, err := strconv.ParseInt(resp.Header.Get("Upload-Offset"), 10, 64)
	if err != nil || next != off+int64(len(data)) {
		return 0, fmt.Errorf("upload chunk: Upload-Offset %q after %d+%d: %w", resp.Header.Get("Upload-Offset"), off, len(data), ErrNotPlatform)
	}
	return next, nil
}
