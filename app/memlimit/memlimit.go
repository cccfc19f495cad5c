// Package memlimit is the kiosk's memory policy for the Go runtime: a soft
// limit on the memory Go holds (heap, stacks, runtime metadata), so that
// the heap's peaks between collections stay bounded on a terminal that
// runs for years. Without it the collector lets the heap double over the
// live objects before collecting (GOGC=100), the peaks of a busy hour grow
// the heap's address space, and the runtime keeps the metadata of every
// span it ever had (it is never handed back): BenchmarkSessionsRSS showed
// the RSS 6.6 % above the first session's after 1 200 sessions, nearly
// all of it reached in the first 150, with the live heap flat.
//
// The kiosk's live heap is 25–50 MB (fonts, catalogue, the search index,
// a visit's scanned pages), so the limit leaves room for a visit's peak;
// near it the collector runs more often (the runtime caps that at half the
// CPU, so a heap that outgrows the limit slows the kiosk down rather than
// stopping it). GOMEMLIMIT in the environment overrides it, as the Go
// runtime documents.
package memlimit

import (
	"os"
	"runtime/debug"
)

// Soft is the kiosk's soft memory limit for the Go runtime.
const Soft = 128 << 20

// Apply sets the runtime's soft memory limit to Soft unless GOMEMLIMIT is
// set, and returns the limit in effect.
func Apply() int64 {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(Soft)
	}
	return debug.SetMemoryLimit(-1)
}
