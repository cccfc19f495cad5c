#!/usr/bin/env bash
# make bench: every Go benchmark of the module plus the kiosk's cold start and
# idle memory under Xvfb, printed as one table (name, value, unit, goal).
# Figures depend on the machine: compare runs on the same one.
set -uo pipefail
cd "$(dirname "$0")/../.."
raw=build/bench.txt
mkdir -p build
: > "$raw"

# The appliance itself: cold start to first frame (median of 5) and idle RSS.
if command -v Xvfb >/dev/null; then
  disp=":$((80 + RANDOM % 9))"
  Xvfb "$disp" -screen 0 1080x1920x24 -nolisten tcp >/dev/null 2>&1 &
  xpid=$!
  sleep 1
  data=$(mktemp -d)
  DISPLAY=$disp ./build/kiosk --first-frame-exit --data "$data" >/dev/null 2>&1 # warm the data dir
  times=()
  for i in 1 2 3 4 5; do
    t=$(DISPLAY=$disp LANG=zh_CN.UTF-8 ./build/kiosk --first-frame-exit --data "$data" 2>/dev/null | awk '/first-frame-ms/ {print $2}')
    [ -n "$t" ] && times+=("$t")
  done
  if [ ${#times[@]} -gt 0 ]; then
    med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "BenchmarkKioskColdStart 1 $med ms/first-frame" >> "$raw"
  fi
  rss=$(DISPLAY=$disp LANG=zh_CN.UTF-8 KIOSK_IDLE_SECONDS=10 ./build/kiosk --first-frame-exit --data "$data" 2>/dev/null | awk '/idle-rss-kb/ {printf "%.1f", $2/1024}')
  [ -n "$rss" ] && echo "BenchmarkKioskIdleRSS 1 $rss MB" >> "$raw"
  kill $xpid 2>/dev/null
  rm -rf "$data"
fi

go test -run '^$' -bench . -benchtime "${BENCHTIME:-1s}" -timeout 30m ./... 2>&1 | tee -a "$raw" | grep -E '^(FAIL|---|panic)' >&2
echo
go run ./packaging/scripts/benchtable -goals packaging/scripts/bench-goals.tsv < "$raw"
