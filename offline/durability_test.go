package offline

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

var soak = flag.Bool("soak", false, "run the long durability soak (also KIOSK_SOAK=1)")

const childEnv = "KIOSK_OFFLINE_DURABILITY_CHILD"

// TestDurabilityChild is the child half of TestDurabilityKill: it enqueues
// applications in a loop and prints each instance ID once Enqueue returned.
func TestDurabilityChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("child process of TestDurabilityKill only")
	}
	ctx := context.Background()
	s, err := Open(ctx, dir, testKey, WithOrphanGrace(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	for {
		seq, err := s.NextAcceptanceSeq(ctx, time.Now())
		if err != nil {
			fmt.Fprintln(os.Stderr, "child seq:", err)
			os.Exit(3)
		}
		app, files := testApp(seq, "11010519491231002X", 1+rng.IntN(2), 1+rng.IntN(16<<10), rng)
		app.AcceptanceNo = fmt.Sprintf("D-%d-%d", os.Getpid(), seq)
		if err := s.Enqueue(ctx, app, files); err != nil {
			fmt.Fprintln(os.Stderr, "child enqueue:", err)
			os.Exit(3)
		}
		fmt.Fprintln(os.Stdout, app.InstanceID) // unbuffered: one write after Enqueue returned
	}
}

// TestDurabilityKill SIGKILLs an enqueuing process at random points and checks,
// after each re-open, that every application it reported as queued is there
// with intact, decryptable attachments, and that nothing half-written remains.
func TestDurabilityKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	kills := 20
	if *soak || os.Getenv("KIOSK_SOAK") == "1" {
		kills = 500
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(7, uint64(time.Now().UnixNano())))
	promised := map[string]bool{}
	for k := range kills {
		ids := runAndKill(t, dir, time.Duration(rng.IntN(150))*time.Millisecond)
		for _, id := range ids {
			promised[id] = true
		}
		verifyStore(t, dir, promised)
		if t.Failed() {
			t.Fatalf("after kill %d", k+1)
		}
	}
	t.Logf("%d kills, %d applications promised and found intact", kills, len(promised))
	if len(promised) == 0 {
		t.Fatal("the child never reported an enqueue")
	}
}

func runAndKill(t *testing.T, dir string, after time.Duration) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		br := bufio.NewReader(out)
		for {
			line, err := br.ReadString('\n')
			if err != nil { // a line cut by the kill was never promised
				io.Copy(io.Discard, br)
				return
			}
			lines <- strings.TrimSpace(line)
		}
	}()
	var ids []string
	select {
	case id := <-lines: // running: now kill at a random point
		ids = append(ids, id)
	case <-done:
		cmd.Wait()
		t.Fatalf("child exited early: %s", stderr.String())
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child never enqueued: %s", stderr.String())
	}
	time.Sleep(after)
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	cmd.Wait()
	close(lines)
	for id := range lines {
		ids = append(ids, id)
	}
	if strings.Contains(stderr.String(), "child ") {
		t.Fatalf("child failed: %s", stderr.String())
	}
	return ids
}

func verifyStore(t *testing.T, dir string, promised map[string]bool) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, dir, testKey, WithOrphanGrace(0))
	if err != nil {
		t.Fatalf("re-open: %v", err)
	}
	defer s.Close()
	var check string
	if err := s.r.QueryRow("PRAGMA quick_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("quick_check = %q, %v", check, err)
	}
	for id := range promised {
		app, err := s.Get(ctx, id)
		if err != nil {
			t.Errorf("promised %s: %v", id, err)
			continue
		}
		for _, a := range app.Attachments {
			rc, err := s.OpenAttachment(ctx, id, a.ID)
			if err != nil {
				t.Errorf("promised %s/%s: %v", id, a.ID, err)
				continue
			}
			h := sha256.New()
			n, _ := io.Copy(h, rc)
			rc.Close()
			if hex.EncodeToString(h.Sum(nil)) != a.SHA256 || n != a.Size {
				t.Errorf("promised %s/%s: content differs", id, a.ID)
			}
		}
	}
	// Everything on disk is referenced: no half-done enqueue left behind.
	var refs int
	s.r.QueryRow(`SELECT count(*) FROM attachments`).Scan(&refs)
	if files := listFiles(t, s.attDir); len(files) != refs {
		t.Errorf("%d files under attachments/, %d referenced", len(files), refs)
	}
}
