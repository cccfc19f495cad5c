package offline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// This file implements relay.Outbox (sync/relay/outbox.go). The package does
// not import sync/relay; the compile-time check lives in outbox_test.go.

// ErrNoneDue is returned (wrapped) by NextDue when nothing is due; it is
// the domain's sentinel, which the relay tests for.
var ErrNoneDue = kiosk.ErrNoneDue

// NextDue returns the pending application whose next attempt is at or
// before now, smallest total size first, or ErrNoneDue, leaving out the
// instance IDs in skip (those the relay already tried in this pass). The
// index applications_due(total_size, next_attempt_at) over pending rows makes
// this a walk from the smallest entry that stops at the first due one. A
// next attempt further ahead of now than any backoff sets (WithMaxRetryAhead)
// was set under a wrong clock, later corrected: it counts as due, so that a
// failure while the clock read a year ahead does not freeze the application
// for a year.
func (s *Store) NextDue(ctx context.Context, now time.Time, skip ...string) (*kiosk.Application, error) {
	var id, state string
	var payload []byte
	q := `SELECT instance_id, payload, state FROM applications INDEXED BY applications_due
		WHERE ` + pendingSQL + ` AND (next_attempt_at <= ? OR next_attempt_at > ?)`
	args := []any{now.UnixNano(), now.Add(s.maxRetryAhead).UnixNano()}
	if len(skip) > 0 {
		q += ` AND instance_id NOT IN (` + strings.Repeat("?,", len(skip)-1) + `?)`
		for _, id := range skip {
			args = append(args, id)
		}
	}
	q += ` ORDER BY total_size, next_attempt_at LIMIT 1`
	err := s.r.QueryRowContext(ctx, q, args...).Scan(&id, &payload, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("next due: %w", ErrNoneDue)
	}
	if err != nil {
		return nil, fmt.Errorf("next due: %w", err)
	}
	app, err := s.openApp(id, payload, state)
	if err != nil {
		return nil, fmt.Errorf("next due %s: %w", id, err)
	}
	return app, nil
}

// MarkUploading moves a queued application to uploading; idempotent.
func (s *Store) MarkUploading(ctx context.Context, instanceID string) error {
	now := s.now()
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE applications SET state = 'uploading', updated_at = ? WHERE instance_id = ? AND state = 'queued'`,
			now.UnixNano(), instanceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		err = notPending(ctx, tx, instanceID)
		if errors.Is(err, kiosk.ErrTransition) {
			var st string
			tx.QueryRowContext(ctx, `SELECT state FROM applications WHERE instance_id = ?`, instanceID).Scan(&st)
			if st == string(kiosk.StateUploading) {
				return nil
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("mark uploading: %w", dbErr(err))
	}
	return nil
}

// OpenAttachment returns the decrypted bytes of one attachment, checked
// against the stored sha256.
func (s *Store) OpenAttachment(ctx context.Context, instanceID, attachmentID string) (io.ReadSeekCloser, error) {
	b, err := s.readAttachment(ctx, instanceID, attachmentID)
	if err != nil {
		return nil, fmt.Errorf("open attachment: %w", err)
	}
	return nopSeekCloser{bytes.NewReader(b)}, nil
}

type nopSeekCloser struct{ *bytes.Reader }

func (nopSeekCloser) Close() error { return nil }

func (s *Store) readAttachment(ctx context.Context, instanceID, attachmentID string) ([]byte, error) {
	var path, sum string
	err := s.r.QueryRowContext(ctx, `SELECT sealed_path, sha256 FROM attachments WHERE instance_id = ? AND attachment_id = ?`,
		instanceID, attachmentID).Scan(&path, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%s/%s: %w", instanceID, attachmentID, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	sealed, err := os.ReadFile(filepath.Join(s.attDir, filepath.FromSlash(path)))
	if err != nil {
		return nil, err
	}
	plain, err := s.seal.open(sealed, adFile(instanceID, attachmentID))
	if err != nil {
		return nil, fmt.Errorf("%s/%s: %w", instanceID, attachmentID, err)
	}
	got := sha256.Sum256(plain)
	if hex.EncodeToString(got[:]) != sum {
		return nil, fmt.Errorf("%s/%s: sha256 mismatch: %w", instanceID, attachmentID, ErrSealed)
	}
	return plain, nil
}

// UploadProgress returns the resumable-upload URL and acknowledged offset of
// one attachment ("" and 0 when none yet).
func (s *Store) UploadProgress(ctx context.Context, instanceID, attachmentID string) (string, int64, error) {
	var u string
	var off int64
	err := s.r.QueryRowContext(ctx, `SELECT upload_url, upload_offset FROM attachments WHERE instance_id = ? AND attachment_id = ?`,
		instanceID, attachmentID).Scan(&u, &off)
	if errors.Is(err, sql.ErrNoRows) {
		return "", 0, fmt.Errorf("upload progress %s/%s: %w", instanceID, attachmentID, ErrNotFound)
	}
	if err != nil {
		return "", 0, fmt.Errorf("upload progress: %w", err)
	}
	return u, off, nil
}

// SetUploadProgress records the upload URL and acknowledged offset.
func (s *Store) SetUploadProgress(ctx context.Context, instanceID, attachmentID, url string, offset int64) error {
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE attachments SET upload_url = ?, upload_offset = ? WHERE instance_id = ? AND attachment_id = ?`,
			url, offset, instanceID, attachmentID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%s/%s: %w", instanceID, attachmentID, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set upload progress: %w", dbErr(err))
	}
	return nil
}

// MarkSubmitted records that the platform confirmed the form and every
// attachment. Idempotent: an application already submitted or further along
// is left alone.
func (s *Store) MarkSubmitted(ctx context.Context, instanceID string, at time.Time) error {
	now := s.now()
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE applications SET state = 'submitted', updated_at = ?, next_attempt_at = 0, last_error = ''
			WHERE instance_id = ? AND `+pendingSQL, now.UnixNano(), instanceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := notPending(ctx, tx, instanceID); !errors.Is(err, kiosk.ErrTransition) {
				return err
			}
			return nil // already synced
		}
		if err := auditTx(ctx, tx, now, "submitted", instanceID, "platform_at="+at.UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		return replayStatusTx(ctx, tx, now, instanceID)
	})
	if err != nil {
		return fmt.Errorf("mark submitted: %w", dbErr(err))
	}
	return nil
}

// MaxLastError is how much of a failure message MarkFailed keeps.
const MaxLastError = 500

// MarkFailed records a failed attempt: attempts+1, the error (no personal
// data) and the next attempt time. The state stays queued or uploading.
func (s *Store) MarkFailed(ctx context.Context, instanceID string, lastErr string, next time.Time) error {
	if len(lastErr) > MaxLastError {
		lastErr = lastErr[:MaxLastError]
	}
	now := s.now()
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE applications SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, updated_at = ?
			WHERE instance_id = ? AND `+pendingSQL, lastErr, unixNano(next), now.UnixNano(), instanceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notPending(ctx, tx, instanceID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark failed: %w", dbErr(err))
	}
	return nil
}

// finalStates start the retention clock.
func finalState(st kiosk.State) bool {
	return st == kiosk.StateAccepted || st == kiosk.StateRejected || st == kiosk.StateCompleted
}

// ApplyStatus records a status event from the platform's feed and moves the
// state when the life cycle allows it. For an application still queued or
// uploading here the event is recorded and the state kept: the relay goes on
// sending what the platform may lack (its attachments) and completing it,
// and MarkSubmitted then applies the events recorded meanwhile. (A platform
// may decide on the form before every attachment arrived; taking such an
// event for delivery would leave attachments unsent for ever.) An event that
// the life cycle does not allow is recorded, and the state kept. The note is
// sealed (it may name the resident).
func (s *Store) ApplyStatus(ctx context.Context, instanceID string, st kiosk.State, at time.Time, note string) error {
	switch st {
	case kiosk.StateSubmitted, kiosk.StateAccepted, kiosk.StateRejected, kiosk.StateNeedsSupplement, kiosk.StateCompleted:
	default:
		return fmt.Errorf("apply status: %w: state %q", ErrInvalid, st)
	}
	now := s.now()
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		var cur string
		err := tx.QueryRowContext(ctx, `SELECT state FROM applications WHERE instance_id = ?`, instanceID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%s: %w", instanceID, ErrNotFound)
		}
		if err != nil {
			return err
		}
		var sealedNote []byte
		if note != "" {
			sealedNote = s.seal.seal([]byte(note), adNote(instanceID))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO status_events(instance_id, state, at, note, recorded_at) VALUES (?, ?, ?, ?, ?)`,
			instanceID, string(st), unixNano(at), sealedNote, now.UnixNano()); err != nil {
			return err
		}
		c := kiosk.State(cur)
		if c == kiosk.StateQueued || c == kiosk.StateUploading {
			return auditTx(ctx, tx, now, "status deferred", instanceID, fmt.Sprintf("%s while %s", st, c))
		}
		if c == st || !c.CanBecome(st) {
			return nil
		}
		return moveTx(ctx, tx, now, instanceID, c, st)
	})
	if err != nil {
		return fmt.Errorf("apply status: %w", dbErr(err))
	}
	return nil
}

// moveTx moves an application from state c to st (final states start the
// retention clock) and audits it.
func moveTx(ctx context.Context, tx *sql.Tx, now time.Time, instanceID string, c, st kiosk.State) error {
	q := `UPDATE applications SET state = ?, updated_at = ?, next_attempt_at = 0, last_error = '' WHERE instance_id = ?`
	args := []any{string(st), now.UnixNano(), instanceID}
	if finalState(st) {
		q = `UPDATE applications SET state = ?, updated_at = ?, next_attempt_at = 0, last_error = '', final_at = ? WHERE instance_id = ?`
		args = []any{string(st), now.UnixNano(), now.UnixNano(), instanceID}
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return err
	}
	return auditTx(ctx, tx, now, "status", instanceID, fmt.Sprintf("%s->%s", c, st))
}

// replayStatusTx applies, in order, the status events recorded while the
// application was still being sent (ApplyStatus deferred them).
func replayStatusTx(ctx context.Context, tx *sql.Tx, now time.Time, instanceID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT state FROM status_events WHERE instance_id = ? ORDER BY at, id`, instanceID)
	if err != nil {
		return err
	}
	var states []kiosk.State
	for rows.Next() {
		var st string
		if err := rows.Scan(&st); err != nil {
			rows.Close()
			return err
		}
		states = append(states, kiosk.State(st))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	cur := kiosk.StateSubmitted
	for _, st := range states {
		if st != cur && cur.CanBecome(st) {
			if err := moveTx(ctx, tx, now, instanceID, cur, st); err != nil {
				return err
			}
			cur = st
		}
	}
	return nil
}

// StatusEvent is one entry of the platform's status feed as recorded.
type StatusEvent struct {
	State kiosk.State `json:"state"`
	At    time.Time   `json:"at"`
	Note  string      `json:"note,omitempty"` // decrypted; personal data possible
}

// StatusEvents returns the recorded status events of one application,
// oldest first, notes decrypted.
func (s *Store) StatusEvents(ctx context.Context, instanceID string) ([]StatusEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state, at, note FROM status_events WHERE instance_id = ? ORDER BY at, id`, instanceID)
	if err != nil {
		return nil, fmt.Errorf("status events: %w", err)
	}
	defer rows.Close()
	var out []StatusEvent
	for rows.Next() {
		var e StatusEvent
		var st string
		var at int64
		var note []byte
		if err := rows.Scan(&st, &at, &note); err != nil {
			return nil, fmt.Errorf("status events: %w", err)
		}
		e.State, e.At = kiosk.State(st), fromNano(at)
		if note != nil {
			if p, err := s.seal.open(note, adNote(instanceID)); err == nil {
				e.Note = string(p)
			}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PendingRatings returns up to limit ratings not yet sent, oldest first.
func (s *Store) PendingRatings(ctx context.Context, limit int) ([]kiosk.Rating, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.r.QueryContext(ctx, `SELECT instance_id, payload FROM ratings WHERE sent = 0 ORDER BY created_at LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("pending ratings: %w", err)
	}
	defer rows.Close()
	var out []kiosk.Rating
	for rows.Next() {
		var id string
		var payload []byte
		if err := rows.Scan(&id, &payload); err != nil {
			return nil, fmt.Errorf("pending ratings: %w", err)
		}
		plain, err := s.seal.open(payload, adRating(id))
		if err != nil {
			return nil, fmt.Errorf("pending ratings %s: %w", id, err)
		}
		var r kiosk.Rating
		if err := json.Unmarshal(plain, &r); err != nil {
			return nil, fmt.Errorf("pending ratings %s: %w", id, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkRatingSent marks the rating of one application as sent. Idempotent.
func (s *Store) MarkRatingSent(ctx context.Context, instanceID string) error {
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE ratings SET sent = 1 WHERE instance_id = ?`, instanceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("rating %s: %w", instanceID, ErrNotFound)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark rating sent: %w", dbErr(err))
	}
	return nil
}

// Cursor returns a named position ("" when never set).
func (s *Store) Cursor(ctx context.Context, name string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, `SELECT value FROM cursors WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cursor: %w", err)
	}
	return v, nil
}

// SetCursor stores a named position.
func (s *Store) SetCursor(ctx context.Context, name, value string) error {
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO cursors(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value`, name, value)
		return err
	})
	if err != nil {
		return fmt.Errorf("set cursor: %w", dbErr(err))
	}
	return nil
}

// KeepCatalogs is how many catalogue versions SaveCatalog keeps.
const KeepCatalogs = 3

// SaveCatalog keeps a verified signed catalogue (the caller verified it);
// the newest KeepCatalogs versions are kept.
func (s *Store) SaveCatalog(ctx context.Context, version int64, signed []byte) error {
	now := s.now()
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_versions(version, signed, saved_at) VALUES (?, ?, ?)
			ON CONFLICT(version) DO UPDATE SET signed = excluded.signed, saved_at = excluded.saved_at`, version, signed, now.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM catalog_versions WHERE version NOT IN
			(SELECT version FROM catalog_versions ORDER BY version DESC LIMIT ?)`, KeepCatalogs)
		return err
	})
	if err != nil {
		return fmt.Errorf("save catalog: %w", dbErr(err))
	}
	return nil
}

// LatestCatalog returns the newest kept catalogue, or (nil, 0, nil).
func (s *Store) LatestCatalog(ctx context.Context) ([]byte, int64, error) {
	var b []byte
	var v int64
	err := s.r.QueryRowContext(ctx, `SELECT signed, version FROM catalog_versions ORDER BY version DESC LIMIT 1`).Scan(&b, &v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("latest catalog: %w", err)
	}
	return b, v, nil
}

// Depth counts applications not yet submitted.
func (s *Store) Depth(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM applications WHERE `+pendingSQL).Scan(&n); err != nil {
		return 0, fmt.Errorf("depth: %w", err)
	}
	return n, nil
}

// Attempts returns the failed attempts recorded for an application.
func (s *Store) Attempts(ctx context.Context, instanceID string) (int, error) {
	sum, err := s.Summary(ctx, instanceID)
	if err != nil {
		return 0, err
	}
	return sum.Attempts, nil
}
