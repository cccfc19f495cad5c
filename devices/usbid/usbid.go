// Package usbid is the one parser of USB vendor:product IDs ("0400:C35A")
// for the configuration, kioskctl and the USB transports. It is pure Go (no
// libusb), so the configuration can be checked without cgo.
package usbid

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrSyntax is matched by every parse error.
var ErrSyntax = errors.New("want VID:PID in hex, e.g. 0400:C35A")

// ID is a USB vendor and product ID.
type ID struct{ Vendor, Product uint16 }

// Parse reads "VID:PID": two hex numbers of one to four digits each
// (an optional 0x prefix and either case accepted), around one colon.
func Parse(s string) (ID, error) {
	v, p, ok := strings.Cut(strings.TrimSpace(s), ":")
	vid, err1 := hex16(v)
	pid, err2 := hex16(p)
	if !ok || err1 != nil || err2 != nil {
		return ID{}, fmt.Errorf("usb id %q: %w", s, ErrSyntax)
	}
	return ID{vid, pid}, nil
}

func hex16(s string) (uint16, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if s == "" || len(s) > 4 {
		return 0, ErrSyntax
	}
	n, err := strconv.ParseUint(s, 16, 16)
	return uint16(n), err
}

// String formats the ID as lsusb does: "0400:c35a".
func (id ID) String() string { return fmt.Sprintf("%04x:%04x", id.Vendor, id.Product) }
