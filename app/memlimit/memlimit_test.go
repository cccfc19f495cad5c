package memlimit

import (
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestApply runs in a child process (the limit is process-wide): without
// GOMEMLIMIT the limit is Soft; with it, the operator's value stays.
func TestApply(t *testing.T) {
	if os.Getenv("MEMLIMIT_CHILD") != "" {
		os.Stdout.WriteString("limit " + strconv.FormatInt(Apply(), 10) + "\n")
		return
	}
	var clean []string // this environment without GOMEMLIMIT
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "GOMEMLIMIT=") {
			clean = append(clean, e)
		}
	}
	run := func(env ...string) int64 {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestApply$")
		cmd.Env = append(append(clean, "MEMLIMIT_CHILD=1"), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(l, "limit "); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				return n
			}
		}
		t.Fatalf("child printed no limit:\n%s", out)
		return 0
	}
	if got := run(); got != Soft {
		t.Errorf("without GOMEMLIMIT: limit %d, want %d", got, Soft)
	}
	if got := run("GOMEMLIMIT=300MiB"); got != 300<<20 {
		t.Errorf("GOMEMLIMIT=300MiB: limit %d, want %d", got, 300<<20)
	}
	if got := run("GOMEMLIMIT=off"); got != math.MaxInt64 {
		t.Errorf("GOMEMLIMIT=off: limit %d, want none", got)
	}
}
