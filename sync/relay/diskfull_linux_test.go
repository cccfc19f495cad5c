package relay

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/platformsim"
)

// TestSyncOnAFullDisk fills a small tmpfs with applications until the store
// refuses new ones, fills what is left with another file, and drains: every
// application reaches the platform and is marked submitted locally, because
// the state transitions run in the reserved headroom. Needs root for the
// mount (it is root in CI's container and here). Mutation killed: a store
// without the reserve (WithHeadroom(0)): "mark submitted: disk full" on
// every pass.
func TestSyncOnAFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	ctx := context.Background()
	key := offline.Key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}
	st, err := offline.Open(ctx, filepath.Join(dir, "store"), key, offline.WithHeadroom(offline.DefaultHeadroom))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rnd := rand.New(rand.NewPCG(5, 5))
	want := map[string]*kiosk.Application{}
	var refused error
	for i := 1; i < 500; i++ {
		a, files := makeApp(rnd, i, 1, 40<<10, 80<<10)
		if err := st.Enqueue(ctx, a, files); err != nil {
			refused = err
			break
		}
		want[a.InstanceID] = a
	}
	if !errors.Is(refused, offline.ErrDiskFull) || len(want) < 5 {
		t.Fatalf("after %d applications Enqueue = %v, want ErrDiskFull after some", len(want), refused)
	}
	// Whatever space is left goes to another file: the disk is full.
	f, _ := os.Create(filepath.Join(dir, "filler"))
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	f.Close()

	sim := startSim(t, platformsim.Faults{}, 64<<10)
	r := New(st, sim.cl, Config{}, nil)
	if err := r.DrainOnce(ctx); err != nil {
		t.Fatalf("drain on a full disk: %v", err)
	}
	checkReceived(t, sim.srv, want)
	for id := range want {
		if sum, err := st.Summary(ctx, id); err != nil || sum.State != kiosk.StateSubmitted {
			t.Errorf("%s locally %s, %v", id, sum.State, err)
		}
	}
	if st.HeadroomInPlace() {
		t.Log("the reserve was not needed")
	}
	// New applications stay refused until space is freed, then accepted.
	a, files := makeApp(rnd, 999, 0, 0, 0)
	if err := st.Enqueue(ctx, a, files); !errors.Is(err, offline.ErrDiskFull) {
		t.Errorf("Enqueue with the headroom in use = %v, want ErrDiskFull", err)
	}
	// The platform completes them; retention purges their files, which
	// frees the space: the reserve is restored and new applications accepted.
	for id := range want {
		if err := st.ApplyStatus(ctx, id, kiosk.StateCompleted, time.Now(), ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Purge(ctx, time.Now().Add(offline.DefaultRetention+time.Hour), 0); err != nil {
		t.Fatal(err)
	}
	if !st.HeadroomInPlace() {
		t.Error("the reserve was not restored after the purge freed space")
	}
	if err := st.Enqueue(ctx, a, files); err != nil {
		t.Errorf("Enqueue after space was freed: %v", err)
	}
}
