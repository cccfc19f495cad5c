#!/bin/sh
# make-font.sh — regenerate assets/fonts/WenQuanYiMicroHei-subset.ttf.
#
# Subsets face 0 of WenQuanYi Micro Hei (Debian fonts-wqy-microhei) to one
# TrueType face holding what the kiosk shows:
#   - ASCII, Latin-1, general punctuation, letterlike symbols, number forms,
#     arrows, enclosed alphanumerics, geometric shapes, CJK symbols and
#     punctuation, full-width forms;
#   - the 6 763 GB2312 hanzi (every valid GB2312 two-byte code in rows
#     0xB0-0xF7, decoded with Python's gb2312 codec);
#   - the whole CJK Unified Ideographs block U+4E00-U+9FFF that the font
#     covers (a superset of the basic-block part of 通用规范汉字表, which we
#     cannot derive offline; it keeps rare given-name and place-name characters
#     such as 玥 堃 喆 readable). Pass --gb2312-only to leave it out (~1.2 MB);
#   - every character the kiosk can show, listed at run time by
#     assets/internal/fontchars (locale files app/i18n/locales/*.toml, the
#     catalogue and test cards, and the string and rune literals of the Go
#     code under ., app/, devices/ and assets/: widget labels, the pinyin
#     candidate list, receipt text, symbols such as √ ★ ☆), plus everything
#     in assets/**/*.json, *.toml, *.yaml, *.yml. assets' TestFontCoversSources
#     fails when a shown character has no glyph, i.e. when this script needs
#     re-running.
# Hinting is dropped (the kiosk renders at large sizes with its own
# rasteriser) and so are tables the renderer does not use.
#
# Needs: fonts-wqy-microhei, fonttools (pyftsubset), python3, go.
# Usage: assets/fonts/make-font.sh [--gb2312-only]   (from anywhere; re-runnable)
set -eu

here=$(cd "$(dirname "$0")" && pwd)
assets=$(dirname "$here")
src=${WQY_TTC:-/usr/share/fonts/truetype/wqy/wqy-microhei.ttc}
out="$here/WenQuanYiMicroHei-subset.ttf"
block="U+4E00-9FFF"
if [ "${1:-}" = "--gb2312-only" ]; then block=""; fi

for tool in pyftsubset python3 go; do
	command -v "$tool" >/dev/null || { echo "make-font: $tool not found (apt-get install fonttools python3; go)" >&2; exit 1; }
done
[ -r "$src" ] || { echo "make-font: $src not found (apt-get install fonts-wqy-microhei)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Characters the UI and receipts can show (locales, catalogue, Go literals).
root=$(dirname "$assets")
(cd "$root" && go run ./assets/internal/fontchars/cmd/fontchars "$root") >"$tmp/shown.txt"

# Characters: GB2312 hanzi, the shown ones and everything in the asset text files.
python3 - "$assets" "$tmp/text.txt" "$tmp/shown.txt" <<'PY'
import pathlib, sys
assets, out = pathlib.Path(sys.argv[1]), sys.argv[2]
shown = pathlib.Path(sys.argv[3]).read_text(encoding="utf-8")
chars = set()
for hi in range(0xB0, 0xF8):          # GB2312 hanzi rows 16-87
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
n_gb = len(chars)
chars.update(shown)
files = 0
for pat in ("*.json", "*.toml", "*.yaml", "*.yml"):
    for p in sorted(assets.rglob(pat)):
        chars.update(p.read_text(encoding="utf-8"))
        files += 1
chars = {c for c in chars if c.isprintable()}
pathlib.Path(out).write_text("".join(sorted(chars)), encoding="utf-8")
print(f"make-font: {n_gb} GB2312 hanzi, {len(shown)} shown characters, {files} asset files, {len(chars)} characters", file=sys.stderr)
PY

ranges="U+0020-007E,U+00A0-00FF,U+2000-206F,U+2100-218F,U+2190-21FF,U+2460-24FF,U+25A0-25FF,U+3000-303F,U+FF00-FFEF"
[ -n "$block" ] && ranges="$ranges,$block"

pyftsubset "$src" --font-number=0 \
	--text-file="$tmp/text.txt" --unicodes="$ranges" \
	--no-hinting --drop-tables+=FFTM,DSIG,gasp,hdmx,LTSH,VDMX \
	--layout-features='*' --name-IDs='*' --name-languages='*' \
	--output-file="$tmp/out.ttf" 2>"$tmp/log" || { cat "$tmp/log" >&2; exit 1; }
grep -v "FFTM NOT subset" "$tmp/log" >&2 || true
mv "$tmp/out.ttf" "$out"
echo "make-font: wrote $out ($(wc -c <"$out") bytes)" >&2
