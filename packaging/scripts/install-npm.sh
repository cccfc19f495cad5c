#!/usr/bin/env bash
# Installs the npm packages the peer tests drive (pinned versions) into
# build/npm, where the tests look for them. Safe to run again: does nothing
# when the pinned versions are already there. Needs node and npm
# (nodejs is in packaging/build-deps.txt; npm is installed here when absent).
set -euo pipefail
cd "$(dirname "$0")/../.."
PKGS=("tus-js-client@4.3.1")
dir=build/npm
ok=1
for p in "${PKGS[@]}"; do
  name=${p%@*} ver=${p##*@}
  have=$(node -p "require('./$dir/node_modules/$name/package.json').version" 2>/dev/null || true)
  [ "$have" = "$ver" ] || ok=0
done
[ $ok -eq 1 ] && exit 0
if ! command -v npm >/dev/null; then
  # Debian's nodejs comes without npm (NodeSource's bundles it), so npm is not
  # in build-deps.txt, where it would clash with a NodeSource nodejs.
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi
echo "installing npm packages into $dir: ${PKGS[*]}"
mkdir -p "$dir"
npm install --prefix "$dir" --no-audit --no-fund --no-save --loglevel=error "${PKGS[@]}"
