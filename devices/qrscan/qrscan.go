// Package qrscan reads QR and barcode scanners: serial scanners in line mode
// (payloads ended by CR or LF) and USB keyboard-wedge scanners through Linux
// evdev with an exclusive grab, so that scans never leak into the UI as
// keystrokes. It classifies payloads (our receipt QR, an electronic ID,
// a URL) and runs a Service that publishes them as events. cmd/ and the
// app's wiring import it.
package qrscan

import (
	"net/url"
	"strings"

	kiosk "github.com/bianmin/kiosk"
)

// MaxPayload is the longest payload accepted; longer ones are discarded
// with ErrTooLong. A version-40 QR code holds at most 2953 bytes.
const MaxPayload = 4096

// ElectronicIDPrefix marks an electronic ID (网证 / CTID) QR payload. It is
// a placeholder until the provincial platform's format is specified.
const ElectronicIDPrefix = "CTID:"

// Kind is what a payload is.
type Kind string

// Payload kinds.
const (
	KindReceipt      Kind = "receipt"       // a receipt printed by a kiosk (kiosk.ParseReceiptQR)
	KindElectronicID Kind = "electronic_id" // starts with ElectronicIDPrefix
	KindURL          Kind = "url"           // any other http(s) URL
	KindUnknown      Kind = "unknown"
)

// Classify tells what a payload is.
func Classify(payload string) Kind {
	if _, _, ok := kiosk.ParseReceiptQR(payload); ok {
		return KindReceipt
	}
	if strings.HasPrefix(payload, ElectronicIDPrefix) && len(payload) > len(ElectronicIDPrefix) {
		return KindElectronicID
	}
	if u, err := url.Parse(strings.TrimSpace(payload)); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return KindURL
	}
	return KindUnknown
}
