package offline

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bianmin/kiosk/offline/internal/crashfs"
)

// The power-cut tests run the store on crashfs, a FUSE pass-through that
// keeps every write not followed by an fsync of its file and drops it at a
// cut, as a power failure drops the page cache (SIGKILL does not: the kill
// tests in durability_test.go prove crash safety, these prove power-cut
// safety). Directory entries survive a cut on crashfs, so a second test
// checks from the file system's journal that the directory fsyncs are made,
// in the order the promise needs.

const powerCutChildEnv = "KIOSK_OFFLINE_POWERCUT_CHILD"

// TestPowerCutChild is the child half: it enqueues applications with
// attachments and moves some through the sync states (uploading, submitted)
// as the sync engine does. After each step has returned it puts a mark into
// the crashfs journal and prints "q ID" (queued) or "s ID" (submitted).
func TestPowerCutChild(t *testing.T) {
	dir := os.Getenv(powerCutChildEnv)
	if dir == "" {
		t.Skip("child process of TestPowerCut and TestDurabilityOrder only")
	}
	ctx := context.Background()
	s, err := Open(ctx, dir, testKey, WithOrphanGrace(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "child open:", err)
		os.Exit(3)
	}
	mark := func(what string) { os.Stat(filepath.Join(dir, crashfs.MarkPrefix+what)) }
	rng := rand.New(rand.NewPCG(uint64(os.Getpid()), uint64(time.Now().UnixNano())))
	var queued []string
	for i := 0; ; i++ {
		seq, err := s.NextAcceptanceSeq(ctx, time.Now())
		if err != nil {
			fmt.Fprintln(os.Stderr, "child seq:", err)
			os.Exit(3)
		}
		app, files := testApp(seq, "11010519491231002X", 1+rng.IntN(2), 1+rng.IntN(16<<10), rng)
		app.AcceptanceNo = fmt.Sprintf("P-%d-%d", os.Getpid(), seq)
		if err := s.Enqueue(ctx, app, files); err != nil {
			fmt.Fprintln(os.Stderr, "child enqueue:", err)
			os.Exit(3)
		}
		mark("ack-" + app.InstanceID)
		fmt.Fprintln(os.Stdout, "q", app.InstanceID)
		queued = append(queued, app.InstanceID)
		if i%3 == 2 { // sync one: uploading, then the platform's confirmation
			id := queued[0]
			queued = queued[1:]
			if err := s.MarkUploading(ctx, id); err != nil {
				fmt.Fprintln(os.Stderr, "child uploading:", err)
				os.Exit(3)
			}
			if err := s.MarkSubmitted(ctx, id, time.Now()); err != nil {
				fmt.Fprintln(os.Stderr, "child submitted:", err)
				os.Exit(3)
			}
			mark("submitted-" + id)
			fmt.Fprintln(os.Stdout, "s", id)
		}
	}
}

// mountCrashFS mounts a fresh crashfs; FUSE is part of every machine the
// project runs on (root, /dev/fuse), so failing to mount fails the test.
func mountCrashFS(t *testing.T) (c *crashfs.FS, backing, mnt string) {
	t.Helper()
	backing, mnt = filepath.Join(t.TempDir(), "backing"), filepath.Join(t.TempDir(), "mnt")
	for _, d := range []string{backing, mnt} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	c, err := crashfs.Mount(backing, mnt)
	if err != nil {
		t.Fatalf("mount crashfs (needs /dev/fuse and root): %v", err)
	}
	t.Cleanup(func() {
		if err := c.Unmount(); err != nil {
			t.Errorf("unmount crashfs: %v", err)
		}
	})
	return c, backing, mnt
}

// runAndCut starts the child on mnt, lets it work for at least one
// acknowledgement plus a random time, then cuts the power: crashfs fails
// every further operation, the child is killed, unsynced data is dropped.
// It returns the IDs the child acknowledged as queued and as submitted.
func runAndCut(t *testing.T, c *crashfs.FS, mnt string, after time.Duration) (queued, submitted []string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestPowerCutChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), powerCutChildEnv+"="+mnt)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 4096)
	done := make(chan struct{})
	go func() {
		defer close(done)
		br := bufio.NewReader(out)
		for {
			line, err := br.ReadString('\n')
			if err != nil { // a line cut short was never a promise
				return
			}
			lines <- strings.TrimSpace(line)
		}
	}()
	var got []string
	select {
	case l := <-lines:
		got = append(got, l)
	case <-done:
		cmd.Wait()
		t.Fatalf("child exited early: %s", stderr.String())
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		cmd.Wait()
		j := c.Journal()
		t.Fatalf("child never acknowledged in 3 minutes (stderr %q); last operations: %v", stderr.String(), j[max(0, len(j)-15):])
	}
	time.Sleep(after) // the random point of the cut, not a synchronisation
	c.Cut()
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	cmd.Wait()
	if err := c.Restore(); err != nil {
		t.Fatalf("restore: %v", err)
	}
	close(lines)
	for l := range lines {
		got = append(got, l)
	}
	if strings.Contains(stderr.String(), "child open") || strings.Contains(stderr.String(), "child seq") {
		t.Fatalf("child failed before the cut: %s", stderr.String())
	}
	for _, l := range got {
		if id, ok := strings.CutPrefix(l, "q "); ok {
			queued = append(queued, id)
		} else if id, ok := strings.CutPrefix(l, "s "); ok {
			submitted = append(submitted, id)
		}
	}
	return queued, submitted
}

// TestPowerCut cuts the power at random points many times while the store
// queues and syncs on crashfs, and checks after each cut, by re-opening the
// store, that every acknowledged application is there with attachments that
// decrypt and hash to what was accepted, that every acknowledged submission
// is still submitted, and that nothing half-written is left. It fails when
// the attachment fsync is removed (the sealed files come back empty).
func TestPowerCut(t *testing.T) {
	if testing.Short() {
		t.Skip("kills processes")
	}
	cuts := 8
	if *soak || os.Getenv("KIOSK_SOAK") == "1" {
		cuts = 150
	}
	c, backing, mnt := mountCrashFS(t)
	rng := rand.New(rand.NewPCG(11, uint64(time.Now().UnixNano())))
	promised := map[string]bool{}
	submitted := map[string]bool{}
	for k := range cuts {
		q, s := runAndCut(t, c, mnt, time.Duration(rng.IntN(400))*time.Millisecond)
		for _, id := range q {
			promised[id] = true
		}
		for _, id := range s {
			submitted[id] = true
		}
		verifyStore(t, backing, promised)
		verifySubmitted(t, backing, submitted)
		if t.Failed() {
			t.Fatalf("after cut %d of %d (%d applications acknowledged)", k+1, cuts, len(promised))
		}
	}
	st := c.Stats()
	t.Logf("power cuts: %d cuts, %d applications acknowledged, %d submissions acknowledged, 0 lost; %d fsyncs, %d directory fsyncs; unsynced data dropped: %d bytes in %d files",
		cuts, len(promised), len(submitted), st.Fsyncs, st.DirFsyncs, st.DroppedBytes, st.DroppedFiles)
	if len(promised) == 0 || st.DroppedFiles == 0 {
		t.Fatalf("the test did not exercise anything: %d acknowledged, %d files with dropped data", len(promised), st.DroppedFiles)
	}
}

func verifySubmitted(t *testing.T, dir string, submitted map[string]bool) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, dir, testKey, WithOrphanGrace(0))
	if err != nil {
		t.Fatalf("re-open: %v", err)
	}
	defer s.Close()
	for id := range submitted {
		app, err := s.Get(ctx, id)
		if err != nil {
			t.Errorf("submitted %s: %v", id, err)
			continue
		}
		if app.State != "submitted" {
			t.Errorf("submitted %s came back %s after the cut", id, app.State)
		}
	}
}

// TestDurabilityOrder checks, from crashfs's journal of a child's run, the
// order of the durability operations behind each acknowledged application:
// every sealed file created in attachments/<instance> has its data fsynced
// after its last write; attachments/<instance> is fsynced after the last
// of those fsyncs; attachments/ is fsynced after the mkdir of the instance
// directory; all of that before the commit (the fsync of the WAL); the
// commit before the acknowledgement. crashfs keeps directory entries across
// cuts, so this is what fails when a directory fsync is removed.
func TestDurabilityOrder(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process")
	}
	c, _, mnt := mountCrashFS(t)
	var queued []string
	for len(queued) < 12 {
		q, _ := runAndCut(t, c, mnt, 300*time.Millisecond)
		queued = append(queued, q...)
		if t.Failed() {
			return
		}
	}
	j := c.Journal()
	problems := checkOrder(j)
	for _, p := range problems {
		t.Error(p)
	}
	acks := 0
	for _, op := range j {
		if op.Kind == "mark" && strings.HasPrefix(filepath.Base(op.Path), "ack-") {
			acks++
		}
	}
	t.Logf("durability order: %d acknowledged applications checked over %d journalled operations, %d problems", acks, len(j), len(problems))
	if acks == 0 {
		t.Fatal("no acknowledgement in the journal")
	}
}

// checkOrder returns one line per broken rule, for every acknowledged
// application in the journal.
func checkOrder(j []crashfs.Op) []string {
	var problems []string
	find := func(from, to int, ok func(crashfs.Op) bool) int { // first index in [from, to) or -1
		for i := max(from, 0); i < to && i < len(j); i++ {
			if ok(j[i]) {
				return i
			}
		}
		return -1
	}
	is := func(kind, path string) func(crashfs.Op) bool {
		return func(o crashfs.Op) bool { return o.Kind == kind && o.Path == path }
	}
	prevAck := 0
	for a, op := range j {
		if op.Kind != "mark" || !strings.HasPrefix(filepath.Base(op.Path), "ack-") {
			continue
		}
		id := strings.TrimPrefix(filepath.Base(op.Path), "ack-")
		dir := filepath.Join("attachments", id)
		// the commit: the last fsync of the WAL before the acknowledgement
		commit := -1
		for i := a - 1; i >= prevAck; i-- {
			if j[i].Kind == "fsync" && j[i].Path == "kiosk.db-wal" {
				commit = i
				break
			}
		}
		if commit < 0 {
			problems = append(problems, id+": acknowledged with no WAL fsync (commit) before it")
			prevAck = a
			continue
		}
		var created []int
		for i := prevAck; i < commit; i++ {
			if j[i].Kind == "create" && filepath.Dir(j[i].Path) == dir {
				created = append(created, i)
			}
		}
		if len(created) == 0 {
			problems = append(problems, id+": no sealed attachment created before the commit")
		}
		lastSync := -1
		for _, c := range created {
			file := j[c].Path
			lastWrite := -1
			for i := commit - 1; i > c; i-- {
				if j[i].Kind == "write" && j[i].Path == file {
					lastWrite = i
					break
				}
			}
			fs := find(lastWrite+1, commit, is("fsync", file))
			if lastWrite < 0 || fs < 0 {
				problems = append(problems, fmt.Sprintf("%s: %s committed without an fsync of its data after its last write", id, file))
				continue
			}
			lastSync = max(lastSync, fs)
		}
		if len(created) > 0 && find(max(lastSync, slices.Max(created))+1, commit, is("fsyncdir", dir)) < 0 {
			problems = append(problems, fmt.Sprintf("%s: %s not fsynced between its files and the commit", id, dir))
		}
		if mk := find(prevAck, commit, is("mkdir", dir)); mk >= 0 && find(mk+1, commit, is("fsyncdir", "attachments")) < 0 {
			problems = append(problems, fmt.Sprintf("%s: attachments/ not fsynced between mkdir %s and the commit", id, dir))
		}
		prevAck = a
	}
	return problems
}
