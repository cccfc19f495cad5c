#!/usr/bin/env bash
# mustdie.sh — the must-die mutations (packaging/scripts/mustdie): each
# breaks one promise in a copy of the work tree and must make its named test
# fail. Run by `make test`; fails if any mutant survives.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go run ./packaging/scripts/mustdie "$@"
