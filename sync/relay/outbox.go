// Package relay drains the offline queue to the provincial platform: forms
// first, then attachments through resumable uploads, then the completion step,
// with capped exponential backoff and full jitter. It also pulls the signed
// catalogue and the status feed and sends ratings and heartbeats.
// cmd/ wires it; nothing else imports it.
package relay

import (
	"context"
	"io"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// ErrNoneDue is returned by Outbox.NextDue when nothing is due now: the
// domain's sentinel, shared with the store.
var ErrNoneDue = kiosk.ErrNoneDue

// Outbox is what the relay needs of the durable queue (offline.Store
// implements it). Every method is safe for concurrent use and durable on
// return: a process killed right after a method returns loses nothing the
// method reported as done.
type Outbox interface {
	// NextDue returns the queued or uploading application whose next attempt
	// time is at or before now, smallest total size first among those due, or
	// ErrNoneDue (wrapped) when none is, never one whose instance ID is in
	// skip. Attachments are listed, not read.
	NextDue(ctx context.Context, now time.Time, skip ...string) (*kiosk.Application, error)
	// MarkUploading moves a queued application to uploading. Idempotent.
	MarkUploading(ctx context.Context, instanceID string) error
	// OpenAttachment returns the decrypted bytes of one attachment.
	OpenAttachment(ctx context.Context, instanceID, attachmentID string) (io.ReadSeekCloser, error)
	// UploadProgress returns the resumable-upload URL and the offset the
	// platform last acknowledged for one attachment ("" and 0 when none yet).
	UploadProgress(ctx context.Context, instanceID, attachmentID string) (url string, offset int64, err error)
	// SetUploadProgress records the upload URL and acknowledged offset.
	SetUploadProgress(ctx context.Context, instanceID, attachmentID, url string, offset int64) error
	// MarkSubmitted records that the platform confirmed form and attachments.
	MarkSubmitted(ctx context.Context, instanceID string, at time.Time) error
	// MarkFailed records a failed attempt (attempts+1, last error, next
	// attempt time); the application stays queued or uploading. lastErr must
	// not carry personal data.
	MarkFailed(ctx context.Context, instanceID string, lastErr string, next time.Time) error
	// Attempts returns how many attempts MarkFailed has recorded, so that
	// backoff keeps growing across restarts of the process.
	Attempts(ctx context.Context, instanceID string) (int, error)
	// ApplyStatus records a status event from the platform's feed (accepted,
	// rejected, needs_supplement, completed) and moves the state when allowed.
	ApplyStatus(ctx context.Context, instanceID string, st kiosk.State, at time.Time, note string) error
	// PendingRatings returns ratings not yet sent; MarkRatingSent marks one.
	PendingRatings(ctx context.Context, limit int) ([]kiosk.Rating, error)
	MarkRatingSent(ctx context.Context, instanceID string) error
	// Cursor and SetCursor keep named positions (the status feed's cursor).
	Cursor(ctx context.Context, name string) (string, error)
	SetCursor(ctx context.Context, name, value string) error
	// SaveCatalog keeps a verified signed catalogue; LatestCatalog returns
	// the newest kept one (raw signed bytes and its version), or (nil, 0, nil).
	SaveCatalog(ctx context.Context, version int64, signed []byte) error
	LatestCatalog(ctx context.Context) (signed []byte, version int64, err error)
	// Depth counts applications not yet submitted.
	Depth(ctx context.Context) (int, error)
}
