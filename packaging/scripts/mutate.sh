#!/usr/bin/env bash
# mutate.sh — mutation testing of the packages that hold the promises
# (offline/, sync/..., app/session/) with go-gremlins, installed at a fixed
# version into build/tools. Prints one line per package: killed, lived,
# timed out, not covered and the efficacy (killed / (killed + lived)).
# Results: build/mutate/<package>.json and .log.
#
# Slow on 2 cores (offline/ alone is ~300 mutants); restrict with
#   MUTATE_PKGS="./offline" packaging/scripts/mutate.sh
# Timed-out mutants (the test run took over MUTATE_TIMEOUT_COEF times the
# clean run) are counted apart: most are loops made endless, i.e. caught.
set -euo pipefail
cd "$(dirname "$0")/../.."
GREMLINS_VERSION=v0.6.0
tools="$PWD/build/tools"
out="$PWD/build/mutate"
mkdir -p "$tools" "$out"
if [ ! -x "$tools/gremlins" ] || [ ! -e "$tools/gremlins.$GREMLINS_VERSION" ]; then
	GOBIN="$tools" go install "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION"
	touch "$tools/gremlins.$GREMLINS_VERSION"
fi
pkgs=${MUTATE_PKGS:-"./offline ./sync/relay ./sync/client ./sync/platformsim ./app/session"}
coef=${MUTATE_TIMEOUT_COEF:-4}
printf '%-22s %7s %6s %9s %11s %9s\n' package killed lived timed-out not-covered efficacy
for p in $pkgs; do
	name=$(echo "${p#./}" | tr / _)
	# -count=1 through GOFLAGS: gremlins times each mutant against its
	# coverage run, which must not come from the test cache.
	GOFLAGS=-count=1 "$tools/gremlins" unleash --workers 1 --timeout-coefficient "$coef" \
		-o "$out/$name.json" "$p" >"$out/$name.log" 2>&1 || true
	k=$(grep -c '^ *KILLED' "$out/$name.log" || true)
	l=$(grep -c '^ *LIVED' "$out/$name.log" || true)
	t=$(grep -c '^ *TIMED OUT' "$out/$name.log" || true)
	n=$(grep -c '^ *NOT COVERED' "$out/$name.log" || true)
	eff="-"
	if [ $((k + l)) -gt 0 ]; then eff=$(awk "BEGIN{printf \"%.1f%%\", 100*$k/($k+$l)}"); fi
	printf '%-22s %7d %6d %9d %11d %9s\n' "${p#./}" "$k" "$l" "$t" "$n" "$eff"
done
echo "mutate: lived mutants are listed in build/mutate/*.log (grep LIVED)"
