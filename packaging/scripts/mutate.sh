#!/usr/bin/env bash
# mutate.sh — mutation testing of the packages that hold the promises
# (offline/, sync/..., app/session/) with go-gremlins, installed at a fixed
# version into build/tools. Prints one line per package: killed, lived,
# timed out, not covered and the efficacy (killed / (killed + lived)), and
# writes the same table as Markdown to build/mutate/scores.md.
# Per package: build/mutate/<package>.json and .log (grep LIVED).
#
# Reproducible: the mutants are applied to a clean clone of HEAD in
# build/mutate/src (so uncommitted edits in the work tree neither leak in
# nor get mutated), and the table names the commit.
#
# Slow on 2 cores (each mutant rebuilds and reruns the package's tests,
# 5-40 s): one worker, one package at a time. Restrict with
#   MUTATE_PKGS="offline sync/client" packaging/scripts/mutate.sh
# Each package line below: package, whether tests run with -short (the
# relay's SIGKILL test and offline's power-cut loops are long; their
# must-die mutations are in make mustdie), and the files left out
# (regexps on paths relative to the package; offline/ scores the files
# that hold the promises: queue, outbox, store, sealing).
# Timed-out mutants (the test run took over MUTATE_TIMEOUT_COEF times the
# clean run) are counted apart: most are loops made endless or waits that
# never end, i.e. caught, but on a loaded machine some are only slow: the
# limit covers the mutant's build too, so the default coefficient is 10
# (at 4, under a load of ~25 on 2 cores, most "timed out" mutants of
# app/session were kills whose build took longer than the limit).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
GREMLINS_VERSION=v0.6.0
tools="$root/build/tools"
out="$root/build/mutate"
mkdir -p "$tools" "$out"
if [ ! -x "$tools/gremlins" ] || [ ! -e "$tools/gremlins.$GREMLINS_VERSION" ]; then
	GOBIN="$tools" go install "github.com/go-gremlins/gremlins/cmd/gremlins@$GREMLINS_VERSION"
	touch "$tools/gremlins.$GREMLINS_VERSION"
fi

# package        short  excluded files (| separated regexps)
specs='
app/session      no     -
sync/relay       short  -
sync/client      no     -
sync/catalogsig  no     -
offline          short  ^internal/|^(headroom|key|maintenance|migrate|retention|transfer|verify)\.go$
'
want=${MUTATE_PKGS:-$(echo "$specs" | awk 'NF {print $1}')}
coef=${MUTATE_TIMEOUT_COEF:-10}

src="$out/src"
rm -rf "$src"
git clone --quiet --no-hardlinks "$root" "$src"
commit=$(git -C "$src" rev-parse --short HEAD)
# Tests that drive the npm tus client find it under build/npm.
if [ -d "$root/build/npm" ]; then mkdir -p "$src/build" && cp -r "$root/build/npm" "$src/build/"; fi

table="$out/scores.md"
{
	echo "Mutation scores, gremlins $GREMLINS_VERSION, commit $commit, $(date -u +%Y-%m-%d), timeout coefficient $coef"
	echo
	echo "| package | files scored | tests | killed | lived | timed out | not covered | efficacy |"
	echo "|---|---|---|---:|---:|---:|---:|---:|"
} >"$table"
printf '%-18s %7s %6s %9s %11s %9s\n' package killed lived timed-out not-covered efficacy
for p in $want; do
	p=${p#./}
	line=$(echo "$specs" | awk -v p="$p" '$1 == p')
	short=$(echo "$line" | awk '{print $2}')
	excl=$(echo "$line" | awk '{print $3}')
	name=$(echo "$p" | tr / _)
	flags="-count=1"
	[ "$short" = short ] && flags="$flags -short"
	args=(unleash --workers 1 --timeout-coefficient "$coef" -o "$out/$name.json")
	files="all"
	if [ -n "$excl" ] && [ "$excl" != - ]; then
		IFS='|' read -ra parts <<<"$excl"
		for e in "${parts[@]}"; do args+=(-E "$e"); done
		files=$(cd "$src/$p" && ls *.go | grep -v '_test.go$' | while read -r f; do
			skip=0
			for e in "${parts[@]}"; do echo "$f" | grep -Eq "$e" && skip=1; done
			[ $skip = 0 ] && printf '%s ' "$f"
		done)
		files=${files% }
	fi
	# -count=1 through GOFLAGS: gremlins times each mutant against its
	# coverage run, which must not come from the test cache.
	(cd "$src" && GOFLAGS="$flags" "$tools/gremlins" "${args[@]}" "./$p" >"$out/$name.log" 2>&1) || true
	k=$(grep -c '^ *KILLED' "$out/$name.log" || true)
	l=$(grep -c '^ *LIVED' "$out/$name.log" || true)
	t=$(grep -c '^ *TIMED OUT' "$out/$name.log" || true)
	n=$(grep -c '^ *NOT COVERED' "$out/$name.log" || true)
	eff="-"
	if [ $((k + l)) -gt 0 ]; then eff=$(awk "BEGIN{printf \"%.1f%%\", 100*$k/($k+$l)}"); fi
	printf '%-18s %7d %6d %9d %11d %9s\n' "$p" "$k" "$l" "$t" "$n" "$eff"
	tests="all"
	[ "$short" = short ] && tests="-short"
	echo "| $p | $files | $tests | $k | $l | $t | $n | $eff |" >>"$table"
done
echo "mutate: $table; lived mutants: grep LIVED build/mutate/*.log"
