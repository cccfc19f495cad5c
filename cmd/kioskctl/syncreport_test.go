package main

import (
	"bytes"
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bianmin/kiosk/sync/platformsim"
)

// sync now against a platform that refuses ends with what the network or
// the platform said, per application, not with its own deadline.
func TestSyncNowNamesTheCause(t *testing.T) {
	// A port nothing listens on: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()

	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir(), Faults: platformsim.Faults{Err5xx: 1, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer func() { hs.Close(); srv.Close() }()

	for _, tc := range []struct{ name, url, says string }{
		{"unreachable", refused, "connection refused"},
		{"platform answers 503", hs.URL, "503"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := syncTestStore(t, 2)
			var out, errb bytes.Buffer
			// Past its deadline: the command's own timeout ends it.
			code := run(context.Background(), []string{"sync", "now", "--platform", tc.url, "--data", dir, "--timeout", "2s", "--quiet"}, &out, &errb)
			errs := errb.String()
			if code != 3 {
				t.Fatalf("exit %d, want 3\n%s", code, errs)
			}
			last := errs[strings.LastIndex(strings.TrimRight(errs, "\n"), "\n")+1:]
			if !strings.HasPrefix(last, "kioskctl sync now: 2 applications not submitted: ") || !strings.Contains(last, tc.says) || strings.Contains(errs, "deadline exceeded") {
				t.Errorf("last line %q, want the cause %q and no deadline\n%s", last, tc.says, errs)
			}
			for _, id := range []string{"00000000-0000-4000-8000-000000000000", "00000001-0000-4000-8000-000000000000"} {
				found := false
				for _, l := range strings.Split(errs, "\n") {
					if strings.Contains(l, id) && strings.Contains(l, tc.says) {
						found = true
					}
				}
				if !found {
					t.Errorf("no line for %s with its last error %q:\n%s", id, tc.says, errs)
				}
			}
		})
	}
}
