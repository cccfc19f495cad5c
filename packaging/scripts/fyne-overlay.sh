#!/usr/bin/env bash
# Prepares the patched Fyne the product is built with and prints the go
# flag that selects it: `-modfile=DIR/kiosk.mod` (DIR: $1, default build/fyne).
#
#   go build "$(packaging/scripts/fyne-overlay.sh)" ./cmd/...
#
# Why (docs/ARCHITECTURE.md, "Fyne's idle loop"): Fyne's GLFW loop ticks at
# 60 Hz forever; packaging/fyne/_overlay/ holds patched copies of the two
# upstream files that change (loop.go, animation/runner.go), each with
# Fyne's BSD licence and a comment saying what changed; a third,
# internal/painter/font.go, parses each font once for all text styles
# (the CJK font cost 9 MB of heap per style). `go build -overlay`
# cannot be used for them: Go refuses overlays of files beneath GOMODCACHE.
# So DIR/v2.7.2 is a copy of the module from the module cache with the two
# files put in, and DIR/kiosk.mod is go.mod plus a replace directive to it
# (go.sum copied beside it as kiosk.sum); go.mod itself is untouched, and a
# plain `go build` is stock Fyne (it works, only idles at 60 Hz).
# Refuses (exit 1) another Fyne version or changed upstream files: the
# patched copies would silently replace newer code.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$root/build/fyne}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
cd "$root"
want=v2.7.2
ver=$(GOFLAGS= go list -m -f '{{.Version}}' fyne.io/fyne/v2)
src=$(GOFLAGS= go list -m -f '{{.Dir}}' fyne.io/fyne/v2)
if [ -z "$src" ]; then # a fresh machine: not in the module cache yet
  GOFLAGS= go mod download fyne.io/fyne/v2
  src=$(GOFLAGS= go list -m -f '{{.Dir}}' fyne.io/fyne/v2)
fi
if [ "$ver" != "$want" ] || [ -z "$src" ]; then
  echo "fyne-overlay: the patch is for fyne.io/fyne/v2 $want, go.mod has $ver: re-apply packaging/fyne/_overlay to the new upstream files and update the checksums here" >&2
  exit 1
fi
# The upstream files the patched copies were made from.
sums="d15914b9536c96cfdb7627b6b78b7ca3ad31b56428b2061f8421e93bbe859e45  internal/driver/glfw/loop.go
055de4f3d62a7dd36dd63f1746d93867cda28e933f152dd5790266f0fe62561d  internal/animation/runner.go
7cfee822db37023e1a0d73b20acc34306318a6327d1c99377f6849d65fa3ca73  internal/painter/font.go"
if ! (cd "$src" && sha256sum --quiet --status -c - <<<"$sums"); then
  echo "fyne-overlay: upstream files in $src differ from those the patch was made from" >&2
  exit 1
fi
# Several builds may run at once: every write goes to a temporary name
# first and is renamed into place.
mod=$dir/$want
if [ ! -f "$mod/.complete" ]; then
  tmp=$(mktemp -d "$dir/.copy.XXXXXX")
  cp -r "$src/." "$tmp/"
  chmod -R u+w,go+rX "$tmp"
  touch "$tmp/.complete"
  mv -T "$tmp" "$mod" 2>/dev/null || rm -rf "$tmp" # another build was first
fi
while read -r _ f; do
  if ! cmp -s "packaging/fyne/_overlay/$f" "$mod/$f"; then
    t=$(mktemp "$mod/$f.XXXXXX")
    cp "packaging/fyne/_overlay/$f" "$t"
    chmod 644 "$t"
    mv "$t" "$mod/$f"
  fi
done <<<"$sums"
t=$(mktemp "$dir/kiosk.mod.XXXXXX")
{ cat go.mod; printf '\n// Added by packaging/scripts/fyne-overlay.sh: Fyne with the idle loop.\nreplace fyne.io/fyne/v2 %s => %s\n' "$want" "$mod"; } > "$t"
chmod 644 "$t"
mv "$t" "$dir/kiosk.mod"
t=$(mktemp "$dir/kiosk.sum.XXXXXX")
cp go.sum "$t"
chmod 644 "$t"
mv "$t" "$dir/kiosk.sum"
echo "-modfile=$dir/kiosk.mod"
