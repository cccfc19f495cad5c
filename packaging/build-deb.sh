#!/usr/bin/env bash
# Builds build/bianmin-kiosk_VERSION_ARCH.deb: the three binaries, the
# systemd unit, udev rules, the X session and an example configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${VERSION:-0.1.0}
arch=$(dpkg --print-architecture)
root=build/deb
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/lib/bianmin-kiosk" "$root/lib/systemd/system" \
  "$root/lib/udev/rules.d" "$root/etc/bianmin-kiosk" "$root/usr/share/doc/bianmin-kiosk"
go build -trimpath -ldflags "-s -w -X github.com/bianmin/kiosk/cmd/internal/terminal.Version=$version" -o "$root/usr/bin/" ./cmd/kiosk ./cmd/kioskctl ./cmd/platformsim
install -m 0755 packaging/session/session "$root/usr/lib/bianmin-kiosk/session"
install -m 0644 packaging/systemd/bianmin-kiosk.service "$root/lib/systemd/system/"
install -m 0644 packaging/udev/60-bianmin-kiosk.rules "$root/lib/udev/rules.d/"
install -m 0644 packaging/kiosk.example.toml "$root/etc/bianmin-kiosk/kiosk.toml"
install -m 0644 assets/fonts/LICENSE-wqy-microhei.txt "$root/usr/share/doc/bianmin-kiosk/copyright"
echo "/etc/bianmin-kiosk/kiosk.toml" > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/control" <<CONTROL
Package: bianmin-kiosk
Version: $version
Architecture: $arch
Maintainer: Bianmin Kiosk <kiosk@example.invalid>
Depends: xinit, xserver-xorg-core, libgl1, libusb-1.0-0, libzinnia0, tegaki-zinnia-simplified-chinese, espeak-ng, alsa-utils, sane-utils
Recommends: cups, ipp-usb
Section: misc
Priority: optional
Description: Bianmin government-service self-service kiosk (便民自助终端)
 Touchscreen kiosk software: ID card reader, receipt printer, scanner,
 offline queue synced to the provincial government-service platform.
CONTROL
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
getent passwd bianmin >/dev/null || useradd --system --home-dir /var/lib/bianmin-kiosk --shell /usr/sbin/nologin bianmin
if [ ! -f /etc/bianmin-kiosk/store.key ]; then
  umask 077
  head -c 32 /dev/urandom > /etc/bianmin-kiosk/store.key
fi
udevadm control --reload-rules 2>/dev/null || true
systemctl daemon-reload 2>/dev/null || true
POSTINST
chmod 0755 "$root/DEBIAN/postinst"
out="build/bianmin-kiosk_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$out" >/dev/null
echo "$out"
