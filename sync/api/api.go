// Package api holds the wire types of the provincial platform protocol, shared
// by sync/client (the terminal side) and sync/platformsim (the emulator). It
// imports only the root package and the standard library; anyone may import it.
// docs/platform-api.md is the contract these types encode.
package api

import (
	"encoding/json"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// Version is the envelope version: every response body is
// {"bmk":1,"ok":true,"data":…} or {"bmk":1,"ok":false,"error":{…}}.
const Version = 1

// ContentType is the media type of every JSON request and response.
const ContentType = "application/json"

// Paths of the protocol, relative to the base URL.
const (
	PathApplications = "/v1/applications/" // PUT {id}, POST {id}/complete
	PathUploads      = "/v1/uploads/"      // tus 1.0 endpoint
	PathCatalog      = "/v1/catalog"
	PathStatus       = "/v1/status"
	PathRatings      = "/v1/ratings"
	PathHeartbeat    = "/v1/heartbeat"
)

// Envelope wraps every response body. A body that does not decode into an
// envelope with bmk == Version is not from the platform (a captive portal, a
// proxy's error page) and is never taken as success.
type Envelope struct {
	BMK   int             `json:"bmk"`
	OK    bool            `json:"ok"`
	Data  json.RawMessage `json:"data,omitempty"`
	Error *Error          `json:"error,omitempty"`
}

// Error is the error object of an envelope with ok == false.
type Error struct {
	Code    string `json:"code"` // machine-readable, see the Code constants
	Message string `json:"message"`
}

// Error codes.
const (
	CodeBadRequest     = "bad_request"
	CodeConflict       = "conflict"        // PUT with different content for a known instance id
	CodeNotFound       = "not_found"       // unknown application
	CodeIncomplete     = "incomplete"      // complete before every attachment arrived intact
	CodeUnauthorized   = "unauthorized"    // no or unknown client certificate
	CodeInternal       = "internal"        // server fault; retry later
	CodeChecksum       = "checksum"        // an attachment's bytes do not match its sha256
	CodeNoCatalog      = "no_catalog"      // the platform has no catalogue to give
	CodeUnknownVersion = "unknown_version" // not used by the emulator; reserved
)

// PutResult is the data of PUT /v1/applications/{id}: 201 when created, 200
// when the identical form was already held.
type PutResult struct {
	InstanceID string `json:"instance_id"`
	Created    bool   `json:"created"`
}

// AttachmentReceipt is the platform's confirmation of one attachment.
type AttachmentReceipt struct {
	ID     string `json:"id"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// CompleteResult is the data of POST /v1/applications/{id}/complete.
type CompleteResult struct {
	InstanceID  string              `json:"instance_id"`
	SubmittedAt time.Time           `json:"submitted_at"`
	Attachments []AttachmentReceipt `json:"attachments"`
}

// IncompleteDetail is the data of a 409 "incomplete" answer to complete: the
// attachments still missing or whose stored bytes do not match.
type IncompleteDetail struct {
	Missing []string `json:"missing"`
}

// StatusEvent is one event of the status feed.
type StatusEvent struct {
	InstanceID string      `json:"instance_id"`
	State      kiosk.State `json:"state"`
	At         time.Time   `json:"at"`
	Note       string      `json:"note,omitempty"`
}

// StatusPage is the data of GET /v1/status?cursor=…: the events after the
// cursor, oldest first, and the cursor to ask with next time (equal to the
// one given when there is nothing new).
type StatusPage struct {
	Events []StatusEvent `json:"events"`
	Next   string        `json:"next"`
}

// RatingResult is the data of POST /v1/ratings.
type RatingResult struct {
	InstanceID string `json:"instance_id"`
	Created    bool   `json:"created"`
}

// Heartbeat is the body of POST /v1/heartbeat.
type Heartbeat struct {
	Terminal   string               `json:"terminal"` // station code + terminal number
	At         time.Time            `json:"at"`
	Devices    []kiosk.DeviceStatus `json:"devices"`
	QueueDepth int                  `json:"queue_depth"`
	Versions   map[string]string    `json:"versions,omitempty"` // app, catalog (the one in use), os …

	// The facts the terminal's metrics expose (docs/operations.md), for the
	// platform's view of 20 000 terminals.
	UptimeS        int64     `json:"uptime_s"`                 // seconds since the relay started
	DiskFreeBytes  uint64    `json:"disk_free_bytes"`          // free on the store's file system, for the kiosk's user
	DiskSizeBytes  uint64    `json:"disk_size_bytes"`          // size of that file system
	ClockSkewMS    int64     `json:"clock_skew_ms"`            // platform's clock minus ours at the previous heartbeat
	ClockSkewed    bool      `json:"clock_skewed,omitempty"`   // beyond the relay's limit
	OldestPendingS int64     `json:"oldest_pending_s"`         // age of the oldest application not yet confirmed (0: none)
	PendingBytes   int64     `json:"pending_bytes"`            // attachment bytes still to send
	CatalogVersion int64     `json:"catalog_version"`          // the catalogue in use (not merely kept)
	CatalogExpires time.Time `json:"catalog_expires,omitzero"` // its expiry
	Degraded       []string  `json:"degraded,omitempty"`       // degraded modes shown to residents: reader_missing, printer_out, disk_low
}

// HeartbeatResult is the data of POST /v1/heartbeat.
type HeartbeatResult struct {
	ServerTime time.Time `json:"server_time"`
}

// SignedCatalog is the data of GET /v1/catalog. Payload is the exact bytes
// that were signed (compact JSON of CatalogPayload), carried base64-encoded so
// that no re-encoding along the way can change them; Sig is the ed25519
// signature of Payload.
type SignedCatalog struct {
	Payload []byte `json:"payload"` // base64 in JSON
	Sig     []byte `json:"sig"`     // base64 in JSON
	KeyID   string `json:"key_id,omitempty"`
}

// CatalogPayload is what a SignedCatalog's Payload decodes into.
type CatalogPayload struct {
	Version int64           `json:"version"` // strictly increasing
	Issued  time.Time       `json:"issued"`
	Expires time.Time       `json:"expires"`
	Catalog json.RawMessage `json:"catalog"` // a kiosk.Catalog
}

// Tus protocol constants used by client and emulator.
const (
	TusVersion       = "1.0.0"
	TusChecksumAlgo  = "sha256"
	MetaInstanceID   = "instance_id"
	MetaAttachmentID = "attachment_id"
	MetaSHA256       = "sha256"
	// StatusChecksumMismatch is the tus checksum extension's status.
	StatusChecksumMismatch = 460
)

// Inspection (emulator only, never on a real platform).
const (
	PathInspectReceived = "/v1/_inspect/received"
	PathInspectDecide   = "/v1/_inspect/decide"
	PathInspectCatalog  = "/v1/_inspect/catalog"
)

// Received is one application the emulator holds, as listed by
// GET /v1/_inspect/received and `platformsim received --json`.
type Received struct {
	InstanceID   string              `json:"instance_id"`
	AcceptanceNo string              `json:"acceptance_no"`
	ItemCode     string              `json:"item_code"`
	Terminal     string              `json:"terminal,omitempty"`
	Submitted    bool                `json:"submitted"`
	SubmittedAt  *time.Time          `json:"submitted_at,omitempty"`
	Puts         int                 `json:"puts"` // PUT requests seen for this id
	State        kiosk.State         `json:"state"`
	Attachments  []AttachmentReceipt `json:"attachments"` // sha256/size of the bytes stored
	// Test: the terminal flagged it synthetic ("test": true in the form,
	// kioskctl queue demo); the platform must not treat it as a resident's.
	Test bool `json:"test,omitempty"`
}

// Decision is the body of POST /v1/_inspect/decide.
type Decision struct {
	InstanceID string      `json:"instance_id"`
	State      kiosk.State `json:"state"`
	Note       string      `json:"note,omitempty"`
}
