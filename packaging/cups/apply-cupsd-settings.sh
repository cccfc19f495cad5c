#!/bin/sh
# Merges the kiosk's cupsd settings (cupsd-kiosk.conf next to this script, or
# /usr/share/bianmin-kiosk/cups/cupsd-kiosk.conf when installed) into a
# cupsd.conf: each directive replaces the same directive if present, or is
# added at the end. Safe to run again. Usage: apply-cupsd-settings.sh
# [CUPSD_CONF] (default /etc/cups/cupsd.conf). Restart cupsd afterwards.
set -eu
conf=${1:-/etc/cups/cupsd.conf}
here=$(dirname "$0")
settings=$here/cupsd-kiosk.conf
[ -f "$settings" ] || settings=/usr/share/bianmin-kiosk/cups/cupsd-kiosk.conf
[ -f "$settings" ] || { echo "apply-cupsd-settings: no cupsd-kiosk.conf" >&2; exit 1; }
[ -f "$conf" ] || : > "$conf"
tmp=$(mktemp "$conf.XXXXXX")
cp "$conf" "$tmp"
grep -v '^[[:space:]]*\(#\|$\)' "$settings" | while IFS= read -r line; do
  key=${line%% *}
  if grep -q "^[[:space:]]*$key[[:space:]]" "$tmp"; then
    # Replace every occurrence (awk: no sed escaping of the value).
    awk -v k="$key" -v l="$line" '{ if ($1 == k) print l; else print }' "$tmp" > "$tmp.new" && mv "$tmp.new" "$tmp"
  else
    printf '%s\n' "$line" >> "$tmp"
  fi
done
chmod --reference="$conf" "$tmp" 2>/dev/null || chmod 0640 "$tmp"
mv "$tmp" "$conf"
