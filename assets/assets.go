// Package assets holds the files compiled into the kiosk binary: the bundled
// CJK font (a subset of WenQuanYi Micro Hei, Apache-2.0) and the sample
// service catalogue used until the provincial platform publishes one.
//
// It imports only the root domain package and the standard library, never
// Fyne or a driver, so any package (UI, printer, sync, kioskctl) may import it.
// See docs/assets.md for how to regenerate the font and edit the catalogue.
package assets

import (
	"bytes"
	_ "embed" // for //go:embed
	"encoding/json"
	"errors"
	"fmt"
	"io"

	kiosk "github.com/bianmin/kiosk"
)

//go:embed fonts/WenQuanYiMicroHei-subset.ttf
var fontTTF []byte

//go:embed fonts/LICENSE-wqy-microhei.txt
var fontLicense []byte

//go:embed catalog/catalog.json
var catalogJSON []byte

// FontName is the English family name of the bundled font (its name table
// also carries the Chinese one, 文泉驛微米黑).
const FontName = "WenQuanYi Micro Hei"

// FontFile is the file name of the bundled font, for resources that need one.
const FontFile = "WenQuanYiMicroHei-subset.ttf"

// FontTTF returns the bundled TrueType font: one face covering ASCII,
// Latin-1, CJK punctuation, full-width forms and the CJK Unified Ideographs
// block (all GB2312 hanzi included). The slice is shared: do not modify it.
func FontTTF() []byte { return fontTTF }

// FontLicense returns the licence text of the bundled font, for an "about"
// screen or a package's copyright file.
func FontLicense() []byte { return fontLicense }

// CatalogJSON returns the bundled sample catalogue as indented JSON. The
// slice is shared: do not modify it.
func CatalogJSON() []byte { return catalogJSON }

// Catalog parses and validates the bundled sample catalogue. Each call
// returns a fresh copy the caller may change.
func Catalog() (*kiosk.Catalog, error) {
	c, err := ParseCatalog(catalogJSON)
	if err != nil {
		return nil, fmt.Errorf("bundled catalogue: %w", err)
	}
	return c, nil
}

// ErrCatalogSyntax marks catalogue bytes that are not a well-formed
// catalogue document (bad JSON, unknown fields, trailing data). A document
// that parses but breaks the element rules fails with kiosk.ErrCatalog.
var ErrCatalogSyntax = errors.New("malformed catalogue")

// ParseCatalog decodes a catalogue document strictly (unknown fields and
// trailing data are rejected, so a misspelt key does not silently drop an
// element) and validates it with (*kiosk.Catalog).Validate.
func ParseCatalog(data []byte) (*kiosk.Catalog, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c kiosk.Catalog
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("parse catalogue: %w: %w", ErrCatalogSyntax, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("parse catalogue: %w: trailing data", ErrCatalogSyntax)
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("validate catalogue: %w", err)
	}
	return &c, nil
}
