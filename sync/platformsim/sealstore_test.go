package platformsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/bianmin/kiosk/sync/api"
)

// pageMarker stands for what a scanned identity page holds; no file of the
// emulator's data directory may contain it.
const pageMarker = "RESIDENT-PAGE-MARKER 11010519491231002X"

// scanPage is a page larger than one sealing segment, with the marker at the
// start, across the segment boundary and at the end.
func scanPage() []byte {
	var b bytes.Buffer
	b.WriteString(pageMarker)
	for b.Len() < sealSegment-len(pageMarker)/2 {
		b.WriteString("scan line of a page ")
	}
	b.Truncate(sealSegment - len(pageMarker)/2)
	b.WriteString(pageMarker)
	for b.Len() < sealSegment+300_000 {
		b.WriteString("more lines ")
	}
	b.WriteString(pageMarker)
	return b.Bytes()
}

func dirHolds(t *testing.T, dir string, secret []byte) []string {
	t.Helper()
	var found []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, secret) {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// TestAttachmentsSealedAtRest: a page uploaded over tus in two PATCHes (the
// second resuming where HEAD says) is complete and verified by the platform,
// Received reports its sha256, also after a restart, and no file under the
// data directory holds the page's marker in the clear, neither while the
// upload is half done nor after. Mutations killed: storing uploads in
// tusd's plain filestore (useStore(comp, filestore.New(up))), sealing
// nothing (seal returning its plaintext), a reader that skips the seal.
func TestAttachmentsSealedAtRest(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	page := scanPage()
	a, _ := form(t, page)
	putForm(t, hs.URL, a)
	r := doReq(t, http.MethodPost, hs.URL+api.PathUploads, tusHdr(map[string]string{
		"Upload-Length": strconv.Itoa(len(page)), "Upload-Metadata": meta(a)}), nil)
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusCreated || loc == "" {
		t.Fatalf("create: %d", r.StatusCode)
	}
	patch := func(off int, b []byte) *http.Response {
		sum := sha256.Sum256(b)
		return doReq(t, http.MethodPatch, loc, tusHdr(map[string]string{
			"Content-Type": "application/offset+octet-stream", "Upload-Offset": strconv.Itoa(off),
			"Upload-Checksum": api.TusChecksumAlgo + " " + base64.StdEncoding.EncodeToString(sum[:])}), b)
	}
	half := sealSegment + 1000
	if r := patch(0, page[:half]); r.StatusCode != http.StatusNoContent {
		t.Fatalf("first PATCH: %d", r.StatusCode)
	}
	if f := dirHolds(t, dir, []byte(pageMarker)); len(f) > 0 {
		t.Errorf("half-uploaded page readable in %v", f)
	}
	r = doReq(t, http.MethodHead, loc, tusHdr(nil), nil)
	if got := r.Header.Get("Upload-Offset"); got != strconv.Itoa(half) {
		t.Fatalf("HEAD offset %q, want %d (the plaintext length)", got, half)
	}
	if r := patch(half, page[half:]); r.StatusCode != http.StatusNoContent {
		t.Fatalf("second PATCH: %d", r.StatusCode)
	}
	if r := doReq(t, http.MethodPost, hs.URL+api.PathApplications+a.InstanceID+"/complete", nil, []byte("{}")); r.StatusCode != http.StatusOK {
		t.Fatalf("complete: %d (the platform could not verify the sealed page)", r.StatusCode)
	}
	if f := dirHolds(t, dir, []byte(pageMarker)); len(f) > 0 {
		t.Errorf("uploaded page readable in the clear in %v", f)
	}
	want := hex.EncodeToString(func() []byte { s := sha256.Sum256(page); return s[:] }())
	check := func(s *Server, when string) {
		t.Helper()
		rc, err := s.Received()
		if err != nil || len(rc) != 1 || len(rc[0].Attachments) != 1 {
			t.Fatalf("%s: received %+v, %v", when, rc, err)
		}
		if at := rc[0].Attachments[0]; at.SHA256 != want || at.Size != int64(len(page)) {
			t.Errorf("%s: platform reads %s (%d bytes), want %s (%d)", when, at.SHA256, at.Size, want, len(page))
		}
	}
	check(s, "running")
	hs.Close()
	s.Close()
	s2, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	check(s2, "after a restart")
}

// TestSealedUploadTornRecord: a record cut short by a crash mid-write is
// not counted in the offset, and the next PATCH at that offset replaces it;
// the whole upload then verifies. Mutation killed: counting the torn tail
// (scanRecords ignoring the file's size).
func TestSealedUploadTornRecord(t *testing.T) {
	s, hs := newTestServer(t, Faults{})
	page := []byte("first half|second half")
	a, _ := form(t, page)
	putForm(t, hs.URL, a)
	r := doReq(t, http.MethodPost, hs.URL+api.PathUploads, tusHdr(map[string]string{
		"Upload-Length": strconv.Itoa(len(page)), "Upload-Metadata": meta(a)}), nil)
	loc := r.Header.Get("Location")
	patch := func(off int, b []byte) *http.Response {
		return doReq(t, http.MethodPatch, loc, tusHdr(map[string]string{
			"Content-Type": "application/offset+octet-stream", "Upload-Offset": strconv.Itoa(off)}), b)
	}
	if r := patch(0, page[:11]); r.StatusCode != http.StatusNoContent {
		t.Fatalf("PATCH: %d", r.StatusCode)
	}
	rc := func() string {
		var path string
		ents, _ := os.ReadDir(filepath.Join(s.cfg.DataDir, "uploads"))
		for _, e := range ents {
			if filepath.Ext(e.Name()) == "" {
				path = filepath.Join(s.cfg.DataDir, "uploads", e.Name())
			}
		}
		return path
	}()
	f, err := os.OpenFile(rc, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0, 0, 0, 200, 'P', 'S', 'S', '1', 9, 9}) // a record torn after 6 of 204 bytes
	f.Close()
	r = doReq(t, http.MethodHead, loc, tusHdr(nil), nil)
	if got := r.Header.Get("Upload-Offset"); got != "11" {
		t.Fatalf("HEAD offset %q after a torn record, want 11", got)
	}
	if r := patch(11, page[11:]); r.StatusCode != http.StatusNoContent {
		t.Fatalf("PATCH after the torn record: %d", r.StatusCode)
	}
	if r := doReq(t, http.MethodPost, hs.URL+api.PathApplications+a.InstanceID+"/complete", nil, []byte("{}")); r.StatusCode != http.StatusOK {
		t.Fatalf("complete: %d", r.StatusCode)
	}
}

// TestLegacyPlainUploadsSealedOnOpen: a data directory written before
// attachments were sealed (a plain data file beside its .info) is sealed in
// place when the emulator opens it, and still reads back.
func TestLegacyPlainUploadsSealedOnOpen(t *testing.T) {
	dir := t.TempDir()
	up := filepath.Join(dir, "uploads")
	os.MkdirAll(up, 0o700)
	os.WriteFile(filepath.Join(up, "abc123"), []byte(pageMarker), 0o600)
	os.WriteFile(filepath.Join(up, "abc123.info"), []byte(`{"ID":"abc123"}`), 0o600)
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if f := dirHolds(t, dir, []byte(pageMarker)); len(f) > 0 {
		t.Errorf("legacy plain upload still readable in %v", f)
	}
	sum, n, err := s.attachmentSum(filepath.Join(up, "abc123"), "abc123")
	want := sha256.Sum256([]byte(pageMarker))
	if err != nil || sum != hex.EncodeToString(want[:]) || n != int64(len(pageMarker)) {
		t.Errorf("sealed legacy upload reads %s %d %v", sum, n, err)
	}
}
