package printer

import (
	"github.com/bianmin/kiosk/assets"
)

// SystemFontPath is the Debian fonts-wqy-microhei collection, the source the
// bundled subset is made from. Pass it (kioskctl printer --font) only to
// compare with the full face; receipts use the bundled font.
const SystemFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

// DefaultFont returns the CJK font bytes used to render receipts: the
// subset of WenQuanYi Micro Hei compiled into the binary (package assets),
// which covers every character the receipts and the UI can show, so
// printing never depends on the machine's fonts. It never fails; the error
// is kept for callers that load a font from elsewhere.
func DefaultFont() ([]byte, error) {
	return assets.FontTTF(), nil
}
