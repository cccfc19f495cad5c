package platformsim

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bianmin/kiosk/sync/api"
)

// npmModules finds build/npm/node_modules at the module root, where
// packaging/scripts/install-npm.sh (make deps) installs the pinned peers.
func npmModules(t *testing.T, pkg string) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("module root not found")
		}
		dir = up
	}
	nm := filepath.Join(dir, "build", "npm", "node_modules")
	if _, err := os.Stat(filepath.Join(nm, pkg, "package.json")); err != nil {
		t.Fatalf("%s is not installed in %s: run make deps (packaging/scripts/install-npm.sh)", pkg, nm)
	}
	return nm
}

// cutter cuts the nth PATCH's connection after cut body bytes and counts
// PATCH body bytes and HEAD requests.
type cutter struct {
	next    http.Handler
	nth     int
	cut     int64
	mu      sync.Mutex
	patches int
	heads   int
	body    atomic.Int64
}

func (c *cutter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	cut := int64(0)
	switch r.Method {
	case http.MethodPatch:
		c.patches++
		if c.patches == c.nth {
			cut = c.cut
		}
	case http.MethodHead:
		c.heads++
	}
	c.mu.Unlock()
	if r.Method == http.MethodPatch {
		r.Body = countBody{r.Body, &c.body}
	}
	if cut == 0 {
		c.next.ServeHTTP(w, r)
		return
	}
	r.Body = io.NopCloser(io.MultiReader(io.LimitReader(r.Body, cut), brokenReader{}))
	c.next.ServeHTTP(discard{}, r)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
	}
}

type brokenReader struct{}

func (brokenReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

type countBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countBody) Read(p []byte) (int, error) {
	k, err := c.ReadCloser.Read(p)
	c.n.Add(int64(k))
	return k, err
}

// TestTusJSClientUploadsWithResume: the official JavaScript tus client
// (tus-js-client 4.3.1 under node) uploads an attachment of a held form; its
// second PATCH loses the connection mid-body; it asks for the offset (HEAD),
// resumes there, and the platform completes the application with the
// attachment intact.
func TestTusJSClientUploadsWithResume(t *testing.T) {
	nm := npmModules(t, "tus-js-client")
	srv, err := New(Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	const chunk, cut = 64 << 10, 10000
	cu := &cutter{next: srv.Handler(), nth: 2, cut: cut}
	hs := httptest.NewServer(cu)
	t.Cleanup(func() { hs.Close(); srv.Close() })

	data := make([]byte, 200<<10+3)
	rand.Read(data)
	a, _ := form(t, data)
	putForm(t, hs.URL, a)
	file := filepath.Join(t.TempDir(), "p1.pdf")
	os.WriteFile(file, data, 0o600)
	md, _ := json.Marshal(map[string]string{api.MetaInstanceID: a.InstanceID, api.MetaAttachmentID: "p1", api.MetaSHA256: a.Attachments[0].SHA256})

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "testdata/tusjs/upload.js", hs.URL+api.PathUploads, file, strconv.Itoa(chunk), string(md))
	cmd.Env = append(os.Environ(), "NODE_PATH="+nm)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tus-js-client: %v: %s", err, stderr.String())
	}
	var res struct {
		URL     string  `json:"url"`
		Offsets []int64 `json:"offsets"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("node printed %q: %v", out, err)
	}
	cu.mu.Lock()
	heads, patches := cu.heads, cu.patches
	cu.mu.Unlock()
	if heads < 1 || patches < 4 {
		t.Errorf("%d HEAD, %d PATCH: no resume after the cut", heads, patches)
	}
	// Resumed at the offset the emulator held (the cut chunk's prefix kept):
	// every byte crossed once; from the chunk's start it would be cut more,
	// from zero a whole chunk and the cut more.
	if got, want := cu.body.Load(), int64(len(data)); got != want {
		t.Errorf("PATCH bodies carried %d bytes, want %d (the file once)", got, want)
	}
	if n := len(res.Offsets); n == 0 || res.Offsets[n-1] != int64(len(data)) {
		t.Errorf("client offsets %v", res.Offsets)
	}
	rc, err := srv.Received()
	if err != nil || len(rc) != 1 || len(rc[0].Attachments) != 1 || rc[0].Attachments[0].SHA256 != a.Attachments[0].SHA256 {
		t.Fatalf("received %+v %v", rc, err)
	}
	r := doReq(t, http.MethodPost, hs.URL+api.PathApplications+a.InstanceID+"/complete", nil, []byte("{}"))
	if r.StatusCode != http.StatusOK {
		t.Errorf("complete after tus-js-client upload: %d", r.StatusCode)
	}
}
