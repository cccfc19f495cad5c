package offline

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// Summary is what the store tells about an application without opening it:
// codes, states, sizes and times. It holds no personal data.
type Summary struct {
	InstanceID    string      `json:"instance_id"`
	AcceptanceNo  string      `json:"acceptance_no"`
	ItemCode      string      `json:"item_code"`
	BundleCode    string      `json:"bundle_code,omitempty"`
	State         kiosk.State `json:"state"`
	Attempts      int         `json:"attempts"`
	NextAttemptAt time.Time   `json:"next_attempt_at,omitzero"`
	LastError     string      `json:"last_error,omitempty"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	TotalSize     int64       `json:"total_size"`
	Attachments   int         `json:"attachments"`
	Test          bool        `json:"test,omitempty"`
}

// ListFilter selects applications for List. The zero value lists the 100
// newest of every state.
type ListFilter struct {
	State    kiosk.State // "" for every state
	Pending  bool        // only queued and uploading
	TestOnly bool        // only synthetic applications
	Limit    int         // default 100
	Offset   int
}

// Stats is the queue at a glance.
type Stats struct {
	ByState      map[kiosk.State]int `json:"by_state"`
	Pending      int                 `json:"pending"` // queued + uploading
	BytesPending int64               `json:"bytes_pending"`
	OldestQueued time.Time           `json:"oldest_queued,omitzero"`
	OldestAge    time.Duration       `json:"oldest_age"`
}

// pendingStates are the states the relay still has to send.
const pendingSQL = `state IN ('queued', 'uploading')`

// NextAcceptanceSeq returns the next acceptance sequence number of the day
// (the China-time day of day, kiosk.AcceptanceDay), starting at 1. It is durable on return: a number is
// never handed out twice, even across a crash.
func (s *Store) NextAcceptanceSeq(ctx context.Context, day time.Time) (int, error) {
	var n int
	err := s.w.QueryRowContext(ctx, `INSERT INTO acceptance_seq(day, last) VALUES (?, 1)
		ON CONFLICT(day) DO UPDATE SET last = last + 1 RETURNING last`, kiosk.AcceptanceDay(day)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("acceptance seq: %w", dbErr(err))
	}
	return n, nil
}

// Enqueue durably queues an application with its files (keyed by attachment
// ID). Each file must match its Attachment's size and sha256. The files are
// sealed, written and fsynced before the row is committed (synchronous=FULL),
// so a crash leaves either the whole application or nothing (stray sealed
// files are removed at the next Open). Enqueue of an instance ID already
// stored with the same content succeeds without doing anything; with
// different content it returns ErrConflict. It sets app.State to queued.
func (s *Store) Enqueue(ctx context.Context, app *kiosk.Application, files map[string][]byte) error {
	if err := checkEnqueue(app, files); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	// The files' hashes are checked on the other core while the files are
	// sealed, written and fsynced, and always before the row is committed
	// (or a repeated Enqueue is acknowledged).
	hashes := checkHashes(app.Attachments, files)
	defer hashes()
	mac, err := s.appMAC(app)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	// With files to write, look first so that a repeated Enqueue does not
	// write and fsync them again; without, the INSERT's ON CONFLICT decides.
	if len(app.Attachments) > 0 {
		if done, err := s.alreadyStored(ctx, app.InstanceID, mac); err != nil || done {
			if err == nil {
				if err := hashes(); err != nil {
					return fmt.Errorf("enqueue: %w", err)
				}
				app.State = kiosk.StateQueued
			}
			return err
		}
	}
	now := s.now()
	stored := *app
	stored.State = kiosk.StateQueued
	if stored.CreatedAt.IsZero() {
		stored.CreatedAt = now
	}
	plain, err := json.Marshal(&stored)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	total := int64(len(plain))
	for _, a := range app.Attachments {
		total += a.Size
	}
	if err := s.roomFor(total); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}

	paths, err := s.writeSealedFiles(app.InstanceID, app.Attachments, files)
	if err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	if err := hashes(); err != nil {
		s.removeFiles(paths)
		return fmt.Errorf("enqueue: %w", err)
	}
	inserted := false
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		blind := sql.NullString{}
		if app.Applicant.IDNumber != "" {
			blind = sql.NullString{String: s.blind(app.Applicant.IDNumber), Valid: true}
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO applications(instance_id, acceptance_no, item_code, bundle_code,
			payload, content_mac, state, next_attempt_at, created_at, updated_at, total_size, test, id_blind)
			VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?) ON CONFLICT(instance_id) DO NOTHING`,
			app.InstanceID, app.AcceptanceNo, app.ItemCode, app.BundleCode,
			s.seal.seal(plain, adForm(app.InstanceID)), mac, now.UnixNano(), stored.CreatedAt.UnixNano(), now.UnixNano(),
			total, app.Test, blind)
		if err != nil {
			if isUniqueErr(err) {
				return fmt.Errorf("%w: %w: %s", ErrConflict, kiosk.ErrAcceptanceNoTaken, app.AcceptanceNo)
			}
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // raced with another Enqueue of the same instance
		}
		inserted = true
		for i, a := range app.Attachments {
			if _, err := tx.ExecContext(ctx, `INSERT INTO attachments(instance_id, attachment_id, ord, name, media_type,
				sha256, size, sealed_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
				app.InstanceID, a.ID, i, s.seal.seal([]byte(a.Name), adFile(app.InstanceID, a.ID+"\x00name")),
				a.MediaType, strings.ToLower(a.SHA256), a.Size, paths[i]); err != nil {
				return err
			}
		}
		// No audit row here: the row itself records the acceptance (created_at),
		// and every extra page dirtied costs time in the commit that the
		// resident waits for. Later events are audited.
		return nil
	})
	if err != nil || !inserted {
		s.removeFiles(paths)
	}
	if err != nil {
		return fmt.Errorf("enqueue: %w", dbErr(err))
	}
	if !inserted {
		if done, err := s.alreadyStored(ctx, app.InstanceID, mac); err != nil || !done {
			if err == nil {
				err = fmt.Errorf("enqueue: %w", ErrConflict)
			}
			return err
		}
	}
	app.State = kiosk.StateQueued
	if app.CreatedAt.IsZero() {
		app.CreatedAt = stored.CreatedAt
	}
	s.log.Info("application queued", "instance", app.InstanceID, "item", app.ItemCode, "attachments", len(app.Attachments), "bytes", total)
	return nil
}

func checkEnqueue(app *kiosk.Application, files map[string][]byte) error {
	if app == nil {
		return fmt.Errorf("%w: nil application", ErrInvalid)
	}
	if !validID(app.InstanceID) {
		return fmt.Errorf("%w: instance id %q", ErrInvalid, app.InstanceID)
	}
	if app.AcceptanceNo == "" || app.ItemCode == "" {
		return fmt.Errorf("%w: acceptance number and item code are required", ErrInvalid)
	}
	seen := map[string]bool{}
	for _, a := range app.Attachments {
		if !validID(a.ID) || seen[a.ID] {
			return fmt.Errorf("%w: attachment id %q", ErrInvalid, a.ID)
		}
		seen[a.ID] = true
		b, ok := files[a.ID]
		if !ok {
			return fmt.Errorf("%w: attachment %s: no file", ErrInvalid, a.ID)
		}
		if int64(len(b)) != a.Size {
			return fmt.Errorf("%w: attachment %s: size %d, want %d", ErrInvalid, a.ID, len(b), a.Size)
		}
		if len(a.SHA256) != 2*sha256.Size {
			return fmt.Errorf("%w: attachment %s: sha256 %q", ErrInvalid, a.ID, a.SHA256)
		}
	}
	for id := range files {
		if !seen[id] {
			return fmt.Errorf("%w: file %q is not an attachment of the application", ErrInvalid, id)
		}
	}
	return nil
}

// checkHashes starts checking each file against its Attachment's sha256,
// one goroutine a file, and returns the function that waits for the checks
// and reports the first mismatch (ErrInvalid). That function may be called
// more than once; Enqueue calls it before it acknowledges anything and, in
// a defer, so that no check outlives the call (the caller owns files).
func checkHashes(atts []kiosk.Attachment, files map[string][]byte) func() error {
	if len(atts) == 0 {
		return func() error { return nil }
	}
	errs := make(chan error, len(atts))
	for _, a := range atts {
		go func(b []byte) {
			sum := sha256.Sum256(b)
			if !strings.EqualFold(hex.EncodeToString(sum[:]), a.SHA256) {
				errs <- fmt.Errorf("%w: attachment %s: sha256 mismatch", ErrInvalid, a.ID)
				return
			}
			errs <- nil
		}(files[a.ID])
	}
	return sync.OnceValue(func() error {
		var first error
		for range atts {
			if err := <-errs; err != nil && first == nil {
				first = err
			}
		}
		return first
	})
}

// appMAC is a keyed hash of the application's content, without the fields
// Enqueue itself fills in, for idempotency checks.
func (s *Store) appMAC(app *kiosk.Application) ([]byte, error) {
	c := *app
	c.State = ""
	c.CreatedAt = time.Time{}
	b, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	return s.contentMAC(b), nil
}

// alreadyStored reports whether the instance is stored with this content;
// ErrConflict when it is stored with other content.
func (s *Store) alreadyStored(ctx context.Context, instanceID string, mac []byte) (bool, error) {
	var have []byte
	err := s.r.QueryRowContext(ctx, `SELECT content_mac FROM applications WHERE instance_id = ?`, instanceID).Scan(&have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("enqueue: %w", err)
	case have == nil || string(have) != string(mac):
		return false, fmt.Errorf("enqueue %s: %w", instanceID, ErrConflict)
	}
	return true, nil
}

// writeSealedFiles seals each attachment into attachments/<instance>/ and
// makes it durable before the row that references it is committed: each
// file is created under its final name (O_EXCL; the name carries a random
// token so that two concurrent Enqueues never touch each other's files),
// written and fsynced; then the instance directory is fsynced, and, when
// this call made it, attachments/ too. A file is referenced only by the
// row committed after all this, so a crash mid-write leaves an unreferenced
// file that cleanOrphans removes: no temporary name and rename are needed,
// and the directory fsyncs come once per directory after the files rather
// than once per file (on ext4 the file fsyncs have already committed the
// entries, so they cost little, but POSIX promises them only this way).
// It returns paths relative to attachments/, or removes what it wrote and
// returns the error.
func (s *Store) writeSealedFiles(instanceID string, atts []kiosk.Attachment, files map[string][]byte) ([]string, error) {
	if len(atts) == 0 {
		return nil, nil
	}
	dir := filepath.Join(s.attDir, instanceID)
	made := false
	if err := os.Mkdir(dir, 0o700); err == nil {
		made = true
	} else if !errors.Is(err, os.ErrExist) {
		return nil, diskErr(err)
	}
	var tok [6]byte
	rand.Read(tok[:])
	token := hex.EncodeToString(tok[:])
	paths := make([]string, 0, len(atts))
	fail := func(err error) ([]string, error) {
		s.removeFiles(paths)
		return nil, diskErr(err)
	}
	// Each file's fsync runs in its own goroutine as soon as its bytes are
	// written, while the next file is sealed and written: the fsyncs wait
	// for the disk together (ext4 commits them in one journal transaction)
	// instead of one after the other. All of them must succeed before the
	// directory fsyncs.
	synced := make(chan error, len(atts))
	started := 0
	var werr error
	for i, a := range atts {
		name := fmt.Sprintf("%s-%02d.seal", token, i)
		full := filepath.Join(dir, name)
		f, err := s.writeFile(full, s.seal.seal(files[a.ID], adFile(instanceID, a.ID)))
		if err != nil {
			os.Remove(full)
			werr = fmt.Errorf("write attachment %s: %w", a.ID, err)
			break
		}
		paths = append(paths, instanceID+"/"+name)
		started++
		go func() {
			if err := syncClose(f); err != nil {
				synced <- fmt.Errorf("write attachment %s: %w", a.ID, err)
				return
			}
			synced <- nil
		}()
	}
	for range started {
		if err := <-synced; err != nil && werr == nil {
			werr = err
		}
	}
	if werr != nil {
		return fail(werr)
	}
	if err := syncDir(dir); err != nil {
		return fail(fmt.Errorf("sync attachments: %w", err))
	}
	if made {
		if err := syncDir(s.attDir); err != nil {
			return fail(fmt.Errorf("sync attachments/: %w", err))
		}
	}
	return paths, nil
}

// writeFile creates path (it must not exist) and writes b to it; the caller
// makes it durable with syncClose. On error the file is closed.
func (s *Store) writeFile(path string, b []byte) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	write := (*os.File).Write
	if s.writeHook != nil {
		write = s.writeHook
	}
	if _, err := write(f, b); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// syncClose fsyncs f's data and closes it.
func syncClose(f *os.File) error {
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (s *Store) removeFiles(paths []string) {
	dirs := map[string]bool{}
	for _, p := range paths {
		full := filepath.Join(s.attDir, filepath.FromSlash(p))
		os.Remove(full)
		dirs[filepath.Dir(full)] = true
	}
	for d := range dirs {
		os.Remove(d) // only succeeds when empty
	}
}

// writeTx runs fn in a write transaction (BEGIN IMMEDIATE on the one writer
// connection, committed with synchronous=FULL).
func (s *Store) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Get returns the decrypted application, its State as stored now.
func (s *Store) Get(ctx context.Context, instanceID string) (*kiosk.Application, error) {
	var payload []byte
	var state string
	err := s.r.QueryRowContext(ctx, `SELECT payload, state FROM applications WHERE instance_id = ?`, instanceID).Scan(&payload, &state)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("get %s: %w", instanceID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get: %w", err)
	}
	app, err := s.openApp(instanceID, payload, state)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", instanceID, err)
	}
	return app, nil
}

func (s *Store) openApp(instanceID string, payload []byte, state string) (*kiosk.Application, error) {
	if payload == nil {
		return nil, ErrPurged
	}
	plain, err := s.seal.open(payload, adForm(instanceID))
	if err != nil {
		return nil, err
	}
	var app kiosk.Application
	if err := json.Unmarshal(plain, &app); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	app.State = kiosk.State(state)
	return &app, nil
}

const summaryCols = `instance_id, acceptance_no, item_code, bundle_code, state, attempts, next_attempt_at, last_error,
	created_at, updated_at, total_size, test,
	(SELECT count(*) FROM attachments t WHERE t.instance_id = applications.instance_id)`

func scanSummaries(rows *sql.Rows) ([]Summary, error) {
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		var x Summary
		var state string
		var next, created, updated int64
		if err := rows.Scan(&x.InstanceID, &x.AcceptanceNo, &x.ItemCode, &x.BundleCode, &state, &x.Attempts, &next,
			&x.LastError, &created, &updated, &x.TotalSize, &x.Test, &x.Attachments); err != nil {
			return nil, err
		}
		x.State = kiosk.State(state)
		x.NextAttemptAt, x.CreatedAt, x.UpdatedAt = fromNano(next), fromNano(created), fromNano(updated)
		if !(x.State == kiosk.StateQueued || x.State == kiosk.StateUploading) {
			x.NextAttemptAt = time.Time{}
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// List returns summaries, newest first.
func (s *Store) List(ctx context.Context, f ListFilter) ([]Summary, error) {
	q := `SELECT ` + summaryCols + ` FROM applications WHERE 1`
	var args []any
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, string(f.State))
	}
	if f.Pending {
		q += ` AND ` + pendingSQL
	}
	if f.TestOnly {
		q += ` AND test`
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q += ` ORDER BY created_at DESC, instance_id LIMIT ? OFFSET ?`
	args = append(args, f.Limit, f.Offset)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	out, err := scanSummaries(rows)
	if err != nil {
		return nil, fmt.Errorf("list: %w", err)
	}
	return out, nil
}

// Summary returns the summary of one application.
func (s *Store) Summary(ctx context.Context, instanceID string) (Summary, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+summaryCols+` FROM applications WHERE instance_id = ?`, instanceID)
	if err != nil {
		return Summary{}, fmt.Errorf("summary: %w", err)
	}
	out, err := scanSummaries(rows)
	if err != nil {
		return Summary{}, fmt.Errorf("summary: %w", err)
	}
	if len(out) == 0 {
		return Summary{}, fmt.Errorf("summary %s: %w", instanceID, ErrNotFound)
	}
	return out[0], nil
}

// FindByAcceptanceNo returns the application with the acceptance number
// printed on a receipt.
func (s *Store) FindByAcceptanceNo(ctx context.Context, no string) (Summary, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+summaryCols+` FROM applications WHERE acceptance_no = ?`, strings.TrimSpace(no))
	if err != nil {
		return Summary{}, fmt.Errorf("find: %w", err)
	}
	out, err := scanSummaries(rows)
	if err != nil {
		return Summary{}, fmt.Errorf("find: %w", err)
	}
	if len(out) == 0 {
		return Summary{}, fmt.Errorf("find acceptance number: %w", ErrNotFound)
	}
	return out[0], nil
}

// FindByIDNumber returns the applications of the resident with this ID
// number, newest first, through the keyed blind index (the number itself is
// not stored). Purged applications are not found.
func (s *Store) FindByIDNumber(ctx context.Context, idNumber string) ([]Summary, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+summaryCols+` FROM applications WHERE id_blind = ? ORDER BY created_at DESC`, s.blind(idNumber))
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	out, err := scanSummaries(rows)
	if err != nil {
		return nil, fmt.Errorf("find: %w", err)
	}
	return out, nil
}

// Retry makes a queued or uploading application due now.
func (s *Store) Retry(ctx context.Context, instanceID string) error {
	now := s.now()
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE applications SET next_attempt_at = ?, updated_at = ? WHERE instance_id = ? AND `+pendingSQL,
			now.UnixNano(), now.UnixNano(), instanceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notPending(ctx, tx, instanceID)
		}
		return auditTx(ctx, tx, now, "retry", instanceID, "")
	})
	if err != nil {
		return fmt.Errorf("retry: %w", dbErr(err))
	}
	return nil
}

// notPending explains why an update of a pending application touched no row.
func notPending(ctx context.Context, tx *sql.Tx, instanceID string) error {
	var st string
	err := tx.QueryRowContext(ctx, `SELECT state FROM applications WHERE instance_id = ?`, instanceID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", instanceID, ErrNotFound)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%s is %s: %w", instanceID, st, kiosk.ErrTransition)
}

// Stats counts the queue.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	st := Stats{ByState: map[kiosk.State]int{}}
	rows, err := s.r.QueryContext(ctx, `SELECT state, count(*) FROM applications GROUP BY state`)
	if err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return st, fmt.Errorf("stats: %w", err)
		}
		st.ByState[kiosk.State(state)] = n
	}
	rows.Close()
	var oldest sql.NullInt64
	if err := s.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(total_size), 0), min(created_at) FROM applications WHERE `+pendingSQL).
		Scan(&st.Pending, &st.BytesPending, &oldest); err != nil {
		return st, fmt.Errorf("stats: %w", err)
	}
	if oldest.Valid {
		st.OldestQueued = fromNano(oldest.Int64)
		st.OldestAge = s.now().Sub(st.OldestQueued)
	}
	return st, nil
}

// SaveRating stores a rating to be sent; saving again before it was sent
// replaces it.
func (s *Store) SaveRating(ctx context.Context, r kiosk.Rating) error {
	if err := r.Check(); err != nil {
		return fmt.Errorf("save rating: %w: %w", ErrInvalid, err)
	}
	b, err := json.Marshal(&r)
	if err != nil {
		return fmt.Errorf("save rating: %w", err)
	}
	now := s.now()
	err = s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ratings(instance_id, payload, level, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT(instance_id) DO UPDATE SET payload = excluded.payload, level = excluded.level WHERE sent = 0`,
			r.InstanceID, s.seal.seal(b, adRating(r.InstanceID)), int(r.Level), now.UnixNano())
		if err != nil {
			return err
		}
		return auditTx(ctx, tx, now, "rated", r.InstanceID, fmt.Sprintf("level=%d", r.Level))
	})
	if err != nil {
		return fmt.Errorf("save rating: %w", dbErr(err))
	}
	return nil
}

// Audit appends an event to the audit log. detail must not hold personal data.
func (s *Store) Audit(ctx context.Context, event, instanceID, detail string) error {
	now := s.now()
	if err := s.writeTx(ctx, func(tx *sql.Tx) error { return auditTx(ctx, tx, now, event, instanceID, detail) }); err != nil {
		return fmt.Errorf("audit: %w", dbErr(err))
	}
	return nil
}

func auditTx(ctx context.Context, tx *sql.Tx, at time.Time, event, instanceID, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log(event, instance_id, at, detail) VALUES (?, ?, ?, ?)`,
		event, instanceID, at.UnixNano(), detail)
	return err
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	Event      string    `json:"event"`
	InstanceID string    `json:"instance_id,omitempty"`
	At         time.Time `json:"at"`
	Detail     string    `json:"detail,omitempty"`
}

// AuditLog returns the audit entries of one application ("" for all), oldest
// first, at most limit (default 1000).
func (s *Store) AuditLog(ctx context.Context, instanceID string, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 1000
	}
	q := `SELECT event, instance_id, at, detail FROM audit_log`
	args := []any{}
	if instanceID != "" {
		q += ` WHERE instance_id = ?`
		args = append(args, instanceID)
	}
	q += ` ORDER BY id LIMIT ?`
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Event, &e.InstanceID, &at, &e.Detail); err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		e.At = fromNano(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Purge removes the personal data of applications that reached accepted,
// rejected or completed longer than retention before now (DefaultRetention
// when retention <= 0): the sealed form, the sealed files, the blind index
// and platform notes. A minimal record stays (instance ID, acceptance number,
// item code, dates) with state purged, and an audit entry records the final
// state. It returns how many were purged.
func (s *Store) Purge(ctx context.Context, now time.Time, retention time.Duration) (int, error) {
	if retention <= 0 {
		retention = DefaultRetention
	}
	cutoff := now.Add(-retention).UnixNano()
	type victim struct {
		id, no, item, state string
		created, final      int64
	}
	var vs []victim
	var paths []string
	err := s.syncTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT instance_id, acceptance_no, item_code, state, created_at, final_at FROM applications
			WHERE final_at > 0 AND final_at <= ? AND state IN ('accepted', 'rejected', 'completed')`, cutoff)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.id, &v.no, &v.item, &v.state, &v.created, &v.final); err != nil {
				rows.Close()
				return err
			}
			vs = append(vs, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, v := range vs {
			prows, err := tx.QueryContext(ctx, `SELECT sealed_path FROM attachments WHERE instance_id = ?`, v.id)
			if err != nil {
				return err
			}
			for prows.Next() {
				var p string
				prows.Scan(&p)
				paths = append(paths, p)
			}
			prows.Close()
			for _, q := range []string{
				`DELETE FROM attachments WHERE instance_id = ?`,
				`UPDATE status_events SET note = NULL WHERE instance_id = ?`,
				`DELETE FROM ratings WHERE instance_id = ? AND sent`,
			} {
				if _, err := tx.ExecContext(ctx, q, v.id); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `UPDATE applications SET payload = NULL, content_mac = NULL, id_blind = NULL,
				state = 'purged', updated_at = ? WHERE instance_id = ?`, now.UnixNano(), v.id); err != nil {
				return err
			}
			if err := auditTx(ctx, tx, now, "purged", v.id, fmt.Sprintf("acceptance_no=%s item=%s final=%s created=%s final_at=%s",
				v.no, v.item, v.state, fromNano(v.created).Format(time.RFC3339), fromNano(v.final).Format(time.RFC3339))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge: %w", dbErr(err))
	}
	s.removeFiles(paths) // after the commit; a crash here leaves orphans Open removes
	s.ensureReserve()    // space freed: restore the headroom if it was used
	if len(vs) > 0 {
		s.log.Info("purged personal data", "count", len(vs))
	}
	return len(vs), nil
}
