package esclsim

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/devices/scanner/escl"
	"github.com/bianmin/kiosk/devices/scanner/sim"
)

// TestProtocol checks the emulator's HTTP answers directly, without the
// client: capabilities parse, jobs give 201 + Location, pages then 404,
// unknown jobs 404, DELETE counts.
func TestProtocol(t *testing.T) {
	srv := httptest.NewServer(New(sim.New(sim.Knobs{Pages: 1}), nil))
	defer srv.Close()
	get := func(p string) *http.Response {
		r, err := http.Get(srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}
	if _, err := escl.ParseCapabilities(CapabilitiesXML); err != nil {
		t.Fatal(err)
	}
	body := strings.NewReader(`<scan:ScanSettings xmlns:scan="x" xmlns:pwg="y"><pwg:InputSource>Feeder</pwg:InputSource><scan:XResolution>50</scan:XResolution></scan:ScanSettings>`)
	r, err := http.Post(srv.URL+"/eSCL/ScanJobs", "text/xml", body)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	loc := r.Header.Get("Location") // absolute, as real scanners send it
	if r.StatusCode != http.StatusCreated || !strings.HasPrefix(loc, srv.URL+"/eSCL/ScanJobs/") {
		t.Fatalf("post: %d %q", r.StatusCode, loc)
	}
	loc = strings.TrimPrefix(loc, srv.URL)
	if r := get(loc + "/NextDocument"); r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("page: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	if r := get(loc + "/NextDocument"); r.StatusCode != 404 {
		t.Fatalf("after the last page: %d", r.StatusCode)
	}
	if r := get("/eSCL/ScanJobs/nope/NextDocument"); r.StatusCode != 404 {
		t.Fatalf("unknown job: %d", r.StatusCode)
	}
	bad, _ := http.Post(srv.URL+"/eSCL/ScanJobs", "text/xml", strings.NewReader("garbage"))
	bad.Body.Close()
	if bad.StatusCode != http.StatusBadRequest {
		t.Fatalf("garbage settings: %d", bad.StatusCode)
	}
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+loc, nil)
	dr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	dr.Body.Close()
	if dr.StatusCode != 200 {
		t.Fatalf("delete: %d", dr.StatusCode)
	}
}
