package platformsim

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func tusHdr(extra map[string]string) map[string]string {
	h := map[string]string{"Tus-Resumable": api.TusVersion}
	for k, v := range extra {
		h[k] = v
	}
	return h
}

func putForm(t *testing.T, base string, a *kiosk.Application) {
	t.Helper()
	j, _ := json.Marshal(a)
	if r := doReq(t, http.MethodPut, base+api.PathApplications+a.InstanceID, nil, j); r.StatusCode != http.StatusCreated {
		t.Fatalf("put form: %d", r.StatusCode)
	}
}

func meta(a *kiosk.Application) string {
	at := a.Attachments[0]
	return api.MetaInstanceID + " " + b64(a.InstanceID) + "," + api.MetaAttachmentID + " " + b64(at.ID) + "," + api.MetaSHA256 + " " + b64(at.SHA256)
}

// TestTusExtensionsAdvertisedAreImplemented: OPTIONS lists only what works;
// concatenation and deferred length are neither advertised nor accepted.
func TestTusExtensionsAdvertisedAreImplemented(t *testing.T) {
	_, hs := newTestServer(t, Faults{})
	r := doReq(t, http.MethodOptions, hs.URL+api.PathUploads, nil, nil)
	ext := strings.Split(r.Header.Get("Tus-Extension"), ",")
	has := map[string]bool{}
	for _, e := range ext {
		has[e] = true
	}
	for _, want := range []string{"creation", "creation-with-upload", "termination", "checksum"} {
		if !has[want] {
			t.Errorf("Tus-Extension %q lacks %s", r.Header.Get("Tus-Extension"), want)
		}
	}
	for _, not := range []string{"concatenation", "creation-defer-length"} {
		if has[not] {
			t.Errorf("Tus-Extension %q advertises %s, which the platform protocol does not implement", r.Header.Get("Tus-Extension"), not)
		}
	}
	if algos := r.Header.Get("Tus-Checksum-Algorithm"); !strings.Contains(algos, "sha1") {
		t.Errorf("Tus-Checksum-Algorithm %q: sha1 is a MUST", algos)
	}
	a, _ := form(t, []byte("hello"))
	putForm(t, hs.URL, a)
	if r := doReq(t, http.MethodPost, hs.URL+api.PathUploads, tusHdr(map[string]string{"Upload-Defer-Length": "1", "Upload-Metadata": meta(a)}), nil); r.StatusCode == http.StatusCreated {
		t.Errorf("deferred-length creation accepted")
	}
	// Termination, as advertised: DELETE ends an upload, HEAD then says 404.
	r = doReq(t, http.MethodPost, hs.URL+api.PathUploads, tusHdr(map[string]string{"Upload-Length": "5", "Upload-Metadata": meta(a)}), nil)
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusCreated || loc == "" {
		t.Fatalf("create: %d", r.StatusCode)
	}
	if r := doReq(t, http.MethodDelete, loc, tusHdr(nil), nil); r.StatusCode != http.StatusNoContent || r.Header.Get("Tus-Resumable") == "" {
		t.Errorf("DELETE: %d", r.StatusCode)
	}
	if r := doReq(t, http.MethodHead, loc, tusHdr(nil), nil); r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusGone {
		t.Errorf("HEAD after DELETE: %d, want 404 or 410", r.StatusCode)
	}
}

// TestTusChecksums: sha1 and sha256 on PATCH and on creation-with-upload;
// a wrong checksum is 460 and nothing is stored; every error the emulator
// itself writes carries Tus-Resumable.
func TestTusChecksums(t *testing.T) {
	srv, err := New(Config{DataDir: t.TempDir(), MaxChunk: 8})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	data := []byte("hello tus")[:8]
	a, _ := form(t, data)
	putForm(t, hs.URL, a)
	sha1of := func(b []byte) string { s := sha1.Sum(b); return "sha1 " + base64.StdEncoding.EncodeToString(s[:]) }
	sha256of := func(b []byte) string {
		s := sha256.Sum256(b)
		return "sha256 " + base64.StdEncoding.EncodeToString(s[:])
	}
	create := func(body []byte, ck string) *http.Response {
		h := map[string]string{"Upload-Length": strconv.Itoa(len(data)), "Upload-Metadata": meta(a)}
		if body != nil {
			h["Content-Type"] = "application/offset+octet-stream"
			h["Upload-Checksum"] = ck
		}
		return doReq(t, http.MethodPost, hs.URL+api.PathUploads, tusHdr(h), body)
	}
	// creation-with-upload with a wrong checksum: refused, nothing created.
	if r := create(data, sha1of([]byte("other"))); r.StatusCode != api.StatusChecksumMismatch || r.Header.Get("Location") != "" || r.Header.Get("Tus-Resumable") == "" {
		t.Fatalf("creation-with-upload, wrong sha1: %d Location %q Tus-Resumable %q", r.StatusCode, r.Header.Get("Location"), r.Header.Get("Tus-Resumable"))
	}
	// creation-with-upload with the right sha1: stored whole.
	if r := create(data, sha1of(data)); r.StatusCode != http.StatusCreated || r.Header.Get("Upload-Offset") != "8" {
		t.Fatalf("creation-with-upload, right sha1: %d offset %q", r.StatusCode, r.Header.Get("Upload-Offset"))
	}
	// PATCH with sha1 and sha256, right and wrong.
	r := create(nil, "")
	loc := r.Header.Get("Location")
	patch := func(off int, b []byte, ck string) *http.Response {
		return doReq(t, http.MethodPatch, loc, tusHdr(map[string]string{"Content-Type": "application/offset+octet-stream",
			"Upload-Offset": strconv.Itoa(off), "Upload-Checksum": ck}), b)
	}
	if r := patch(0, data[:4], sha1of([]byte("xxxx"))); r.StatusCode != api.StatusChecksumMismatch || r.Header.Get("Tus-Resumable") == "" {
		t.Errorf("PATCH wrong sha1: %d", r.StatusCode)
	}
	if r := patch(0, data[:4], sha1of(data[:4])); r.StatusCode != http.StatusNoContent || r.Header.Get("Upload-Offset") != "4" {
		t.Errorf("PATCH sha1: %d offset %q", r.StatusCode, r.Header.Get("Upload-Offset"))
	}
	if r := patch(4, data[4:], sha256of(data[4:])); r.StatusCode != http.StatusNoContent || r.Header.Get("Upload-Offset") != "8" {
		t.Errorf("PATCH sha256: %d offset %q", r.StatusCode, r.Header.Get("Upload-Offset"))
	}
	// The emulator's own 400 and 413 carry Tus-Resumable.
	for name, tc := range map[string]struct {
		body []byte
		ck   string
		want int
	}{
		"unknown algorithm": {data[:1], "crc32 AAAAAA==", http.StatusBadRequest},
		"malformed":         {data[:1], "sha1 !!", http.StatusBadRequest},
		"too large":         {bytes.Repeat([]byte("x"), 9), sha1of(bytes.Repeat([]byte("x"), 9)), http.StatusRequestEntityTooLarge},
	} {
		r := patch(0, tc.body, tc.ck)
		if r.StatusCode != tc.want || r.Header.Get("Tus-Resumable") != api.TusVersion {
			t.Errorf("%s: %d with Tus-Resumable %q, want %d with it", name, r.StatusCode, r.Header.Get("Tus-Resumable"), tc.want)
		}
	}
}

// TestFormsThePlatformCannotHold: refused before anything is stored.
func TestFormsThePlatformCannotHold(t *testing.T) {
	_, hs := newTestServer(t, Faults{})
	for name, mod := range map[string]func(a *kiosk.Application) string{
		"path traversal id": func(a *kiosk.Application) string { a.InstanceID = "../../x"; return "..%2F..%2Fx" },
		"not a uuid":        func(a *kiosk.Application) string { a.InstanceID = "not-a-uuid"; return a.InstanceID },
		"uuid in braces": func(a *kiosk.Application) string {
			a.InstanceID = "{aaaaaaaa-0000-4000-8000-000000000009}"
			return "%7Baaaaaaaa-0000-4000-8000-000000000009%7D"
		},
		"empty acceptance no": func(a *kiosk.Application) string { a.AcceptanceNo = ""; return a.InstanceID },
		"size 2^63-1":         func(a *kiosk.Application) string { a.Attachments[0].Size = 1<<63 - 1; return a.InstanceID },
	} {
		t.Run(name, func(t *testing.T) {
			a, _ := form(t, []byte("hello"))
			seg := mod(a)
			j, _ := json.Marshal(a)
			r := doReq(t, http.MethodPut, hs.URL+api.PathApplications+seg, nil, j)
			if env := envelope(t, r); r.StatusCode != http.StatusBadRequest || env.Error == nil || env.Error.Code != api.CodeBadRequest {
				t.Errorf("%d %+v, want 400 %s", r.StatusCode, env.Error, api.CodeBadRequest)
			}
		})
	}
}
