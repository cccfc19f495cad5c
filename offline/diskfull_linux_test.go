package offline

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"testing"
)

// TestEnqueueRealDiskFull fills a small tmpfs (needs root; skipped
// otherwise) until Enqueue fails, and checks that the failure is ErrDiskFull,
// that every application reported as queued is intact, and that the failed
// enqueues left no files behind.
func TestEnqueueRealDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	for _, tt := range []struct {
		name      string
		files     int // attachments of 24 KiB each
		formBytes int
	}{
		{"sealed files fill it", 2, 0},
		{"the database fills it", 0, 20 << 10},
	} {
		t.Run(tt.name, func(t *testing.T) { diskFull(t, tt.files, tt.formBytes) })
	}
}

func diskFull(t *testing.T, nfiles, formBytes int) {
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	ctx := context.Background()
	// A reserve smaller than the disk, so that applications fit first.
	s, err := Open(ctx, dir, testKey, WithOrphanGrace(0), WithHeadroom(128<<10))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 4))
	var ok []string
	var failErr error
	for i := range 200 {
		app, f := testApp(i+1, "11010519491231002X", nfiles, 24<<10, rng)
		if formBytes > 0 {
			b := make([]byte, formBytes)
			for j := range b {
				b[j] = 'a' + byte(rng.IntN(26))
			}
			app.Form["remark"] = string(b)
		}
		if err := s.Enqueue(ctx, app, f); err != nil {
			failErr = err
			break
		}
		ok = append(ok, app.InstanceID)
	}
	if failErr == nil {
		t.Fatal("1 MiB never filled up")
	}
	if len(ok) == 0 {
		t.Fatalf("not one application fitted: %v", failErr)
	}
	if !errors.Is(failErr, ErrDiskFull) {
		t.Fatalf("Enqueue on a full disk = %v, want ErrDiskFull", failErr)
	}
	t.Logf("%d applications fitted; then: %v", len(ok), failErr)
	s.Close()
	s, err = Open(ctx, dir, testKey, WithOrphanGrace(0), WithHeadroom(128<<10))
	if err != nil {
		t.Fatalf("re-open on a full disk: %v", err)
	}
	defer s.Close()
	for _, id := range ok {
		app, err := s.Get(ctx, id)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		for _, a := range app.Attachments {
			if _, err := s.readAttachment(ctx, id, a.ID); err != nil {
				t.Errorf("%s/%s: %v", id, a.ID, err)
			}
		}
	}
	var refs int
	s.r.QueryRow(`SELECT count(*) FROM attachments`).Scan(&refs)
	if files := listFiles(t, s.attDir); len(files) != refs {
		t.Errorf("%d files under attachments/, %d referenced", len(files), refs)
	}
}
