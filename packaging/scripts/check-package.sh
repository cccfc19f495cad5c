#!/usr/bin/env bash
# Checks built packages: lintian must report no error, the units must pass
# systemd-analyze verify, and the kiosk unit's exposure must stay <= 4.0.
# Usage: check-package.sh DEB...
set -euo pipefail
cd "$(dirname "$0")/../.."
fail=0
for deb in "$@"; do
  if command -v lintian >/dev/null; then
    log=$(lintian --allow-root --no-tag-display-limit "$deb" 2>&1 || true)
    errors=$(grep -c '^E:' <<<"$log" || true)
    echo "lintian $(basename "$deb"): $errors errors, $(grep -c '^W:' <<<"$log" || true) warnings"
    if [ "$errors" -ne 0 ]; then grep '^E:' <<<"$log"; fail=1; fi
  else
    echo "check-package: lintian is not installed (packaging/build-deps.txt lists it)" >&2; fail=1
  fi
done
units=$(mktemp -d)
trap 'rm -rf "$units"' EXIT
cp packaging/systemd/*.service packaging/systemd/*.path "$units/"
# verify resolves ExecStart paths: point them at files that exist here.
sed -i 's#^ExecStart=/usr/lib/bianmin-kiosk/xstart#ExecStart=/bin/true#' "$units/bianmin-kiosk.service"
sed -i 's#^ExecStart=/usr/bin/kioskctl#ExecStart=/bin/true#' "$units/bianmin-kiosk-provision.service"
if ! out=$(cd "$units" && SYSTEMD_LOG_LEVEL=warning systemd-analyze verify --man=no ./*.service ./*.path 2>&1); then
  echo "$out"; fail=1
fi
grep -v 'Unit .* not found\|multi-user\|graphical.target\|getty@tty7' <<<"$out" | grep . && fail=1
score=$(systemd-analyze security --offline=true "$units/bianmin-kiosk.service" 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security bianmin-kiosk.service: ${score:-?}"
awk -v s="${score:-99}" 'BEGIN {exit !(s <= 4.0)}' || { echo "exposure above 4.0" >&2; fail=1; }
exit $fail
