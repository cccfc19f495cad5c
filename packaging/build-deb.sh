#!/usr/bin/env bash
# make deb: builds build/bianmin-kiosk_VERSION_ARCH.deb (the appliance) and
# build/bianmin-kiosk-sim_VERSION_ARCH.deb (the platform emulator, for
# developers) with nfpm, then checks them (packaging/scripts/check-package.sh:
# lintian with 0 errors, systemd-analyze verify and security <= 4.0).
set -euo pipefail
cd "$(dirname "$0")/.."
export VERSION=${VERSION:-$(dpkg-parsechangelog -l packaging/debian/changelog -S Version 2>/dev/null || echo 0.2.0)}
export ARCH=$(dpkg --print-architecture)
export BUILDDIR=build/deb
export BIN=$BUILDDIR/bin
NFPM="go run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2"
rm -rf "$BUILDDIR"
mkdir -p "$BIN"
# Fyne with the idle loop (packaging/scripts/fyne-overlay.sh, docs/ARCHITECTURE.md).
go build "$(packaging/scripts/fyne-overlay.sh build/fyne)" -trimpath -ldflags "-s -w -X github.com/bianmin/kiosk/cmd/internal/terminal.Version=$VERSION" -o "$BIN/" ./cmd/kiosk ./cmd/kioskctl ./cmd/platformsim
gzip -9n < packaging/debian/changelog > "$BUILDDIR/changelog.gz"
if ! "$BIN/kioskctl" completion bash > "$BUILDDIR/kioskctl.bash" 2>/dev/null; then
  echo "# kioskctl has no completion verb in this build" > "$BUILDDIR/kioskctl.bash"
fi
out=()
for spec in packaging/nfpm.yaml packaging/nfpm-sim.yaml; do
  name=$(awk '/^name:/ {print $2; exit}' "$spec")
  deb="build/${name}_${VERSION}_${ARCH}.deb"
  rm -f "$deb"
  # nfpm expands no variables in file paths: fill them in first.
  envsubst '${BIN} ${VERSION} ${ARCH} ${BUILDDIR}' < "$spec" > "$BUILDDIR/$(basename "$spec")"
  GOFLAGS= $NFPM package --config "$BUILDDIR/$(basename "$spec")" --packager deb --target "$deb" >/dev/null
  out+=("$deb")
done
packaging/scripts/check-package.sh "${out[@]}"
printf '%s\n' "${out[@]}"
