package printer

import (
	"fmt"
	"os"
)

// SystemFontPath is the Debian fonts-wqy-microhei collection, used until the
// bundled subset font (package assets) is passed in instead.
const SystemFontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

// DefaultFont returns the CJK font bytes (TTF or TTC) used to render
// receipts. It is the single switch-over point to the bundled font.
func DefaultFont() ([]byte, error) {
	b, err := os.ReadFile(SystemFontPath)
	if err != nil {
		return nil, fmt.Errorf("printer: font: %w", err)
	}
	return b, nil
}
