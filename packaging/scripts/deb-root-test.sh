#!/usr/bin/env bash
# make deb-test: installs the built packages into a fresh Debian 12 root made
# with debootstrap, as a terminal would get them, and checks what the
# installation left: files and modes, the service user and its groups, the
# state directory, the enabled units, no emulator in the production package,
# the store key made at first boot (not at install), then starts the
# installed kiosk there under Xvfb and checks it paints a window; last, it
# boots that root under a real systemd (packaging/scripts/boot-test.sh).
# Needs root (debootstrap, chroot) and Debian's mirror. The base root is kept
# as a tarball in $DEBROOT_CACHE so later runs skip the download.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "deb-test: needs root (debootstrap, chroot)" >&2; exit 2; }
cache=${DEBROOT_CACHE:-/var/cache/bianmin-kiosk-debroot}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$cache" build
root=$(mktemp -d /var/tmp/bianmin-debroot.XXXXXX)
chmod 0755 "$root" # the new system's /: every user must be able to traverse it
disp=":$((180 + RANDOM % 9))"
xpid=""
cleanup() {
  [ -n "$xpid" ] && kill "$xpid" 2>/dev/null || true
  for m in tmp/.X11-unix var/cache/apt/archives dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf "$root"
}
trap cleanup EXIT
fail() { echo "deb-test: FAIL: $*" >&2; exit 1; }

debs=$(ls build/bianmin-kiosk_*.deb 2>/dev/null | tail -1)
[ -n "$debs" ] || fail "no build/bianmin-kiosk_*.deb: run make deb first"
tarball="$cache/bookworm-minbase.tgz"
if [ ! -s "$tarball" ]; then
  echo "deb-test: debootstrap bookworm (once; cached in $tarball)"
  debootstrap --variant=minbase --make-tarball="$tarball.tmp" bookworm "$root/.mk" "$mirror" >/dev/null
  mv "$tarball.tmp" "$tarball"
  rm -rf "$root/.mk"
fi
debootstrap --variant=minbase --unpack-tarball="$(realpath "$tarball")" bookworm "$root" "$mirror" >/dev/null
mount -t proc proc "$root/proc"; mount --rbind /sys "$root/sys"; mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# Downloaded packages are kept between runs too.
mkdir -p "$cache/archives/partial" "$root/var/cache/apt/archives"
mount --bind "$cache/archives" "$root/var/cache/apt/archives"
echo "deb http://deb.debian.org/debian bookworm main" > "$root/etc/apt/sources.list"
cp "$debs" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
echo "deb-test: installing $(basename "$debs") and its dependencies"
in_root apt-get update -qq
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$debs")" xvfb >/dev/null

# Files, modes and what must not be there.
for f in /usr/bin/kiosk /usr/bin/kioskctl /usr/lib/bianmin-kiosk/session /usr/lib/bianmin-kiosk/xstart; do
  [ "$(stat -c %a "$root$f")" = 755 ] || fail "$f is not 0755"
done
for f in /lib/systemd/system/bianmin-kiosk.service /lib/systemd/system/bianmin-kiosk-keygen.service \
  /lib/systemd/system/bianmin-kiosk-provision.path /lib/systemd/system/bianmin-kiosk-provision.service \
  /lib/udev/rules.d/60-bianmin-kiosk.rules /usr/lib/sysusers.d/bianmin-kiosk.conf \
  /usr/lib/tmpfiles.d/bianmin-kiosk.conf /usr/share/X11/xorg.conf.d/50-bianmin-kiosk.conf \
  /usr/lib/sysctl.d/50-bianmin-kiosk.conf /usr/lib/systemd/system.conf.d/50-bianmin-kiosk-watchdog.conf \
  /etc/bianmin-kiosk/kiosk.toml /usr/share/doc/bianmin-kiosk/copyright; do
  [ -f "$root$f" ] || fail "$f missing"
done
[ ! -e "$root/usr/bin/platformsim" ] || fail "the production package ships the platform emulator"
# The service user and its groups.
in_root getent passwd bianmin >/dev/null || fail "no bianmin user"
groups=$(in_root id -nG bianmin)
for g in dialout lp input video audio scanner; do
  if in_root getent group "$g" >/dev/null; then
    grep -qw "$g" <<<"$groups" || fail "bianmin is not in group $g ($groups)"
  fi
done
st=$(in_root stat -c '%a %U' /var/lib/bianmin-kiosk)
[ "$st" = "700 bianmin" ] || fail "/var/lib/bianmin-kiosk is $st, not 700 bianmin"
st=$(in_root stat -c '%a %U' /var/lib/bianmin-kiosk/provision)
[ "$st" = "700 bianmin" ] || fail "/var/lib/bianmin-kiosk/provision (the wizard's requests) is $st, not 700 bianmin"
# Enabled units, the key not made at install, the zh_CN locale.
[ -L "$root/etc/systemd/system/graphical.target.wants/bianmin-kiosk.service" ] || fail "bianmin-kiosk.service is not enabled"
[ -L "$root/etc/systemd/system/paths.target.wants/bianmin-kiosk-provision.path" ] || fail "bianmin-kiosk-provision.path is not enabled"
[ ! -e "$root/etc/bianmin-kiosk/store.key" ] || fail "the store key was made at install: cloned images would share it"
in_root locale -a | grep -qi '^zh_CN.utf8$' || fail "zh_CN.UTF-8 locale not generated"
# First boot: the keygen unit's command makes a 0600 key.
cmd=$(sed -n "s/^ExecStart=\/bin\/sh -c '\(.*\)'$/\1/p" "$root/lib/systemd/system/bianmin-kiosk-keygen.service")
in_root sh -c "umask 077; $cmd"
[ "$(stat -c '%a %s' "$root/etc/bianmin-kiosk/store.key")" = "600 32" ] || fail "first-boot key is not a 0600 32-byte file"

# The installed kiosk starts under Xvfb, as the service user, and paints.
Xvfb "$disp" -screen 0 1080x1920x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
mkdir -p "$root/tmp/.X11-unix"; mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
data=/var/lib/bianmin-kiosk/deb-test
in_root install -d -o bianmin -g bianmin -m 0700 "$data"
chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin DISPLAY="$disp" LANG=zh_CN.UTF-8 HOME=/var/lib/bianmin-kiosk \
  setpriv --reuid=bianmin --regid=bianmin --init-groups /usr/bin/kiosk --simulate --data "$data" >"build/deb-test-kiosk.log" 2>&1 &
kpid=$!
shot=build/deb-test.png
ok=""
for _ in $(seq 1 120); do
  kill -0 "$kpid" 2>/dev/null || break
  if DISPLAY="$disp" import -window root "$shot" 2>/dev/null; then
    colours=$(convert "$shot" -format %k info: 2>/dev/null || echo 1)
    [ "${colours:-1}" -gt 8 ] && { ok=1; break; }
  fi
  sleep 1
done
kill "$kpid" 2>/dev/null || true
pkill -f "$root/usr/bin/kiosk" 2>/dev/null || true
[ -n "$ok" ] || { tail -20 build/deb-test-kiosk.log >&2; fail "the installed kiosk did not paint a window"; }
echo "deb-test: ok (installed into a debootstrap root, kiosk painted: $shot)"

# The same root booted under a real systemd (packaging/scripts/boot-test.sh,
# also make boot-test): the chroot's mounts and X server go first.
# DEB_TEST_BOOT=0 skips it.
if [ "${DEB_TEST_BOOT:-1}" != 0 ]; then
  kill "$xpid" 2>/dev/null || true
  xpid=""
  for m in tmp/.X11-unix var/cache/apt/archives dev/pts dev proc sys; do umount -l "$root/$m" 2>/dev/null || true; done
  packaging/scripts/boot-test.sh "$root"
fi
