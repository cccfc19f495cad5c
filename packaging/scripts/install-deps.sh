#!/usr/bin/env bash
# Installs the Debian packages listed in packaging/build-deps.txt that are not
# installed yet. Safe to run again; does nothing when all are present.
set -euo pipefail
cd "$(dirname "$0")/../.."
mapfile -t want < <(grep -v '^\s*#' packaging/build-deps.txt | sed 's/\s.*//' | grep -v '^$' | sort -u)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing build dependencies: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
