#!/usr/bin/env bash
# make e2e: the human-speed end-to-end suite. Builds the kiosk, then runs
# cmd/kiosk/e2e (build tag e2e): each flow starts the real kiosk under its
# own Xvfb (displays :110-:119 unless E2E_DISPLAY_BASE says otherwise) and
# drives it only through X input events (xdotool: 150 ms presses, 3 keys a
# second, strokes drawn with the button held). Screenshots of every step go
# to build/e2e/<flow>/, the full log to build/e2e/e2e.log. Prints one line:
#   e2e: N flows, T taps, L lost
# and fails when a flow fails or a tap was lost. E2E_FLOWS=a,b runs a subset.
set -euo pipefail
cd "$(dirname "$0")/../.."
GO=${GO:-go}
out=build/e2e
rm -rf "$out"
mkdir -p "$out/bin"
export LANG=zh_CN.UTF-8
# The shipped build: Fyne with the idle loop (packaging/scripts/fyne-overlay.sh).
$GO build "$(packaging/scripts/fyne-overlay.sh build/fyne)" -o "$out/bin/" ./cmd/kiosk
export E2E_KIOSK="$PWD/$out/bin/kiosk" E2E_OUT="$PWD/$out"
rc=0
$GO test -tags e2e -count=1 -timeout 40m -v ./cmd/kiosk/e2e/ >"$out/e2e.log" 2>&1 || rc=$?
summary=$(grep -E '^e2e: [0-9]+ flows, [0-9]+ taps, [0-9]+ lost$' "$out/e2e.log" | tail -1 || true)
if [ -z "$summary" ]; then
  tail -40 "$out/e2e.log" >&2
  echo "e2e: 0 flows, 0 taps, 0 lost"
  echo "e2e: the suite did not run to its end; see $out/e2e.log" >&2
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  grep -E -- '^\s*--- FAIL|_test.go:[0-9]+:|^e2e note:' "$out/e2e.log" | head -40 >&2 || true
fi
echo "$summary"
exit "$rc"
