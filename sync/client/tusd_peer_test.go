package client_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
	"github.com/bianmin/kiosk/sync/tusdpeer"
)

// TestUploadToTusdBehindPrefix uploads to an unmodified tusd v2.8.0 handler
// mounted under a gateway's path prefix (/kiosk), with one PATCH cut
// mid-body, then resumes from the offset tusd reports.
func TestUploadToTusdBehindPrefix(t *testing.T) {
	peer, err := tusdpeer.Start("/kiosk", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	cl, err := client.New(client.Config{BaseURL: peer.URL + "/", AllowInsecureLoopback: true, ChunkSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, b := testApp(300<<10 + 7)
	var path string
	var off int64
	err = cl.Upload(ctx, a.InstanceID, a.Attachments[0], bytes.NewReader(b), "", func(p string, o int64) error {
		path, off = p, o
		if o > 0 {
			peer.CutNextPatch(10000) // the second PATCH loses its link after 10000 bytes
		}
		return nil
	})
	if err == nil {
		t.Fatal("upload survived a cut PATCH")
	}
	if !strings.HasPrefix(path, "/v1/uploads/") || off != 64<<10 {
		t.Fatalf("recorded %q at %d", path, off)
	}
	held, err := cl.UploadOffset(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if held != off+10000 {
		t.Fatalf("tusd holds %d bytes, want %d (the cut PATCH's prefix kept)", held, off+10000)
	}
	before := peer.PatchBodyBytes()
	if err := cl.Upload(ctx, a.InstanceID, a.Attachments[0], bytes.NewReader(b), path, nil); err != nil {
		t.Fatalf("resume: %v", err)
	}
	if sent := peer.PatchBodyBytes() - before; sent != int64(len(b))-held {
		t.Errorf("resume sent %d body bytes, want %d (from tusd's offset)", sent, int64(len(b))-held)
	}
	got, err := peer.File(path)
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("tusd holds %d bytes (%v), not the attachment", len(got), err)
	}
	for _, r := range peer.Requests() {
		if !strings.Contains(r, " /") { // every request reached the handler below /kiosk/v1/uploads
			t.Errorf("request %q", r)
		}
	}
}

// TestChunkTooLargeIsConfiguration: a 413, from the platform (with
// Tus-Resumable) or from a gateway (without), is a permanent configuration
// error, not "not the platform" retried for ever.
func TestChunkTooLargeIsConfiguration(t *testing.T) {
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir(), MaxChunk: 32 << 10})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPatch {
			http.Error(w, "<html>413 Request Entity Too Large</html>", http.StatusRequestEntityTooLarge)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer gw.Close()
	for name, base := range map[string]string{"platform": hs.URL, "gateway": gw.URL} {
		t.Run(name, func(t *testing.T) {
			cl, err := client.New(client.Config{BaseURL: base, AllowInsecureLoopback: true, ChunkSize: 64 << 10})
			if err != nil {
				t.Fatal(err)
			}
			a, b := testApp(100 << 10)
			a.InstanceID = map[string]string{"platform": "21111111-2222-4333-8444-555555555555", "gateway": "31111111-2222-4333-8444-555555555555"}[name]
			if _, err := cl.PutApplication(context.Background(), a); err != nil {
				t.Fatal(err)
			}
			err = cl.Upload(context.Background(), a.InstanceID, a.Attachments[0], bytes.NewReader(b), "", nil)
			if !errors.Is(err, client.ErrTooLarge) || !client.Permanent(err) || errors.Is(err, client.ErrNotPlatform) {
				t.Fatalf("upload of a too-large chunk: %v, want permanent ErrTooLarge", err)
			}
		})
	}
}

// TestTusAnswersCheckedAndLocations: a tus answer without Tus-Resumable (a
// captive portal, a proxy page) is not the platform; a Location may be
// relative (resolved against the request, kept below the prefix) but never
// on another host or outside the tus endpoint.
func TestTusAnswersCheckedAndLocations(t *testing.T) {
	for _, tc := range []struct {
		name, loc string
		tusHdr    bool
		wantPath  string
		wantErr   error
	}{
		{"relative location", "/gw/v1/uploads/abc", true, "/v1/uploads/abc", nil},
		{"relative to the endpoint", "abc", true, "/v1/uploads/abc", nil},
		{"other host", "http://203.0.113.9/gw/v1/uploads/abc", true, "", client.ErrNotPlatform},
		{"outside the prefix", "/v1/uploads/abc", true, "", client.ErrNotPlatform},
		{"captive portal", "/gw/v1/uploads/abc", false, "", client.ErrNotPlatform},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.tusHdr {
					w.Header().Set("Tus-Resumable", "1.0.0")
				}
				w.Header().Set("Location", tc.loc)
				w.WriteHeader(http.StatusCreated)
			}))
			defer hs.Close()
			cl, err := client.New(client.Config{BaseURL: hs.URL + "/gw", AllowInsecureLoopback: true})
			if err != nil {
				t.Fatal(err)
			}
			a, _ := testApp(10)
			p, err := cl.CreateUpload(context.Background(), a.InstanceID, a.Attachments[0])
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("got %q, %v; want %v", p, err, tc.wantErr)
				}
				return
			}
			if err != nil || p != tc.wantPath {
				t.Fatalf("got %q, %v; want %q", p, err, tc.wantPath)
			}
		})
	}
}
