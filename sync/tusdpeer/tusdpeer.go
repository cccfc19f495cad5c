// Package tusdpeer serves an unmodified tusd v2 handler (filestore,
// memorylocker) under a path prefix on loopback, as a third-party tus server
// for tests and benchmarks: the tus client's conformance test and the
// bytes-over-payload benchmark use it. It can cut one PATCH mid-body (the
// connection is closed after a given number of body bytes) and counts what
// arrived on the wire. Test code only; never imported by the kiosk.
package tusdpeer

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tus/tusd/v2/pkg/filestore"
	tushandler "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"
)

// UploadsPath is where the tus endpoint sits below the prefix (the
// platform protocol's path, docs/platform-api.md).
const UploadsPath = "/v1/uploads/"

// Server is a running tusd.
type Server struct {
	// URL is the base URL a platform client is configured with:
	// http://127.0.0.1:PORT + prefix (without a trailing slash).
	URL string
	// Dir holds tusd's files: ID (the bytes) and ID.info per upload.
	Dir string

	hs        *httptest.Server
	wire      atomic.Int64 // bytes read from client connections
	patchBody atomic.Int64 // PATCH body bytes handed to tusd
	mu        sync.Mutex
	cutAfter  int64 // >0: cut the next PATCH after this many body bytes
	requests  []string
}

// Start serves tusd under prefix (such as "/kiosk", or "" for none) with
// its upload files in dir. Close it when done.
func Start(prefix, dir string) (*Server, error) {
	prefix = strings.TrimRight(prefix, "/")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	comp := tushandler.NewStoreComposer()
	filestore.New(dir).UseIn(comp)
	memorylocker.New().UseIn(comp)
	base := prefix + UploadsPath
	h, err := tushandler.NewHandler(tushandler.Config{
		StoreComposer: comp,
		BasePath:      base,
		Logger:        expslog.New(expslog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir}
	mux := http.NewServeMux()
	// As tusd's documentation mounts it: the handler sees paths below its
	// base path, and builds absolute Location URLs from BasePath.
	mux.Handle(base, http.StripPrefix(strings.TrimSuffix(base, "/"), s.wrap(h)))
	s.hs = httptest.NewUnstartedServer(mux)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.hs.Listener = &countingListener{Listener: ln, n: &s.wire}
	s.hs.Start()
	s.URL = s.hs.URL + prefix
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.hs.Close() }

// CutNextPatch makes the next PATCH lose its connection after n body bytes
// reached tusd (tusd keeps those bytes, as after a real broken link).
func (s *Server) CutNextPatch(n int64) {
	s.mu.Lock()
	s.cutAfter = n
	s.mu.Unlock()
}

// WireBytes is the number of bytes read from client connections so far
// (request lines, headers and bodies).
func (s *Server) WireBytes() int64 { return s.wire.Load() }

// PatchBodyBytes is the number of PATCH body bytes tusd received so far.
func (s *Server) PatchBodyBytes() int64 { return s.patchBody.Load() }

// Requests lists "METHOD path" of every tus request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// File returns the bytes tusd holds for the upload at URL path or URL u
// (its last path segment is the upload ID).
func (s *Server) File(u string) ([]byte, error) {
	return os.ReadFile(filepath.Join(s.Dir, filepath.Base(u)))
}

func (s *Server) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		cut := int64(0)
		if r.Method == http.MethodPatch && s.cutAfter > 0 {
			cut, s.cutAfter = s.cutAfter, 0
		}
		s.mu.Unlock()
		if r.Method == http.MethodPatch {
			r.Body = &countingBody{ReadCloser: r.Body, n: &s.patchBody}
		}
		if cut == 0 {
			next.ServeHTTP(w, r)
			return
		}
		// The link breaks: tusd reads cut bytes then an unexpected EOF,
		// keeps what it read; the client never gets an answer.
		r.Body = io.NopCloser(io.MultiReader(io.LimitReader(r.Body, cut), errReader{}))
		next.ServeHTTP(nopWriter{h: http.Header{}}, r)
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
			}
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

type nopWriter struct{ h http.Header }

func (n nopWriter) Header() http.Header       { return n.h }
func (nopWriter) Write(p []byte) (int, error) { return len(p), nil }
func (nopWriter) WriteHeader(int)             {}

type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c *countingBody) Read(p []byte) (int, error) {
	k, err := c.ReadCloser.Read(p)
	c.n.Add(int64(k))
	return k, err
}

type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, n: l.n}, nil
}

type countingConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	k, err := c.Conn.Read(p)
	c.n.Add(int64(k))
	return k, err
}
