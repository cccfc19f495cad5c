#!/usr/bin/env bash
# make bench: the headline figures of the shipped configuration, each row
# with its goal and the baseline measured in the same run (docs/bench.md
# says what each row measures). Writes OUT/bench.txt (raw `go test -bench`
# output), OUT/bench.md and OUT/bench.json (the table), and
# OUT/benchstat.txt (a comparison with the previous run, when OUT holds one).
# Exits 1 when any row misses its goal and names those rows.
#
#   BIN=dir    where to build the binaries (default build/)
#   OUT=dir    where to write the results (default build/)
#   COUNT=n    runs of each in-process benchmark (default 1; benchstat
#              needs several runs for confidence intervals)
#   KIOSK_IDLE_WINDOW=20s   idle measuring window of the appliance rows
#   KIOSK_BENCH_ROUNDS=n    rounds of the appliance rows (starts, taps)
#
# Figures depend on the machine: on a shared 2-core VM with software GL
# they are noisy; the ratios to a same-run baseline are the figures to
# compare across machines.
set -uo pipefail
cd "$(dirname "$0")/../.."
BIN=${BIN:-build}
OUT=${OUT:-build}
COUNT=${COUNT:-1}
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
mkdir -p "$BIN" "$OUT"
BIN=$(cd "$BIN" && pwd)
OUT=$(cd "$OUT" && pwd)

# The shipped build: Fyne with the idle loop (packaging/scripts/fyne-overlay.sh).
# The bench's own test binary (the bare-window floor) is stock Fyne.
patch=$(packaging/scripts/fyne-overlay.sh "$BIN/fyne") || exit 2
go build "$patch" -o "$BIN/" ./cmd/... || exit 2

raw=$OUT/bench.txt
prev=$OUT/bench-prev.txt
[ -s "$raw" ] && mv "$raw" "$prev"
: > "$raw"

# The appliance, out of process under Xvfb: cold start, idle CPU, wake-ups
# and RSS, tap to next screen; and card placed → identity with the
# shipped poll interval. One run each (they take their own rounds).
KIOSK_BIN="$BIN/kiosk" go test -run '^$' -bench . -benchtime 1x -timeout 15m ./cmd/kiosk/ 2>&1 |
  tee -a "$raw" | grep -E '^(FAIL|--- |panic|\s+bench_test)' >&2

# Every other benchmark of the module (BenchmarkSessionsRSS alone runs
# 10 000 complete sessions: most of an hour on the development VM).
pkgs=$(go list ./... | grep -v '/cmd/kiosk$')
go test -run '^$' -bench . -benchtime "${BENCHTIME:-1s}" -count "$COUNT" -timeout 120m $pkgs 2>&1 |
  tee -a "$raw" | grep -E '^(FAIL|--- |panic)' >&2

echo
go run ./packaging/scripts/benchtable -goals packaging/scripts/bench-goals.tsv \
  -md "$OUT/bench.md" -json "$OUT/bench.json" < "$raw"
rc=$?

if [ -s "$prev" ]; then
  if go run "$BENCHSTAT" "$prev" "$raw" > "$OUT/benchstat.txt" 2>&1; then
    echo
    echo "benchstat: previous run ($prev) against this one ($raw):"
    cat "$OUT/benchstat.txt"
  else
    echo "benchstat could not run (see $OUT/benchstat.txt)" >&2
  fi
else
  echo "no previous run in $OUT: benchstat comparison next time"
fi
exit $rc
