#!/usr/bin/env bash
# Runs every Go fuzz target of the module for FUZZTIME (default 1m) each.
set -euo pipefail
cd "$(dirname "$0")/../.."
t=${FUZZTIME:-1m}
grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do
  dir=$(dirname "$f")
  for name in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed 's/^func //'); do
    echo "== $dir $name ($t)"
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "$t" "$dir"
  done
done
