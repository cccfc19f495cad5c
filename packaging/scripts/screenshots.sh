#!/usr/bin/env bash
# Runs the real kiosk under Xvfb and saves a PNG of every screen into
# build/screenshots/{portrait,portrait-elder,landscape,landscape-elder}/,
# plus the last receipt as the simulated printer rendered it.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/screenshots
rm -rf "$out"
mkdir -p "$out"
export LANG=zh_CN.UTF-8
run() { # name width height flags...
  local name=$1 w=$2 h=$3; shift 3
  local disp=":$((90 + RANDOM % 9))"
  Xvfb "$disp" -screen 0 "${w}x${h}x24" -nolisten tcp >/dev/null 2>&1 &
  local xpid=$!
  sleep 1
  local data
  data=$(mktemp -d)
  if ! DISPLAY=$disp timeout 180 ./build/kiosk --tour "$out/$name" --data "$data" "$@" 2>"$out/$name.log"; then
    kill $xpid 2>/dev/null || true
    echo "screenshots: $name failed, see $out/$name.log" >&2
    tail -20 "$out/$name.log" >&2
    return 1
  fi
  kill $xpid 2>/dev/null || true
  rm -rf "$data"
  echo "$out/$name: $(ls "$out/$name" | wc -l) images"
}
run portrait 1080 1920
run portrait-elder 1080 1920 --elder
run landscape 1920 1080 --landscape
run landscape-elder 1920 1080 --landscape --elder
