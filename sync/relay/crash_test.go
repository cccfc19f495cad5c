package relay

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/offline"
	"github.com/bianmin/kiosk/sync/client"
	"github.com/bianmin/kiosk/sync/platformsim"
)

// The crash harness: the relay runs in a child process (this test binary
// re-executed into TestCrashChild) over the real offline store, against the
// emulator served by the parent on loopback, and is killed with SIGKILL at
// random points. After the last run, every application queued locally must
// be on the emulator exactly once with byte-identical attachments.

const (
	envChild    = "BMK_RELAY_CRASH_CHILD"
	envDir      = "BMK_RELAY_CRASH_DIR"
	envPlatform = "BMK_RELAY_CRASH_URL"
)

func TestCrashChild(t *testing.T) {
	if os.Getenv(envChild) == "" {
		t.Skip("run as a child by TestCrashKill")
	}
	ctx := context.Background()
	dir := os.Getenv(envDir)
	key, err := offline.LoadKey(filepath.Join(dir, "store.key"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := offline.Open(ctx, filepath.Join(dir, "store"), key)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cl, err := client.New(client.Config{BaseURL: os.Getenv(envPlatform), AllowInsecureLoopback: true, ChunkSize: 16 << 10, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := New(st, cl, Config{BackoffBase: 5 * time.Millisecond, BackoffCap: 50 * time.Millisecond}, nil)
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		r.DrainOnce(ctx)
		if d, err := st.Depth(ctx); err == nil && d == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("child: queue not drained")
}

func TestCrashKill(t *testing.T) {
	if os.Getenv(envChild) != "" {
		t.Skip("child")
	}
	if testing.Short() {
		t.Skip("kills child processes for ~15 s")
	}
	kills := 20
	if os.Getenv("KIOSK_SOAK") == "1" {
		kills = 500
	}
	ctx := context.Background()
	srv, err := platformsim.New(platformsim.Config{DataDir: t.TempDir(), Faults: platformsim.Faults{Drop: 0.03, Truncate: 0.03, BadReceipt: 0.05, Delay: 3 * time.Millisecond, Seed: 42}})
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int64
	h := srv.Handler()
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	defer func() { hs.Close(); srv.Close() }()

	dir := t.TempDir()
	if err := offline.GenerateKeyFile(filepath.Join(dir, "store.key")); err != nil {
		t.Fatal(err)
	}
	key, err := offline.LoadKey(filepath.Join(dir, "store.key"))
	if err != nil {
		t.Fatal(err)
	}
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	want := map[string]*kiosk.Application{}
	seq := 0
	enqueue := func(n int) {
		st, err := offline.Open(ctx, filepath.Join(dir, "store"), key)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for i := 0; i < n; i++ {
			seq++
			a, files := makeApp(rnd, seq, rnd.IntN(3), 1, 300<<10)
			if err := st.Enqueue(ctx, a, files); err != nil {
				t.Fatal(err)
			}
			want[a.InstanceID] = a
		}
	}
	child := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), envChild+"=1", envDir+"="+dir, envPlatform+"="+hs.URL)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if testing.Verbose() {
			cmd.Stdout = nil
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	enqueue(3)
	exited, midSync := 0, 0
	// Count only kills that landed while the child talked to the platform.
	i := 0
	for ; midSync < kills && i < 4*kills; i++ {
		enqueue(1) // there is always work for the child
		before := requests.Load()
		cmd := child()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		// Wait until the child talks to the platform, then kill it at a
		// random moment of its work.
		finished := false
		for t0 := time.Now(); requests.Load() == before && time.Since(t0) < 10*time.Second && !finished; {
			select {
			case <-done:
				finished = true
			case <-time.After(2 * time.Millisecond):
			}
		}
		if !finished {
			time.Sleep(time.Duration(rnd.IntN(300)) * time.Millisecond)
			cmd.Process.Signal(syscall.SIGKILL)
			if err := <-done; err == nil {
				finished = true
			}
		}
		if finished {
			exited++ // drained before the kill
		} else if requests.Load() > before {
			midSync++
		}
	}
	if midSync < kills {
		t.Errorf("only %d of %d kills landed while syncing", midSync, i)
	}
	cmd := child()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("final run: %v", err)
		}
	case <-time.After(50 * time.Second):
		cmd.Process.Kill()
		t.Fatal("final run did not finish")
	}
	st, err := offline.Open(ctx, filepath.Join(dir, "store"), key)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if d, _ := st.Depth(ctx); d != 0 {
		t.Errorf("depth %d after the final run", d)
	}
	for id := range want {
		a, err := st.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if a.State != kiosk.StateSubmitted {
			t.Errorf("%s is %s locally", id, a.State)
		}
	}
	checkReceived(t, srv, want)
	t.Logf("%d applications, %d kills (%d while syncing, %d runs finished first), %d requests, faults %+v", len(want), i, midSync, exited, requests.Load(), srv.FaultCounts())
}
