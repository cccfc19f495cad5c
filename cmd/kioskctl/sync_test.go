package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/platformsim"
)

func syncTestStore(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	if err := offline.GenerateKeyFile(filepath.Join(dir, "store.key")); err != nil {
		t.Fatal(err)
	}
	key, err := offline.LoadKey(filepath.Join(dir, "store.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := offline.Open(context.Background(), dir, key)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := 0; i < n; i++ {
		b := bytes.Repeat([]byte{byte(i), 1, 2, 3}, 40000+i)
		sum := sha256.Sum256(b)
		a := &kiosk.Application{InstanceID: fmt.Sprintf("0000000%d-0000-4000-8000-000000000000", i), AcceptanceNo: fmt.Sprintf("330106001-T01-20261123-%04d", i+1),
			ItemCode: "X1", ItemName: "测试", Form: map[string]string{}, CreatedAt: time.Now(), Test: true,
			Attachments: []kiosk.Attachment{{ID: "p1", Name: "p1.pdf", MediaType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}}}
		if err := st.Enqueue(context.Background(), a, map[string][]byte{"p1": b}); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSyncNow(t *testing.T) {
	tests := []struct {
		name     string
		faults   platformsim.Faults
		extra    []string
		wantCode int
		wantHeld int
	}{
		{"drains", platformsim.Faults{}, nil, 0, 3},
		{"drains through faults", platformsim.Faults{Drop: 0.2, Err5xx: 0.1, Seed: 3}, nil, 0, 3},
		{"captive portal", platformsim.Faults{Captive: 1}, []string{"--once"}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir(), Faults: tt.faults})
			if err != nil {
				t.Fatal(err)
			}
			hs := httptest.NewServer(srv.Handler())
			defer func() { hs.Close(); srv.Close() }()
			dir := syncTestStore(t, 3)
			var out, errb bytes.Buffer
			args := append([]string{"sync", "now", "--platform", hs.URL, "--data", dir, "--timeout", "40s"}, tt.extra...)
			code := run(context.Background(), args, &out, &errb)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tt.wantCode, out.String(), errb.String())
			}
			rc, _ := srv.Received()
			held := 0
			for _, r := range rc {
				if r.Submitted {
					held++
				}
				if !r.Test { // synthetic applications are flagged on the wire
					t.Errorf("platform holds %s without the test flag", r.InstanceID)
				}
			}
			if held != tt.wantHeld {
				t.Errorf("platform holds %d submitted, want %d", held, tt.wantHeld)
			}
			if tt.wantCode == 0 && !strings.Contains(out.String(), "queue drained") {
				t.Errorf("stdout %q", out.String())
			}
		})
	}
}

func TestSyncNowRefusesPlainRemote(t *testing.T) {
	dir := syncTestStore(t, 0)
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"sync", "now", "--platform", "http://192.0.2.1:8080", "--data", dir}, &out, &errb); code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, errb.String())
	}
}
