#!/bin/sh
# Makes the pictogram subset in assets/icons/svg from Tabler Icons (MIT,
# npm @tabler/icons). Run from the repository root:
#   sh assets/icons/subset.sh
# It installs the package into build/tabler-icons (never committed), copies
# the outline icons named below, sets their stroke to the kiosk's blue
# (Fyne's SVG renderer has no currentColor) and copies the licence.
set -eu
VERSION=3.51.0
DEST=assets/icons/svg
PKG=build/tabler-icons
npm install --silent --no-audit --no-fund --prefix "$PKG" "@tabler/icons@$VERSION" >/dev/null
SRC="$PKG/node_modules/@tabler/icons"
mkdir -p "$DEST"
rm -f "$DEST"/*.svg
# name-in-kiosk=tabler-name: categories of the catalogue, then 一件事.
for pair in \
	shebao=shield-check \
	yibao=medical-cross \
	minzheng=heart-handshake \
	canlian=wheelchair \
	huji=home \
	nongye=plant-2 \
	jiuye=briefcase \
	weijian=stethoscope \
	qita=dots-circle-horizontal \
	bundle=stack-2 \
	search=search \
	progress=file-search \
	help=help-circle \
	card=id \
	; do
	name=${pair%%=*}
	icon=${pair#*=}
	sed -e 's/currentColor/#1a56b8/g' "$SRC/icons/outline/$icon.svg" > "$DEST/$name.svg"
done
cp "$SRC/LICENSE" assets/icons/LICENSE-tabler-icons.txt
echo "tabler icons $VERSION: $(ls "$DEST" | wc -l) icons in $DEST"
