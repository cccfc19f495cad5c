package platformsim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
)

func newTestServer(t *testing.T, f Faults) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(Config{DataDir: t.TempDir(), Faults: f})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(func() { hs.Close(); s.Close() })
	return s, hs
}

func doReq(t *testing.T, method, url string, hdr map[string]string, body []byte) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestParseFaults(t *testing.T) {
	tests := []struct {
		in   string
		want Faults
		ok   bool
	}{
		{"", Faults{}, true},
		{"drop=0.2,captive=0.05,5xx=0.1,delay=200ms,truncate=0.05,slow=256kbit", Faults{Drop: 0.2, Captive: 0.05, Err5xx: 0.1, Delay: 200 * time.Millisecond, Truncate: 0.05, SlowBits: 256000}, true},
		{"seed=7,drop=1", Faults{Drop: 1, Seed: 7}, true},
		{"drop=2", Faults{}, false},
		{"drop", Faults{}, false},
		{"jam=0.1", Faults{}, false},
		{"slow=fast", Faults{}, false},
	}
	for _, tt := range tests {
		got, err := ParseFaults(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseFaults(%q) = %+v, %v", tt.in, got, err)
		}
	}
	f, _ := ParseFaults("drop=0.2,slow=256kbit")
	if g, _ := ParseFaults(f.String()); g != f {
		t.Errorf("String round trip: %q → %+v", f.String(), g)
	}
}

func form(t *testing.T, b []byte) (*kiosk.Application, []byte) {
	sum := sha256.Sum256(b)
	a := &kiosk.Application{InstanceID: "aaaaaaaa-0000-4000-8000-000000000001", AcceptanceNo: "N1", ItemCode: "X", Form: map[string]string{"k": "v"},
		State: kiosk.StateUploading, Attachments: []kiosk.Attachment{{ID: "p1", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}}}
	j, _ := json.Marshal(a)
	return a, j
}

func envelope(t *testing.T, r *http.Response) api.Envelope {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != api.ContentType {
		t.Fatalf("content type %q", ct)
	}
	var env api.Envelope
	if err := json.NewDecoder(r.Body).Decode(&env); err != nil || env.BMK != api.Version {
		t.Fatalf("no envelope: %v", err)
	}
	return env
}

func TestPutIsIdempotent(t *testing.T) {
	_, hs := newTestServer(t, Faults{})
	a, body := form(t, []byte("hello"))
	url := hs.URL + api.PathApplications + a.InstanceID
	steps := []struct {
		body []byte
		want int
		code string
	}{
		{body, 201, ""},
		{body, 200, ""},
		{bytes.Replace(body, []byte(`"k":"v"`), []byte(`"k":"w"`), 1), 409, api.CodeConflict},
		{[]byte(`{"instance_id":"other"}`), 400, api.CodeBadRequest},
		{[]byte(`<html>`), 400, api.CodeBadRequest},
	}
	for i, st := range steps {
		r := doReq(t, http.MethodPut, url, nil, st.body)
		env := envelope(t, r)
		if r.StatusCode != st.want || (st.code != "" && (env.Error == nil || env.Error.Code != st.code)) {
			t.Errorf("step %d: %d %+v, want %d %s", i, r.StatusCode, env.Error, st.want, st.code)
		}
	}
	// The local state does not count as content.
	a.State = kiosk.StateQueued
	j, _ := json.Marshal(a)
	if r := doReq(t, http.MethodPut, url, nil, j); r.StatusCode != 200 {
		t.Errorf("same form in another local state: %d", r.StatusCode)
	}
}

func TestTusChecksumAndCompletion(t *testing.T) {
	s, hs := newTestServer(t, Faults{})
	data := []byte("0123456789abcdef")
	a, body := form(t, data)
	doReq(t, http.MethodPut, hs.URL+api.PathApplications+a.InstanceID, nil, body)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	meta := func(att, sum string) string {
		return "instance_id " + b64(a.InstanceID) + ",attachment_id " + b64(att) + ",sha256 " + b64(sum)
	}
	tus := func(h map[string]string) map[string]string {
		h["Tus-Resumable"] = "1.0.0"
		return h
	}
	// refused creations
	for _, m := range []string{meta("nope", a.Attachments[0].SHA256), meta("p1", strings.Repeat("0", 64))} {
		r := doReq(t, http.MethodPost, hs.URL+api.PathUploads, tus(map[string]string{"Upload-Length": "16", "Upload-Metadata": m}), nil)
		if r.StatusCode != 400 {
			t.Errorf("creation with %q: %d", m, r.StatusCode)
		}
	}
	r := doReq(t, http.MethodPost, hs.URL+api.PathUploads, tus(map[string]string{"Upload-Length": "16", "Upload-Metadata": meta("p1", a.Attachments[0].SHA256)}), nil)
	if r.StatusCode != 201 {
		t.Fatalf("create: %d", r.StatusCode)
	}
	loc := r.Header.Get("Location")
	ck := func(b []byte) string {
		s := sha256.Sum256(b)
		return "sha256 " + base64.StdEncoding.EncodeToString(s[:])
	}
	patch := func(off string, b []byte, sum string) *http.Response {
		return doReq(t, http.MethodPatch, loc, tus(map[string]string{"Upload-Offset": off, "Content-Type": "application/offset+octet-stream", "Upload-Checksum": sum}), b)
	}
	if r := patch("0", data[:8], ck([]byte("garbage!"))); r.StatusCode != api.StatusChecksumMismatch {
		t.Errorf("bad checksum: %d", r.StatusCode)
	}
	if r := doReq(t, http.MethodHead, loc, tus(map[string]string{}), nil); r.Header.Get("Upload-Offset") != "0" {
		t.Errorf("offset after a refused chunk: %s", r.Header.Get("Upload-Offset"))
	}
	if r := doReq(t, http.MethodPost, hs.URL+api.PathApplications+a.InstanceID+"/complete", nil, nil); r.StatusCode != 409 {
		t.Errorf("complete before the bytes: %d", r.StatusCode)
	}
	if r := patch("0", data[:8], ck(data[:8])); r.StatusCode != 204 || r.Header.Get("Upload-Offset") != "8" {
		t.Errorf("chunk 1: %d %s", r.StatusCode, r.Header.Get("Upload-Offset"))
	}
	if r := patch("8", data[8:], ck(data[8:])); r.StatusCode != 204 {
		t.Errorf("chunk 2: %d", r.StatusCode)
	}
	for i := 0; i < 2; i++ {
		r := doReq(t, http.MethodPost, hs.URL+api.PathApplications+a.InstanceID+"/complete", nil, nil)
		env := envelope(t, r)
		var res api.CompleteResult
		json.Unmarshal(env.Data, &res)
		if r.StatusCode != 200 || len(res.Attachments) != 1 || res.Attachments[0].SHA256 != a.Attachments[0].SHA256 {
			t.Errorf("complete %d: %d %+v", i, r.StatusCode, res)
		}
	}
	rc, _ := s.Received()
	if len(rc) != 1 || !rc[0].Submitted || rc[0].Attachments[0].Size != 16 {
		t.Errorf("received %+v", rc)
	}
	// decide → status feed
	if err := s.Decide(api.Decision{InstanceID: a.InstanceID, State: kiosk.StateAccepted}); err != nil {
		t.Fatal(err)
	}
	if err := s.Decide(api.Decision{InstanceID: a.InstanceID, State: kiosk.StateDraft}); err == nil {
		t.Error("decided a non-decision state")
	}
	env := envelope(t, doReq(t, http.MethodGet, hs.URL+api.PathStatus+"?cursor=0", nil, nil))
	var page api.StatusPage
	json.Unmarshal(env.Data, &page)
	if len(page.Events) != 1 || page.Events[0].State != kiosk.StateAccepted || page.Next == "0" {
		t.Errorf("status page %+v", page)
	}
	env = envelope(t, doReq(t, http.MethodGet, hs.URL+api.PathStatus+"?cursor="+page.Next, nil, nil))
	json.Unmarshal(env.Data, &page)
	if len(page.Events) != 0 {
		t.Errorf("events after the cursor: %+v", page)
	}
}

func TestInjectedFaults(t *testing.T) {
	tests := []struct {
		name  string
		f     Faults
		check func(t *testing.T, r *http.Response, err error)
	}{
		{"captive", Faults{Captive: 1}, func(t *testing.T, r *http.Response, err error) {
			if err != nil || r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Errorf("%v %v", r, err)
			}
		}},
		{"5xx", Faults{Err5xx: 1}, func(t *testing.T, r *http.Response, err error) {
			if err != nil || r.StatusCode != 503 {
				t.Errorf("%v %v", r, err)
			}
		}},
		{"drop", Faults{Drop: 1}, func(t *testing.T, r *http.Response, err error) {
			if err == nil {
				t.Errorf("got %d, want a broken connection", r.StatusCode)
			}
		}},
		{"truncate", Faults{Truncate: 1}, func(t *testing.T, r *http.Response, err error) {
			if err == nil {
				var b bytes.Buffer
				_, err = b.ReadFrom(r.Body)
			}
			if err == nil {
				t.Error("a truncated answer read whole")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, hs := newTestServer(t, tt.f)
			_, body := form(t, []byte("x"))
			r, err := http.Post(hs.URL+api.PathRatings, "application/json", bytes.NewReader(body))
			if r != nil {
				defer r.Body.Close()
			}
			tt.check(t, r, err)
			// inspection is never faulted
			if r := doReq(t, http.MethodGet, hs.URL+api.PathInspectReceived, nil, nil); r.StatusCode != 200 {
				t.Errorf("inspect: %d", r.StatusCode)
			}
			c := s.FaultCounts()
			if c.Drop+c.Captive+c.Err5xx+c.Truncate != 1 {
				t.Errorf("counts %+v", c)
			}
		})
	}
}

func FuzzPut(f *testing.F) {
	_, j := form(nil, []byte("x"))
	f.Add(j)
	f.Add([]byte(`{"instance_id":"aaaaaaaa-0000-4000-8000-000000000001","attachments":[{"id":"","sha256":"x"}]}`))
	f.Add([]byte(`null`))
	s, err := New(Config{DataDir: f.TempDir()})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body []byte) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPut, api.PathApplications+"aaaaaaaa-0000-4000-8000-000000000001", bytes.NewReader(body))
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, body)
		}
		var env api.Envelope
		if json.Unmarshal(rec.Body.Bytes(), &env) != nil || env.BMK != api.Version {
			t.Fatalf("answer without envelope: %q", rec.Body.String())
		}
	})
}

func FuzzParseFaults(f *testing.F) {
	f.Add("drop=0.2,captive=0.05,5xx=0.1,delay=200ms,truncate=0.05,slow=256kbit")
	f.Add("seed=1")
	f.Fuzz(func(t *testing.T, s string) {
		fl, err := ParseFaults(s)
		if err != nil {
			return
		}
		if fl.Drop < 0 || fl.Drop > 1 || fl.Captive < 0 || fl.Captive > 1 {
			t.Fatalf("probability out of range: %+v", fl)
		}
	})
}

func TestStartLoopback(t *testing.T) {
	s, err := New(Config{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, err := s.StartLoopback(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("base %s", base)
	}
	r := doReq(t, http.MethodGet, base+api.PathCatalog, nil, nil)
	if env := envelope(t, r); r.StatusCode != 404 || env.Error == nil || env.Error.Code != api.CodeNoCatalog {
		t.Errorf("catalog without one: %d %+v", r.StatusCode, env.Error)
	}
}
