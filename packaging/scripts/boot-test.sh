#!/usr/bin/env bash
# make boot-test (and the last step of make deb-test): boots a Debian 12 root
# with the production package installed under a real systemd
# (systemd-nspawn --boot: systemd is PID 1 of the container) and checks the
# unit as systemd runs it:
#   - the kiosk starts at boot without waiting for the network (a
#     network-online.target that never comes is in the boot transaction);
#   - it reaches READY=1 (Type=notify: active only then), WatchdogUSec is set
#     and systemd records the kiosk's watchdog pings, with no restart for
#     longer than WatchdogSec;
#   - the UI loop blocked for real (the test hook KIOSK_TEST_HANG_ON_SIGUSR2)
#     makes systemd log the watchdog timeout, kill the service and start it
#     again (NRestarts + 1, a new MainPID, READY again);
#   - `systemctl reload` (ExecReload, SIGHUP) restarts an idle kiosk;
#   - `systemd-analyze security bianmin-kiosk.service` <= 4.0 in the booted root.
# Usage: boot-test.sh [ROOT]   ROOT: a root with the package installed (from
# deb-root-test.sh); without it one is made from the debootstrap tarball.
# The unit is the installed one; a test drop-in changes only what a container
# cannot give: Xvfb in place of Xorg on tty7 (no VT, no GPU), stdin from
# /dev/null instead of tty7, and the hang hook's variable. The kiosk runs with
# a simulation configuration (no devices, the platform emulator in process).
# Needs root and systemd-nspawn (systemd-container).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "boot-test: needs root (systemd-nspawn)" >&2; exit 2; }
command -v systemd-nspawn >/dev/null || { echo "boot-test: systemd-nspawn missing (apt-get install systemd-container; packaging/build-deps.txt)" >&2; exit 2; }
mkdir -p build
log=build/boot-test-console.log
fail() {
  echo "boot-test: FAIL: $*" >&2
  if [ -n "${leader:-}" ]; then in_boot journalctl -b -u bianmin-kiosk.service --no-pager -o short-monotonic -n 40 >&2 || true; fi
  exit 1
}
own_root=""
root=${1:-}
npid=""
leader=""
cleanup() {
  if [ -n "$npid" ] && kill -0 "$npid" 2>/dev/null; then
    kill -TERM "$npid" 2>/dev/null || true # nspawn: halt the container
    for _ in $(seq 1 30); do kill -0 "$npid" 2>/dev/null || break; sleep 1; done
    # A halt stuck on a hung unit: killing the container's PID 1 ends every
    # process of its PID namespace.
    [ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null || true
    for _ in $(seq 1 20); do kill -0 "$npid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$npid" 2>/dev/null || true
    wait "$npid" 2>/dev/null || true
  fi
  if [ -n "$own_root" ]; then rm -rf "$root"; fi
  return 0
}
trap cleanup EXIT

if [ -z "$root" ]; then
  debs=$(ls build/bianmin-kiosk_*.deb 2>/dev/null | tail -1)
  [ -n "$debs" ] || fail "no build/bianmin-kiosk_*.deb: run make deb first"
  cache=${DEBROOT_CACHE:-/var/cache/bianmin-kiosk-debroot}
  tarball="$cache/bookworm-minbase.tgz"
  [ -s "$tarball" ] || fail "no $tarball: run make deb-test once (it makes it)"
  root=$(mktemp -d /var/tmp/bianmin-bootroot.XXXXXX); own_root=1
  chmod 0755 "$root"
  debootstrap --variant=minbase --unpack-tarball="$(realpath "$tarball")" bookworm "$root" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/dev/null
  echo "deb http://deb.debian.org/debian bookworm main" > "$root/etc/apt/sources.list"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  mkdir -p "$cache/archives/partial"
  cp "$debs" "$root/root/"
  echo "boot-test: installing $(basename "$debs") into a fresh root"
  systemd-nspawn -q --register=no --keep-unit -D "$root" --bind="$cache/archives:/var/cache/apt/archives" \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive sh -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends /root/$(basename "$debs") xvfb >/dev/null" \
    || fail "installing the package"
fi
[ -f "$root/lib/systemd/system/bianmin-kiosk.service" ] || fail "$root has no bianmin-kiosk.service"
[ -x "$root/usr/bin/Xvfb" ] || fail "$root has no Xvfb"

# The test's additions to the installed system.
mkdir -p "$root/usr/local/lib/bianmin-boot-test" "$root/etc/systemd/system/bianmin-kiosk.service.d"
cat > "$root/usr/local/lib/bianmin-boot-test/xserverrc" <<'EOF'
#!/bin/sh
# boot test: Xvfb for Xorg (a container has no VT and no GPU). xinit passes
# xstart's server arguments; Xvfb does not know vtN.
for a; do shift; case $a in vt[0-9]*) ;; *) set -- "$@" "$a" ;; esac; done
exec /usr/bin/Xvfb "$@" -screen 0 1080x1920x24
EOF
chmod 0755 "$root/usr/local/lib/bianmin-boot-test/xserverrc"
cat > "$root/etc/systemd/system/bianmin-kiosk.service.d/50-boot-test.conf" <<'EOF'
# boot test only (packaging/scripts/boot-test.sh): xinit starts Xvfb
# (XSERVERRC), stdin is not tty7, and SIGUSR2 may hang the UI loop.
[Service]
Environment=XSERVERRC=/usr/local/lib/bianmin-boot-test/xserverrc KIOSK_TEST_HANG_ON_SIGUSR2=1
StandardInput=null
EOF
cat > "$root/etc/bianmin-kiosk/kiosk.toml" <<'EOF'
# boot test: simulated devices and the platform emulator in process.
mode = "simulation"
[store]
data_dir = "/var/lib/bianmin-kiosk"
EOF
# A network that never comes online, pulled into the boot: a unit ordered
# after network-online.target would wait for it for ever.
cat > "$root/etc/systemd/system/boot-test-never-online.service" <<'EOF'
[Unit]
Description=boot test: the network never comes online
DefaultDependencies=no
Before=network-online.target
[Service]
Type=oneshot
ExecStart=/bin/sleep infinity
TimeoutStartSec=infinity
[Install]
WantedBy=network-online.target
EOF
cat > "$root/etc/systemd/system/boot-test-wants-online.service" <<'EOF'
[Unit]
Description=boot test: something wants the network online
Wants=network-online.target
After=network-online.target
[Service]
Type=oneshot
ExecStart=/bin/true
[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$root/etc/systemd/system/network-online.target.wants" "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../boot-test-never-online.service "$root/etc/systemd/system/network-online.target.wants/"
ln -sf ../boot-test-wants-online.service "$root/etc/systemd/system/multi-user.target.wants/"
# First boot: the key is made by the keygen unit, not left by an earlier step.
rm -f "$root/etc/bianmin-kiosk/store.key"

echo "boot-test: booting the root under systemd-nspawn"
systemd-nspawn --register=no --keep-unit --private-network -D "$root" --boot --console=read-only \
  >"$log" 2>&1 </dev/null &
npid=$!
for _ in $(seq 1 60); do
  for c in $(ps -o pid= --ppid "$npid" 2>/dev/null); do
    [ "$(cat /proc/$c/comm 2>/dev/null)" = systemd ] && leader=$c
  done
  [ -n "$leader" ] && break
  kill -0 "$npid" 2>/dev/null || { cat "$log" >&2; fail "systemd-nspawn exited"; }
  sleep 0.5
done
[ -n "$leader" ] || fail "no systemd in the container"
in_boot() { nsenter -t "$leader" -a /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"; }
prop() { in_boot systemctl show -P "$1" bianmin-kiosk.service 2>/dev/null; }
# until SECS CMD...: polls CMD once a second until it succeeds or SECS pass.
until_ok() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $end ] || return 1; sleep 1; done
}
kiosk_active() { [ "$(prop ActiveState)" = active ]; }
mono() { echo $(($(date +%s%N) / 1000)); } # µs
secs() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b - a) / 1e6}'; }

# 1. Boot to READY=1 without the network.
until_ok 240 kiosk_active || fail "bianmin-kiosk.service not active (READY=1) within 240 s of boot: $(prop ActiveState)/$(prop SubState)"
boot=$(in_boot systemctl show -P UserspaceTimestampMonotonic)
ready=$(prop ActiveEnterTimestampMonotonic)
started=$(prop ExecMainStartTimestampMonotonic)
# READY=1 must be the kiosk's, after its first frame, so after its "kiosk
# started" (logged just before its UI loop runs). The X server also says
# READY=1 when it has a NOTIFY_SOCKET (xstart keeps it from X).
kiosk_started() {
  local j
  j=$(in_boot journalctl -b -u bianmin-kiosk.service -o short-monotonic --no-pager)
  first=$( (grep -m1 'bianmin-kiosk\[[0-9]*\]: kiosk started' <<<"$j" || true) | sed -n 's/^\[ *\([0-9]*\)\.\([0-9]*\)\].*/\1\2/p')
  [ -n "$first" ]
}
until_ok 60 kiosk_started || fail "no 'kiosk started' in the journal"
[ "$ready" -ge "$first" ] || fail "the unit was active (READY=1) $(secs "$ready" "$first") s before the kiosk started its UI: READY=1 came from another process (the X server?)"
[ "$(in_boot systemctl show -P ActiveState network-online.target)" != active ] \
  || fail "network-online.target became active: the test's never-online network did not hold it"
in_boot systemctl show -P After bianmin-kiosk.service | grep -qw 'network-online.target' \
  && fail "the kiosk is ordered after network-online.target"
[ "$(stat -c '%a %s' "$root/etc/bianmin-kiosk/store.key" 2>/dev/null)" = "600 32" ] \
  || fail "the keygen unit did not make a 0600 32-byte store key at first boot"
echo "boot-test: active (READY=1) $(secs "$boot" "$ready") s after systemd started, $(secs "$started" "$ready") s after ExecStart; network-online.target: $(in_boot systemctl show -P ActiveState network-online.target)"

# 2. The watchdog: set, pinged, no restart while the UI runs.
wd=$(prop WatchdogUSec)
[ -n "$wd" ] && [ "$wd" != 0 ] && [ "$wd" != infinity ] || fail "WatchdogUSec is '$wd': no watchdog"
limit=$(awk -v w="$wd" 'BEGIN { n = w + 0; if (w ~ /min/) n *= 60; print n }')
pid1=$(prop MainPID); n1=$(prop NRestarts)
ping0=$(prop WatchdogTimestampMonotonic)
# A ping moves systemd's watchdog timestamp; over more than one WatchdogSec
# there must be pings and no restart.
t0=$SECONDS
pings=0; last=$ping0
while [ $((SECONDS - t0)) -le $((limit + 5)) ]; do
  p=$(prop WatchdogTimestampMonotonic)
  [ "$p" != "$last" ] && { pings=$((pings + 1)); last=$p; }
  sleep 1
done
[ "$(prop MainPID)" = "$pid1" ] && [ "$(prop NRestarts)" = "$n1" ] || fail "the kiosk was restarted while its UI ran (NRestarts $n1 -> $(prop NRestarts)): no watchdog pings?"
[ "$pings" -ge 2 ] || fail "systemd saw $pings watchdog pings in $((limit + 5)) s"
echo "boot-test: WatchdogUSec=$wd; $pings pings seen by systemd in $((limit + 5)) s, no restart"

# 3. Block the UI loop: systemd must time the watchdog out and restart.
kpid=$(cat "$root/run/bianmin-kiosk/kiosk.pid" 2>/dev/null || true)
[ -z "$kpid" ] && kpid=$(in_boot cat /run/bianmin-kiosk/kiosk.pid)
[ -n "$kpid" ] || fail "no /run/bianmin-kiosk/kiosk.pid"
hang=$(mono)
in_boot /bin/sh -c "kill -USR2 $kpid" || fail "SIGUSR2 to the kiosk ($kpid)"
restarted() { [ "$(prop NRestarts)" -gt "$n1" ] && kiosk_active && [ "$(prop MainPID)" != "$pid1" ]; }
until_ok $((limit * 3 + 240)) restarted || fail "no restart after the UI loop hung (NRestarts $(prop NRestarts), MainPID $(prop MainPID) was $pid1)"
back=$(mono)
journal=$(in_boot journalctl -b -u bianmin-kiosk.service --no-pager -o cat)
grep -q 'Watchdog timeout' <<<"$journal" && grep -q "Failed with result 'watchdog'" <<<"$journal" \
  || fail "the journal has no watchdog timeout: the restart had another cause"
echo "boot-test: UI loop hung -> watchdog timeout, killed and restarted: NRestarts $n1 -> $(prop NRestarts), MainPID $pid1 -> $(prop MainPID), READY again $(secs "$hang" "$back") s after the hang"

# 4. systemctl reload restarts an idle kiosk (the attract screen).
pid2=$(prop MainPID); n2=$(prop NRestarts)
r0=$(mono)
in_boot systemctl reload bianmin-kiosk.service || fail "systemctl reload failed"
reloaded() { [ "$(prop NRestarts)" -gt "$n2" ] && kiosk_active && [ "$(prop MainPID)" != "$pid2" ]; }
until_ok 240 reloaded || fail "systemctl reload did not restart the idle kiosk (NRestarts $(prop NRestarts))"
r1=$(mono)
journal=$(in_boot journalctl -b -u bianmin-kiosk.service --no-pager -o verbose)
grep -q 'KIOSK_KEY=update.restart$' <<<"$journal" || fail "no update.restart in the journal"
echo "boot-test: systemctl reload -> update.restart, new MainPID $pid2 -> $(prop MainPID), READY again $(secs "$r0" "$r1") s later"

# 5. The unit's exposure as the booted systemd rates it.
score=$(in_boot systemd-analyze security bianmin-kiosk.service 2>/dev/null | sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
awk -v s="${score:-99}" 'BEGIN {exit !(s <= 4.0)}' || fail "systemd-analyze security: ${score:-?} (> 4.0)"
echo "boot-test: systemd-analyze security bianmin-kiosk.service in the booted root: $score"
echo "boot-test: ok (console: $log)"
