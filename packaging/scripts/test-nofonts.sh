#!/usr/bin/env bash
# test-nofonts.sh — run the golden-image tests with no system font visible.
#
# Proves that screens, widgets and receipts draw every character from the
# bundled font (assets/fonts): in a private mount namespace every font
# directory Fyne's scanner (go-text fontscan) and fontconfig look at is
# covered by an empty tmpfs, the font index cache and fontconfig are pointed
# at empty places, and the same golden images must still match. Run by
# `make test`; as root it uses `unshare -m`, otherwise a user namespace
# (`unshare -rm`). It fails (never skips) when it cannot hide the fonts.
#
# Usage: packaging/scripts/test-nofonts.sh [go test packages...]
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -gt 0 ] || set -- ./app/screens/ ./app/widgets/ ./devices/printer/...
run=${NOFONTS_RUN:-Golden|IdleWarning}  # every test that compares an image

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/cache" "$tmp/data"
printf '<?xml version="1.0"?>\n<fontconfig></fontconfig>\n' >"$tmp/fonts.conf"

# Compile first, outside the namespace, so the namespace only runs tests.
go test -count=1 -run '^$' "$@" >/dev/null

inner='set -eu
dirs="/usr/share/fonts /usr/local/share/fonts /usr/X11R6/lib/X11/fonts /usr/share/texmf/fonts $HOME/.fonts $HOME/.local/share/fonts"
for d in $dirs; do
	if [ -d "$d" ]; then mount -t tmpfs -o ro,size=1m tmpfs "$d"; fi
done
n=0
for d in $dirs; do
	if [ -d "$d" ]; then n=$((n + $(find "$d" -type f | wc -l))); fi
done
if [ "$n" -ne 0 ]; then echo "test-nofonts: $n font files still visible" >&2; exit 1; fi
echo "test-nofonts: no system fonts visible; running: go test -run $NOFONTS_RUN $*" >&2
exec go test -count=1 -run "$NOFONTS_RUN" "$@"'

export XDG_CACHE_HOME="$tmp/cache" XDG_DATA_HOME="$tmp/data" XDG_DATA_DIRS="$tmp/data" \
	FONTCONFIG_FILE="$tmp/fonts.conf" FONTCONFIG_PATH="$tmp" NOFONTS_RUN="$run"
if [ "$(id -u)" -eq 0 ]; then
	exec unshare -m sh -c "$inner" sh "$@"
fi
exec unshare -rm sh -c "$inner" sh "$@"
