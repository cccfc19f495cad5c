#!/bin/sh
# update-test: the signed apt update path, for real, without touching the
# machine's apt configuration. It builds a throwaway repository with
# apt-ftparchive (apt-utils), signs it with a throwaway gpg key, points apt at
# it through a private directory (-o Dir::State=…, Dir::Etc::sourcelist=…,
# Dir::Cache=…; signed-by the throwaway keyring, exactly as
# packaging/apt/bianmin-kiosk.sources names the province's), and checks:
#   1. apt-get update accepts the signed repository and offers the update;
#      the package downloads and its bytes match;
#   2. a Release (InRelease) changed after signing is refused;
#   3. a repository signed by another key is refused;
#   4. a package replaced in the pool after signing is refused (hash sum);
#   5. the unattended-upgrades configuration leaves only the kiosk's origin
#      (Debian's default origins cleared), and the Release's origin/label
#      match its pattern;
#   6. the timer drop-ins' calendars parse (systemd-analyze, when present).
# Needs apt-get, apt-ftparchive, gpg, dpkg-deb (packaging/build-deps.txt).
set -eu
for t in apt-get apt-ftparchive gpg dpkg-deb apt-config; do
  command -v "$t" >/dev/null || { echo "update-test: $t missing (apt-get install apt-utils gnupg dpkg-dev)" >&2; exit 2; }
done
here=$(cd "$(dirname "$0")/../.." && pwd)
w=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$w"' EXIT; echo "update-test: work dir $w"
fail() { echo "update-test: FAIL: $*" >&2; exit 1; }

# A throwaway signing key, and a second one that must not be trusted.
mkkey() {
  mkdir -m 700 "$w/$1"
  gpg --homedir "$w/$1" --batch --quiet --passphrase '' --quick-gen-key "$1 <$1@update-test.invalid>" ed25519 sign never 2>/dev/null
  gpg --homedir "$w/$1" --export > "$w/$1.gpg"
}
mkkey archive
mkkey intruder

# A package to offer: bianmin-kiosk 99.0 (a stand-in: the real one is built
# by make deb; what is tested here is the repository's trust, not its payload).
mkdir -p "$w/pkg/DEBIAN" "$w/pkg/usr/share/doc/bianmin-kiosk" "$w/repo/pool/main"
cat > "$w/pkg/DEBIAN/control" <<CTL
Package: bianmin-kiosk
Version: 99.0
Architecture: all
Maintainer: Bianmin Kiosk <kiosk@bianmin.example.org>
Description: update-test stand-in
CTL
echo "update-test $(date +%s)" > "$w/pkg/usr/share/doc/bianmin-kiosk/update-test"
dpkg-deb --root-owner-group --build "$w/pkg" "$w/repo/pool/main/bianmin-kiosk_99.0_all.deb" >/dev/null

arch=$(dpkg --print-architecture)
publish() { # $1: key to sign with
  d="$w/repo/dists/bookworm"
  rm -rf "$d"; mkdir -p "$d/main/binary-$arch" "$d/main/binary-all"
  (cd "$w/repo" && apt-ftparchive packages pool > "dists/bookworm/main/binary-$arch/Packages")
  cp "$d/main/binary-$arch/Packages" "$d/main/binary-all/Packages"
  gzip -9kn "$d/main/binary-$arch/Packages"
  (cd "$d" && apt-ftparchive \
    -o "APT::FTPArchive::Release::Origin=Bianmin Kiosk" -o "APT::FTPArchive::Release::Label=Bianmin Kiosk" \
    -o APT::FTPArchive::Release::Suite=bookworm -o APT::FTPArchive::Release::Codename=bookworm \
    -o "APT::FTPArchive::Release::Architectures=$arch all" -o APT::FTPArchive::Release::Components=main \
    release . > Release.tmp && mv Release.tmp Release)
  gpg --homedir "$w/$1" --batch --quiet --yes --clearsign -o "$d/InRelease" "$d/Release"
  gpg --homedir "$w/$1" --batch --quiet --yes -abs -o "$d/Release.gpg" "$d/Release"
}

# apt with everything private: sources, state, cache, status; the machine's
# own lists and keyrings are not read (Dir::Etc::trusted* point nowhere, so
# only signed-by counts).
run=0
fresh() { # a new private apt directory: nothing kept from an earlier case
  run=$((run + 1)); p="$w/apt$run"
  mkdir -p "$p/lists/partial" "$p/archives/partial" "$p/etc/sourceparts" "$p/etc/trusted.d"
  : > "$p/status"
  echo "deb [signed-by=$w/archive.gpg] copy:$w/repo bookworm main" > "$p/sources.list"
}
apt_private() { # $@: apt-get arguments
  apt-get -q \
    -o Dir::Etc::sourcelist="$p/sources.list" -o Dir::Etc::sourceparts="$p/etc/sourceparts" \
    -o Dir::Etc::trusted="$p/etc/trusted.gpg" -o Dir::Etc::trustedparts="$p/etc/trusted.d" \
    -o Dir::State="$p" -o Dir::State::lists="$p/lists" -o Dir::State::status="$p/status" \
    -o Dir::Cache="$p" -o Dir::Cache::archives="$p/archives" \
    -o APT::Sandbox::User=root -o Debug::NoLocking=1 -o APT::Architecture="$arch" "$@"
}

# 1. Signed: accepted, the update offered and downloaded intact.
publish archive
fresh
apt_private update > "$w/update.log" 2>&1 || { cat "$w/update.log"; fail "apt-get update refused the signed repository"; }
grep -q "^W:\|^E:" "$w/update.log" && { cat "$w/update.log"; fail "apt-get update warned about the signed repository"; }
apt_private install -y --download-only bianmin-kiosk > "$w/dl.log" 2>&1 || { cat "$w/dl.log"; fail "the signed update did not download"; }
got=$(ls "$w/apt$run"/archives/bianmin-kiosk_99.0_all.deb 2>/dev/null) || fail "no package downloaded"
cmp -s "$got" "$w/repo/pool/main/bianmin-kiosk_99.0_all.deb" || fail "the downloaded package differs from the published one"
echo "update-test: signed repository accepted, bianmin-kiosk 99.0 downloaded"

# 2. InRelease changed after signing (a package's size in the index): refused.
sed -i '0,/^ [0-9a-f]\{64\} *[0-9]\+ main\/binary/s/\( [0-9a-f]\{64\} *\)\([0-9]\+\)\( main\/binary\)/\1999\2\3/' "$w/repo/dists/bookworm/InRelease"
rm -f "$w/repo/dists/bookworm/Release" "$w/repo/dists/bookworm/Release.gpg"
fresh
if apt_private update > "$w/tamper.log" 2>&1 && ! grep -q "^E:\|^W:.*\(BADSIG\|not signed\|invalid\)" "$w/tamper.log"; then
  cat "$w/tamper.log"; fail "apt-get update accepted a Release changed after signing"
fi
grep -q "BADSIG" "$w/tamper.log" || { cat "$w/tamper.log"; fail "refused, but not for the signature"; }
[ -z "$(ls "$w/apt$run/lists" | grep Packages || true)" ] || fail "a tampered repository's package list was kept"
echo "update-test: Release changed after signing refused ($(grep -o 'BADSIG [0-9A-F]*' "$w/tamper.log" | head -1))"

# 3. Signed by another key: refused.
publish intruder
fresh
if apt_private update > "$w/intruder.log" 2>&1 && ! grep -q "^E:" "$w/intruder.log"; then
  cat "$w/intruder.log"; fail "apt-get update accepted a repository signed by another key"
fi
grep -q "NO_PUBKEY" "$w/intruder.log" || { cat "$w/intruder.log"; fail "refused, but not for the key"; }
echo "update-test: repository signed by another key refused"

# 4. A package replaced after signing: the index is genuine, the download refused.
publish archive
echo "tampered" >> "$w/pkg/usr/share/doc/bianmin-kiosk/update-test"
dpkg-deb --root-owner-group --build "$w/pkg" "$w/repo/pool/main/bianmin-kiosk_99.0_all.deb" >/dev/null
fresh
apt_private update > "$w/update2.log" 2>&1 || { cat "$w/update2.log"; fail "apt-get update refused the re-signed repository"; }
if apt_private install -y --download-only bianmin-kiosk > "$w/dl2.log" 2>&1; then
  cat "$w/dl2.log"; fail "a package replaced after signing was downloaded"
fi
grep -qi "hash sum mismatch\|size mismatch\|hashes" "$w/dl2.log" || { cat "$w/dl2.log"; fail "refused, but not for the hash"; }
[ ! -e "$w/apt$run/archives/bianmin-kiosk_99.0_all.deb" ] || fail "the tampered package was kept in the cache"
echo "update-test: package replaced after signing refused (hash sum mismatch)"

# 5. unattended-upgrades: only the kiosk's origin, matching the Release.
mkdir -p "$w/conf.d"
cat > "$w/conf.d/50unattended-upgrades" <<'U'
Unattended-Upgrade::Origins-Pattern { "origin=Debian,codename=${distro_codename},label=Debian-Security"; };
Unattended-Upgrade::Allowed-Origins { "Debian:bookworm"; };
U
cp "$here/packaging/apt/52bianmin-kiosk-unattended-upgrades" "$w/conf.d/"
# APT_CONFIG is read before the parts, so it can move them; -o cannot.
printf 'Dir::Etc::main "/dev/null";\nDir::Etc::parts "%s/conf.d";\n' "$w" > "$w/apt.conf"
dump=$(APT_CONFIG="$w/apt.conf" apt-config dump Unattended-Upgrade)
echo "$dump" | grep -q 'Origins-Pattern:: "origin=Bianmin Kiosk,label=Bianmin Kiosk,codename=bookworm"' || { echo "$dump"; fail "the kiosk origin is not allowed"; }
if echo "$dump" | grep -q 'Debian'; then echo "$dump"; fail "Debian's default origins are still allowed"; fi
grep -q '^Origin: Bianmin Kiosk$' "$w/repo/dists/bookworm/Release" && grep -q '^Label: Bianmin Kiosk$' "$w/repo/dists/bookworm/Release" \
  || fail "the Release's origin/label do not match the unattended-upgrades pattern"
echo "update-test: unattended-upgrades limited to origin 'Bianmin Kiosk'"

# 6. The timers' calendars.
if command -v systemd-analyze >/dev/null; then
  for f in "$here"/packaging/apt/*.timer.conf; do
    sed -n 's/^OnCalendar=\(..*\)/\1/p' "$f" | while read -r cal; do
      systemd-analyze calendar "$cal" >/dev/null || fail "$f: OnCalendar=$cal does not parse"
    done
  done
  echo "update-test: timer calendars parse"
fi
echo "update-test: ok"
