package printer

// SystemFontPath is the Debian fonts-wqy-microhei collection, the source the
// bundled subset is made from. Pass it (kioskctl printer --font) only to
// compare with the full face; receipts use the bundled font.
const SystemFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
