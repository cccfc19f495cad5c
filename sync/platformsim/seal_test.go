package platformsim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
)

// TestFormsSealedAtRest: a resident's form and rating reach the emulator,
// and no file under its data directory holds the name, the ID number or the
// rating's comment in the clear; the emulator still compares and serves
// them, also after a restart with the same key. Mutation killed: storing the
// form JSON as received.
func TestFormsSealedAtRest(t *testing.T) {
	dir := t.TempDir()
	s, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	a, _ := form(t, []byte("page"))
	a.Applicant = kiosk.Identity{Name: "欧阳秀英", IDNumber: "11010519491231002X"}
	a.Form["address"] = "翠苑一区七幢"
	body, _ := json.Marshal(a)
	if r := doReq(t, http.MethodPut, hs.URL+api.PathApplications+a.InstanceID, nil, body); r.StatusCode != 201 {
		t.Fatalf("put: %d", r.StatusCode)
	}
	if r := doReq(t, http.MethodPut, hs.URL+api.PathApplications+a.InstanceID, nil, body); r.StatusCode != 200 {
		t.Fatalf("same form again: %d", r.StatusCode)
	}
	rt, _ := json.Marshal(kiosk.Rating{InstanceID: a.InstanceID, AcceptanceNo: a.AcceptanceNo, Level: 5, Comment: "谢谢欧阳阿姨的邻居"})
	if r := doReq(t, http.MethodPost, hs.URL+api.PathRatings, nil, rt); r.StatusCode != 201 {
		t.Fatalf("rating: %d", r.StatusCode)
	}
	if got, _, err := s.formOf(a.InstanceID); err != nil || got.Applicant.Name != "欧阳秀英" {
		t.Fatalf("the emulator cannot read its own form: %v", err)
	}
	for _, secret := range []string{"欧阳秀英", "11010519491231002X", "翠苑一区七幢", "谢谢欧阳阿姨"} {
		filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return nil
			}
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %q in the clear", p, secret)
			}
			return nil
		})
	}
	hs.Close()
	s.Close()
	s2, err := New(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, _, err := s2.formOf(a.InstanceID); err != nil || got.Applicant.IDNumber != "11010519491231002X" {
		t.Fatalf("after a restart: %v", err)
	}
}
