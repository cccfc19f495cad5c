// Package platformsim emulates the provincial government-service platform's
// side of the kiosk protocol (docs/platform-api.md): idempotent application
// forms, tus 1.0 resumable uploads with sha256 checksums (tusd v2 with a
// filestore), explicit completion, a signed catalogue, a status feed, ratings
// and heartbeats, all kept in SQLite under one data directory. It injects
// network faults on demand and has inspection endpoints for tests and the
// developer dock. Used by cmd/platformsim, by the kiosk in simulation mode
// (in-process through Handler) and by sync tests; never in production.
package platformsim

import (
	"context"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // database/sql driver
	"github.com/tus/tusd/v2/pkg/filestore"
	tushandler "github.com/tus/tusd/v2/pkg/handler"
	"github.com/tus/tusd/v2/pkg/memorylocker"
	expslog "golang.org/x/exp/slog"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
)

// Config configures a Server.
type Config struct {
	DataDir    string       // SQLite database and uploaded files
	Faults     Faults       // injected into protocol requests
	AutoAccept bool         // emit "accepted" as soon as an application completes
	Catalog    []byte       // initial signed catalogue (JSON of api.SignedCatalog), optional
	MaxChunk   int64        // largest PATCH body accepted (default 16 MiB)
	Logger     *slog.Logger // nil: discard
	Now        func() time.Time
	// SealKey (32 bytes) seals forms and ratings at rest; nil: a key kept
	// in DataDir/seal.key.
	SealKey []byte
}

// Server is the emulated platform.
type Server struct {
	cfg     Config
	db      *sql.DB
	tus     *tushandler.Handler
	faults  *faulty
	handler http.Handler
	log     *slog.Logger
	mu      sync.Mutex // serialises writes to db
	aead    cipher.AEAD
	macKey  []byte

	helpAutoAck string // help.go: who acknowledges new help calls at once ("" nobody)
	// Enrollment (enroll.go); nil ca: not enabled.
	ca            *CA
	catalogKeyPEM []byte
}

const schema = `
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS applications(
  instance_id TEXT PRIMARY KEY, terminal TEXT NOT NULL, form BLOB NOT NULL, form_sha TEXT NOT NULL,
  acceptance_no TEXT NOT NULL, item_code TEXT NOT NULL, state TEXT NOT NULL,
  puts INTEGER NOT NULL DEFAULT 1, created_at TEXT NOT NULL, submitted_at TEXT);
CREATE TABLE IF NOT EXISTS attachments(
  instance_id TEXT NOT NULL, attachment_id TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
  upload_id TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY(instance_id, attachment_id));
CREATE TABLE IF NOT EXISTS events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, note TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ratings(instance_id TEXT PRIMARY KEY, body BLOB NOT NULL, received_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS heartbeats(terminal TEXT PRIMARY KEY, body BLOB NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS catalog(id INTEGER PRIMARY KEY CHECK(id=1), signed BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS deliveries(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, instance_id TEXT NOT NULL, outcome TEXT NOT NULL, at TEXT NOT NULL);
`

// columns added after the first schema (ALTER TABLE for older data directories).
var addedColumns = []string{
	`ALTER TABLE applications ADD COLUMN content_sha TEXT NOT NULL DEFAULT ''`,
	`ALTER TABLE applications ADD COLUMN test INTEGER NOT NULL DEFAULT 0`,
}

// New opens (creating when needed) the emulator's data directory.
func New(cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("platformsim: no data directory")
	}
	if cfg.MaxChunk <= 0 {
		cfg.MaxChunk = 16 << 20
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	up := filepath.Join(cfg.DataDir, "uploads")
	if err := os.MkdirAll(up, 0o700); err != nil {
		return nil, fmt.Errorf("platformsim: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(cfg.DataDir, "platform.db")+"?_busy_timeout=10000&_synchronous=FULL")
	if err != nil {
		return nil, fmt.Errorf("platformsim: open db: %w", err)
	}
	if _, err := db.Exec(schema + ";" + helpSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("platformsim: schema: %w", err)
	}
	for _, q := range addedColumns {
		if _, err := db.Exec(q); err != nil && !strings.Contains(err.Error(), "duplicate column") {
			db.Close()
			return nil, fmt.Errorf("platformsim: schema: %w", err)
		}
	}
	key := cfg.SealKey
	if key == nil {
		if key, err = loadOrCreateSealKey(cfg.DataDir); err != nil {
			db.Close()
			return nil, err
		}
	}
	aead, err := newAEAD(key)
	if err != nil {
		db.Close()
		return nil, err
	}
	mk := hmac.New(sha256.New, key)
	mk.Write([]byte("platformsim digest v1"))
	s := &Server{cfg: cfg, db: db, log: lg, aead: aead, macKey: mk.Sum(nil)}
	if len(cfg.Catalog) > 0 {
		if err := s.SetCatalog(cfg.Catalog); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := s.sealLegacyUploads(up); err != nil {
		db.Close()
		return nil, err
	}
	comp := tushandler.NewStoreComposer()
	useStore(comp, sealedStore{fs: filestore.New(up), s: s})
	memorylocker.New().UseIn(comp)
	s.tus, err = tushandler.NewHandler(tushandler.Config{
		StoreComposer:             comp,
		BasePath:                  api.PathUploads,
		MaxSize:                   maxUpload,
		DisableDownload:           true,
		Logger:                    expslog.New(expslog.NewTextHandler(io.Discard, nil)), // tusd logs every request; we log what matters
		PreUploadCreateCallback:   s.preCreate,
		PreFinishResponseCallback: s.preFinish,
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("platformsim: tus: %w", err)
	}
	proto := http.NewServeMux()
	proto.HandleFunc("PUT "+api.PathApplications+"{id}", validForm(s.putApplication))
	proto.HandleFunc("POST "+api.PathApplications+"{id}/complete", s.complete)
	proto.HandleFunc("GET "+api.PathCatalog, s.getCatalog)
	proto.HandleFunc("GET "+api.PathStatus, s.getStatus)
	proto.HandleFunc("POST "+api.PathRatings, s.postRating)
	proto.HandleFunc("POST "+api.PathHeartbeat, s.postHeartbeat)
	proto.HandleFunc("GET "+api.PathWhoami, s.whoami)
	proto.HandleFunc("POST "+api.PathHelp, s.postHelp)       // help.go
	proto.HandleFunc("GET "+api.PathHelp+"/{id}", s.getHelp) // help.go
	proto.Handle(api.PathUploads, http.StripPrefix(strings.TrimSuffix(api.PathUploads, "/"), checksummed(s.tus, cfg.MaxChunk)))
	s.faults = newFaulty(terminalOnly(proto), cfg.Faults)
	s.faults.lie = s.lyingReceipt

	root := http.NewServeMux()
	root.HandleFunc("GET "+api.PathInspectReceived, s.inspectReceived)
	root.HandleFunc("POST "+api.PathInspectDecide, s.inspectDecide)
	root.HandleFunc("POST "+api.PathInspectCatalog, s.inspectCatalog)
	root.HandleFunc("GET "+api.PathInspectHelp, s.inspectHelp)
	root.HandleFunc("POST "+api.PathInspectHelp+"/{id}/ack", s.inspectAckHelp)
	root.HandleFunc("POST "+api.PathEnroll, s.enroll) // before a terminal has a certificate (enroll.go)
	root.Handle("/", s.faults)
	s.handler = root
	return s, nil
}

// Handler serves the whole API (protocol and inspection).
func (s *Server) Handler() http.Handler { return s.handler }

// SetFaults changes the injected faults at run time.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// FaultCounts reports how many faults were injected.
func (s *Server) FaultCounts() FaultCounts { return s.faults.counts() }

// Close closes the database.
func (s *Server) Close() error { return s.db.Close() }

// ServeTLS serves on ln with mutual TLS: tlsCfg should require and verify
// client certificates (the terminal's identity is the certificate's common
// name). HTTP/2 is disabled so that connection faults can be injected.
// With tlsCfg nil it serves plain HTTP (development, loopback only).
func (s *Server) ServeTLS(ctx context.Context, ln net.Listener, tlsCfg *tls.Config) error {
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 30 * time.Second,
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){}}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

type ctxKey struct{}

// terminalOnly resolves the terminal's identity from its client certificate.
// Over TLS a certificate is required; plain HTTP is the development mode and
// is named "dev".
func terminalOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		term := "dev"
		if r.TLS != nil {
			if len(r.TLS.PeerCertificates) == 0 {
				writeErr(w, http.StatusUnauthorized, api.CodeUnauthorized, "client certificate required")
				return
			}
			term = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, term)))
	})
}

func terminalOf(r *http.Request) string {
	if t, ok := r.Context().Value(ctxKey{}).(string); ok {
		return t
	}
	return "dev"
}

func writeJSON(w http.ResponseWriter, status int, data any) {
	b, err := json.Marshal(data)
	if err != nil {
		writeErr(w, 500, api.CodeInternal, "encode")
		return
	}
	env, _ := json.Marshal(api.Envelope{BMK: api.Version, OK: true, Data: b})
	w.Header().Set("Content-Type", api.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(env)))
	w.WriteHeader(status)
	w.Write(env)
}

func writeErrData(w http.ResponseWriter, status int, code, msg string, data any) {
	env := api.Envelope{BMK: api.Version, OK: false, Error: &api.Error{Code: code, Message: msg}}
	if data != nil {
		env.Data, _ = json.Marshal(data)
	}
	b, _ := json.Marshal(env)
	w.Header().Set("Content-Type", api.ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeErrData(w, status, code, msg, nil)
}

func (s *Server) now() string { return s.cfg.Now().UTC().Format(time.RFC3339Nano) }

// canonicalForm is the form as the platform compares it: the application
// without its local state, re-encoded, and its keyed digest.
func (s *Server) canonicalForm(a *kiosk.Application) ([]byte, string) {
	c := *a
	c.State = ""
	b, _ := json.Marshal(&c)
	return b, s.digest(b)
}

// contentDigest is what makes two applications the same resident's same
// request whatever the terminal named them: the application without its
// instance ID, acceptance number, creation time, state and attachment IDs
// (attachments count by their bytes' sha256 and size).
func (s *Server) contentDigest(a *kiosk.Application) string {
	c := *a
	c.InstanceID, c.AcceptanceNo, c.CreatedAt, c.State = "", "", time.Time{}, ""
	c.Attachments = nil
	for _, at := range a.Attachments {
		c.Attachments = append(c.Attachments, kiosk.Attachment{SHA256: strings.ToLower(at.SHA256), Size: at.Size, MaterialID: at.MaterialID, MediaType: at.MediaType})
	}
	c.Materials = nil
	for _, m := range a.Materials {
		m.AttachmentIDs = nil
		c.Materials = append(c.Materials, m)
	}
	b, _ := json.Marshal(&c)
	return s.digest(b)
}

// recordLocked notes one PUT or completion and how it ended, for
// Deliveries. s.mu is held.
func (s *Server) recordLocked(kind, id, outcome string) {
	s.db.Exec(`INSERT INTO deliveries(kind, instance_id, outcome, at) VALUES(?,?,?,?)`, kind, id, outcome, s.now())
}

func (s *Server) putApplication(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "read body")
		return
	}
	var a kiosk.Application
	if err := json.Unmarshal(body, &a); err != nil {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "form is not an application")
		return
	}
	if a.InstanceID != id || id == "" {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "instance id does not match the path")
		return
	}
	for _, at := range a.Attachments {
		if at.ID == "" || len(at.SHA256) != 64 || at.Size < 0 {
			writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "attachment metadata incomplete")
			return
		}
	}
	form, sum := s.canonicalForm(&a)
	digest := s.contentDigest(&a)
	s.mu.Lock()
	defer s.mu.Unlock()
	var have string
	err = s.db.QueryRow(`SELECT form_sha FROM applications WHERE instance_id=?`, id).Scan(&have)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		_, err = s.db.Exec(`INSERT INTO applications(instance_id, terminal, form, form_sha, acceptance_no, item_code, state, created_at, content_sha, test) VALUES(?,?,?,?,?,?,?,?,?,?)`,
			id, terminalOf(r), s.seal("form", id, form), sum, a.AcceptanceNo, a.ItemCode, string(kiosk.StateUploading), s.now(), digest, a.Test)
		if err != nil {
			writeErr(w, 500, api.CodeInternal, "store")
			return
		}
		s.recordLocked("put", id, "created")
		s.log.Info("application received", "instance", id)
		writeJSON(w, http.StatusCreated, api.PutResult{InstanceID: id, Created: true})
	case err != nil:
		writeErr(w, 500, api.CodeInternal, "store")
	case have == sum:
		s.db.Exec(`UPDATE applications SET puts=puts+1 WHERE instance_id=?`, id)
		s.recordLocked("put", id, "same")
		writeJSON(w, http.StatusOK, api.PutResult{InstanceID: id})
	default:
		s.recordLocked("put", id, "conflict")
		writeErr(w, http.StatusConflict, api.CodeConflict, "a different form is held for this instance id")
	}
}

// formOf loads a held application's form.
func (s *Server) formOf(id string) (*kiosk.Application, *time.Time, error) {
	var form []byte
	var sub sql.NullString
	if err := s.db.QueryRow(`SELECT form, submitted_at FROM applications WHERE instance_id=?`, id).Scan(&form, &sub); err != nil {
		return nil, nil, err
	}
	form, err := s.open("form", id, form)
	if err != nil {
		return nil, nil, err
	}
	var a kiosk.Application
	if err := json.Unmarshal(form, &a); err != nil {
		return nil, nil, err
	}
	if sub.Valid {
		t, _ := time.Parse(time.RFC3339Nano, sub.String)
		return &a, &t, nil
	}
	return &a, nil, nil
}

func (s *Server) complete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	io.Copy(io.Discard, io.LimitReader(r.Body, 1<<16))
	s.mu.Lock()
	defer s.mu.Unlock()
	a, sub, err := s.formOf(id)
	if errors.Is(err, sql.ErrNoRows) {
		writeErr(w, http.StatusNotFound, api.CodeNotFound, "unknown application")
		return
	} else if err != nil {
		writeErr(w, 500, api.CodeInternal, "store")
		return
	}
	res := api.CompleteResult{InstanceID: id, Attachments: []api.AttachmentReceipt{}}
	var missing []string
	for _, at := range a.Attachments {
		var sum string
		var size int64
		err := s.db.QueryRow(`SELECT sha256, size FROM attachments WHERE instance_id=? AND attachment_id=?`, id, at.ID).Scan(&sum, &size)
		if err != nil || sum != at.SHA256 || size != at.Size {
			missing = append(missing, at.ID)
			continue
		}
		res.Attachments = append(res.Attachments, api.AttachmentReceipt{ID: at.ID, SHA256: sum, Size: size})
	}
	if len(missing) > 0 {
		s.recordLocked("complete", id, "incomplete")
		writeErrData(w, http.StatusConflict, api.CodeIncomplete, "attachments missing or not intact", api.IncompleteDetail{Missing: missing})
		return
	}
	if sub == nil {
		now := s.cfg.Now().UTC()
		sub = &now
		if _, err := s.db.Exec(`UPDATE applications SET submitted_at=?, state=? WHERE instance_id=?`, now.Format(time.RFC3339Nano), string(kiosk.StateSubmitted), id); err != nil {
			writeErr(w, 500, api.CodeInternal, "store")
			return
		}
		s.log.Info("application submitted", "instance", id, "attachments", len(a.Attachments))
		if s.cfg.AutoAccept {
			s.emitLocked(id, kiosk.StateAccepted, "自动受理")
		}
	}
	res.SubmittedAt = *sub
	s.recordLocked("complete", id, "submitted")
	writeJSON(w, http.StatusOK, res)
}

// Duplicate is one application that reached the platform under more than one
// instance ID: the same acceptance number, or the same content (resident,
// item, form and attachment bytes).
type Duplicate struct {
	By          string   `json:"by"` // "acceptance_no" or "content"
	InstanceIDs []string `json:"instance_ids"`
}

// Duplicates lists the applications held under more than one instance ID.
// Every crash and fault test asserts it is empty: unlike a count by instance
// ID it catches a terminal that sends the same application twice under two
// IDs (the mistake an instance-keyed check cannot see).
func (s *Server) Duplicates() ([]Duplicate, error) {
	var out []Duplicate
	for _, by := range []string{"acceptance_no", "content_sha"} {
		rows, err := s.db.Query(`SELECT group_concat(instance_id, ' ') FROM applications WHERE ` + by + ` != ''
			GROUP BY ` + by + ` HAVING count(*) > 1 ORDER BY min(created_at)`)
		if err != nil {
			return nil, fmt.Errorf("platformsim: duplicates: %w", err)
		}
		for rows.Next() {
			var ids string
			if err := rows.Scan(&ids); err != nil {
				rows.Close()
				return nil, fmt.Errorf("platformsim: duplicates: %w", err)
			}
			name := by
			if by == "content_sha" {
				name = "content"
			}
			out = append(out, Duplicate{By: name, InstanceIDs: strings.Fields(ids)})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("platformsim: duplicates: %w", err)
		}
	}
	return out, nil
}

// Delivery counts what one instance ID received: PUTs and completion
// requests, by outcome ("created", "same", "conflict"; "submitted",
// "incomplete", and "lied" for a completion answered with a wrong receipt by
// the BadReceipt fault).
type Delivery struct {
	InstanceID string         `json:"instance_id"`
	Puts       map[string]int `json:"puts"`
	Completes  map[string]int `json:"completes"`
}

// Deliveries returns every instance ID's PUTs and completions, by outcome.
func (s *Server) Deliveries() (map[string]*Delivery, error) {
	rows, err := s.db.Query(`SELECT instance_id, kind, outcome, count(*) FROM deliveries GROUP BY instance_id, kind, outcome`)
	if err != nil {
		return nil, fmt.Errorf("platformsim: deliveries: %w", err)
	}
	defer rows.Close()
	out := map[string]*Delivery{}
	for rows.Next() {
		var id, kind, outcome string
		var n int
		if err := rows.Scan(&id, &kind, &outcome, &n); err != nil {
			return nil, fmt.Errorf("platformsim: deliveries: %w", err)
		}
		d := out[id]
		if d == nil {
			d = &Delivery{InstanceID: id, Puts: map[string]int{}, Completes: map[string]int{}}
			out[id] = d
		}
		if kind == "put" {
			d.Puts[outcome] += n
		} else {
			d.Completes[outcome] += n
		}
	}
	return out, rows.Err()
}

// lyingReceipt answers a completion with a 200 receipt that does not match
// what the platform holds (the BadReceipt fault): a relay that checks its
// receipts retries; one that does not marks the application submitted
// though the platform never completed it.
func (s *Server) lyingReceipt(w http.ResponseWriter, r *http.Request, id string) {
	s.mu.Lock()
	a, _, err := s.formOf(id)
	s.recordLocked("complete", id, "lied")
	s.mu.Unlock()
	res := api.CompleteResult{InstanceID: id, Attachments: []api.AttachmentReceipt{}, SubmittedAt: s.cfg.Now().UTC()}
	if err != nil || len(a.Attachments) == 0 {
		res.InstanceID = id + "-other" // a receipt for some other application
	} else {
		for i, at := range a.Attachments {
			sum := at.SHA256
			if i == 0 {
				sum = strings.Repeat("0", 64) // not the bytes it holds
			}
			res.Attachments = append(res.Attachments, api.AttachmentReceipt{ID: at.ID, SHA256: sum, Size: at.Size})
		}
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) emitLocked(id string, st kiosk.State, note string) error {
	if _, err := s.db.Exec(`INSERT INTO events(instance_id, state, at, note) VALUES(?,?,?,?)`, id, string(st), s.now(), note); err != nil {
		return err
	}
	_, err := s.db.Exec(`UPDATE applications SET state=? WHERE instance_id=?`, string(st), id)
	return err
}

// Decide emits a status event for a held, submitted application.
func (s *Server) Decide(d api.Decision) error {
	switch d.State {
	case kiosk.StateAccepted, kiosk.StateRejected, kiosk.StateNeedsSupplement, kiosk.StateCompleted:
	default:
		return fmt.Errorf("platformsim: decide: state %q is not a platform decision", d.State)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, sub, err := s.formOf(d.InstanceID)
	if err != nil {
		return fmt.Errorf("platformsim: decide: %w", err)
	}
	if sub == nil {
		return errors.New("platformsim: decide: application not submitted yet")
	}
	return s.emitLocked(d.InstanceID, d.State, d.Note)
}

func (s *Server) getStatus(w http.ResponseWriter, r *http.Request) {
	cur, _ := strconv.ParseInt(r.URL.Query().Get("cursor"), 10, 64)
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.db.Query(`SELECT e.seq, e.instance_id, e.state, e.at, e.note FROM events e
		JOIN applications a ON a.instance_id=e.instance_id WHERE e.seq>? AND a.terminal=? ORDER BY e.seq LIMIT ?`, cur, terminalOf(r), limit)
	if err != nil {
		writeErr(w, 500, api.CodeInternal, "store")
		return
	}
	defer rows.Close()
	page := api.StatusPage{Events: []api.StatusEvent{}, Next: strconv.FormatInt(cur, 10)}
	for rows.Next() {
		var ev api.StatusEvent
		var seq int64
		var at, st string
		if err := rows.Scan(&seq, &ev.InstanceID, &st, &at, &ev.Note); err != nil {
			writeErr(w, 500, api.CodeInternal, "store")
			return
		}
		ev.State = kiosk.State(st)
		ev.At, _ = time.Parse(time.RFC3339Nano, at)
		page.Events = append(page.Events, ev)
		page.Next = strconv.FormatInt(seq, 10)
	}
	writeJSON(w, http.StatusOK, page)
}

func (s *Server) postRating(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var rt kiosk.Rating
	if err != nil || json.Unmarshal(body, &rt) != nil || rt.InstanceID == "" || !rt.Level.Valid() {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "not a rating")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.db.Exec(`INSERT OR IGNORE INTO ratings(instance_id, body, received_at) VALUES(?,?,?)`, rt.InstanceID, s.seal("rating", rt.InstanceID, body), s.now())
	if err != nil {
		writeErr(w, 500, api.CodeInternal, "store")
		return
	}
	n, _ := res.RowsAffected()
	st := http.StatusOK
	if n == 1 {
		st = http.StatusCreated
	}
	writeJSON(w, st, api.RatingResult{InstanceID: rt.InstanceID, Created: n == 1})
}

func (s *Server) postHeartbeat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	var hb api.Heartbeat
	if err != nil || json.Unmarshal(body, &hb) != nil {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "not a heartbeat")
		return
	}
	s.mu.Lock()
	s.db.Exec(`INSERT OR REPLACE INTO heartbeats(terminal, body, at) VALUES(?,?,?)`, terminalOf(r), body, s.now())
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, api.HeartbeatResult{ServerTime: s.cfg.Now().UTC()})
}

// LastHeartbeat returns the last heartbeat of a terminal ("dev" over plain HTTP).
func (s *Server) LastHeartbeat(terminal string) (*api.Heartbeat, error) {
	var body []byte
	if err := s.db.QueryRow(`SELECT body FROM heartbeats WHERE terminal=?`, terminal).Scan(&body); err != nil {
		return nil, fmt.Errorf("platformsim: heartbeat: %w", err)
	}
	var hb api.Heartbeat
	return &hb, json.Unmarshal(body, &hb)
}

// Ratings returns the instance ids of the ratings received.
func (s *Server) Ratings() ([]string, error) {
	rows, err := s.db.Query(`SELECT instance_id FROM ratings ORDER BY instance_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SetCatalog replaces the served signed catalogue (JSON of api.SignedCatalog;
// it is served as given, not verified, so tests can serve bad ones).
func (s *Server) SetCatalog(signed []byte) error {
	var sc api.SignedCatalog
	if err := json.Unmarshal(signed, &sc); err != nil {
		return fmt.Errorf("platformsim: catalog: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.db.Exec(`INSERT OR REPLACE INTO catalog(id, signed) VALUES(1, ?)`, signed)
	return err
}

func (s *Server) getCatalog(w http.ResponseWriter, r *http.Request) {
	var signed []byte
	err := s.db.QueryRow(`SELECT signed FROM catalog WHERE id=1`).Scan(&signed)
	if errors.Is(err, sql.ErrNoRows) {
		writeErr(w, http.StatusNotFound, api.CodeNoCatalog, "no catalogue")
		return
	} else if err != nil {
		writeErr(w, 500, api.CodeInternal, "store")
		return
	}
	writeJSON(w, http.StatusOK, json.RawMessage(signed))
}

// Received lists every application held with the sha256 and size of the
// attachment bytes actually stored, computed from the files now.
func (s *Server) Received() ([]api.Received, error) {
	rows, err := s.db.Query(`SELECT instance_id, acceptance_no, item_code, terminal, state, puts, submitted_at, test FROM applications ORDER BY created_at, instance_id`)
	if err != nil {
		return nil, fmt.Errorf("platformsim: received: %w", err)
	}
	var out []api.Received
	for rows.Next() {
		var rc api.Received
		var st string
		var sub sql.NullString
		if err := rows.Scan(&rc.InstanceID, &rc.AcceptanceNo, &rc.ItemCode, &rc.Terminal, &st, &rc.Puts, &sub, &rc.Test); err != nil {
			rows.Close()
			return nil, err
		}
		rc.State = kiosk.State(st)
		if sub.Valid {
			t, _ := time.Parse(time.RFC3339Nano, sub.String)
			rc.Submitted, rc.SubmittedAt = true, &t
		}
		out = append(out, rc)
	}
	rows.Close()
	for i := range out {
		out[i].Attachments = []api.AttachmentReceipt{}
		ar, err := s.db.Query(`SELECT attachment_id, path, upload_id FROM attachments WHERE instance_id=? ORDER BY attachment_id`, out[i].InstanceID)
		if err != nil {
			return nil, err
		}
		for ar.Next() {
			var id, path, upID string
			ar.Scan(&id, &path, &upID)
			sum, size, err := s.attachmentSum(path, upID)
			if err != nil {
				sum = "unreadable: " + err.Error()
			}
			out[i].Attachments = append(out[i].Attachments, api.AttachmentReceipt{ID: id, SHA256: sum, Size: size})
		}
		ar.Close()
	}
	return out, nil
}

// attachmentSum is the sha256 and length of an upload's plaintext, read
// through its seal.
func (s *Server) attachmentSum(path, uploadID string) (string, int64, error) {
	f, err := s.openAttachment(path, uploadID)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func (s *Server) inspectReceived(w http.ResponseWriter, r *http.Request) {
	rc, err := s.Received()
	if err != nil {
		writeErr(w, 500, api.CodeInternal, err.Error())
		return
	}
	if rc == nil {
		rc = []api.Received{}
	}
	writeJSON(w, http.StatusOK, rc)
}

func (s *Server) inspectDecide(w http.ResponseWriter, r *http.Request) {
	var d api.Decision
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&d); err != nil {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "not a decision")
		return
	}
	if err := s.Decide(d); err != nil {
		writeErr(w, http.StatusConflict, api.CodeConflict, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) inspectCatalog(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	if err == nil {
		err = s.SetCatalog(b)
	}
	if err != nil {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, struct{}{})
}

// StartLoopback serves plain HTTP on 127.0.0.1 (a free port) until ctx ends
// and returns the base URL: the kiosk's simulation mode and tests point a
// client (AllowInsecureLoopback) at it.
func (s *Server) StartLoopback(ctx context.Context) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("platformsim: %w", err)
	}
	go s.ServeTLS(ctx, ln, nil)
	return "http://" + ln.Addr().String(), nil
}
