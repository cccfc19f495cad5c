package platformsim

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/bianmin/kiosk/sync/api"
)

// Help calls: the emulator is the service desk. It records every call with
// the terminal that raised it; a call is acknowledged by AckHelp (tests,
// POST /v1/_inspect/help/{id}/ack) or at once when SetHelpAutoAck names who
// answers (the simulated kiosk of make run).

const helpSchema = `CREATE TABLE IF NOT EXISTS help_calls(
  id TEXT PRIMARY KEY, terminal TEXT NOT NULL, peer TEXT NOT NULL, body BLOB NOT NULL, state TEXT NOT NULL,
  by_whom TEXT NOT NULL DEFAULT '', posts INTEGER NOT NULL DEFAULT 1, raised_at TEXT NOT NULL, acked_at TEXT)`

// SetHelpAutoAck makes the desk acknowledge every new call at once in the
// name of by; "" (the default) leaves calls raised until AckHelp.
func (s *Server) SetHelpAutoAck(by string) {
	s.mu.Lock()
	s.helpAutoAck = by
	s.mu.Unlock()
}

func (s *Server) postHelp(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<10))
	var c api.HelpCall
	if err != nil || json.Unmarshal(body, &c) != nil || c.ID == "" || c.Terminal == "" {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "not a help call")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	res, err := s.db.Exec(`INSERT OR IGNORE INTO help_calls(id, terminal, peer, body, state, raised_at) VALUES(?,?,?,?,?,?)`,
		c.ID, c.Terminal, terminalOf(r), body, api.HelpRaised, now)
	if err != nil {
		writeErr(w, 500, api.CodeInternal, "store")
		return
	}
	created := false
	if n, _ := res.RowsAffected(); n == 0 {
		s.db.Exec(`UPDATE help_calls SET posts = posts + 1 WHERE id = ?`, c.ID)
	} else {
		created = true
		s.log.Info("help call", "id", c.ID, "terminal", c.Terminal, "screen", c.Screen)
	}
	if created && s.helpAutoAck != "" {
		s.db.Exec(`UPDATE help_calls SET state = ?, by_whom = ?, acked_at = ? WHERE id = ?`, api.HelpAcked, s.helpAutoAck, now, c.ID)
	}
	st, err := s.helpStateLocked(c.ID)
	if err != nil {
		writeErr(w, 500, api.CodeInternal, "store")
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, st)
}

func (s *Server) getHelp(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st, err := s.helpStateLocked(r.PathValue("id"))
	s.mu.Unlock()
	switch {
	case errors.Is(err, sql.ErrNoRows):
		writeErr(w, http.StatusNotFound, api.CodeNotFound, "no such help call")
	case err != nil:
		writeErr(w, 500, api.CodeInternal, "store")
	default:
		writeJSON(w, http.StatusOK, st)
	}
}

func (s *Server) helpStateLocked(id string) (*api.HelpCallState, error) {
	var st api.HelpCallState
	var acked sql.NullString
	if err := s.db.QueryRow(`SELECT id, state, by_whom, acked_at FROM help_calls WHERE id = ?`, id).Scan(&st.ID, &st.State, &st.By, &acked); err != nil {
		return nil, err
	}
	if acked.Valid {
		if t, err := time.Parse(time.RFC3339Nano, acked.String); err == nil {
			st.AckedAt = &t
		}
	}
	return &st, nil
}

// AckHelp acknowledges a call in the name of by (someone took it).
func (s *Server) AckHelp(id, by string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	res, err := s.db.Exec(`UPDATE help_calls SET state = ?, by_whom = ?, acked_at = ? WHERE id = ? AND state = ?`,
		api.HelpAcked, by, s.now(), id, api.HelpRaised)
	if err != nil {
		return fmt.Errorf("platformsim: ack help: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("platformsim: ack help %s: not a raised call", id)
	}
	return nil
}

// HelpCalls lists the calls received, oldest first.
func (s *Server) HelpCalls() ([]api.HelpRecord, error) {
	rows, err := s.db.Query(`SELECT body, peer, state, by_whom, posts, raised_at, acked_at FROM help_calls ORDER BY raised_at, id`)
	if err != nil {
		return nil, fmt.Errorf("platformsim: help calls: %w", err)
	}
	defer rows.Close()
	var out []api.HelpRecord
	for rows.Next() {
		var rec api.HelpRecord
		var body []byte
		var raised string
		var acked sql.NullString
		if err := rows.Scan(&body, &rec.Peer, &rec.State, &rec.By, &rec.Posts, &raised, &acked); err != nil {
			return nil, err
		}
		_ = json.Unmarshal(body, &rec.HelpCall)
		rec.RaisedAt, _ = time.Parse(time.RFC3339Nano, raised)
		if acked.Valid {
			if t, err := time.Parse(time.RFC3339Nano, acked.String); err == nil {
				rec.AckedAt = &t
			}
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

func (s *Server) inspectHelp(w http.ResponseWriter, r *http.Request) {
	calls, err := s.HelpCalls()
	if err != nil {
		writeErr(w, 500, api.CodeInternal, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, calls)
}

func (s *Server) inspectAckHelp(w http.ResponseWriter, r *http.Request) {
	var a api.HelpAck
	if err := json.NewDecoder(io.LimitReader(r.Body, 4<<10)).Decode(&a); err != nil || a.By == "" {
		writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "ack needs by")
		return
	}
	if err := s.AckHelp(r.PathValue("id"), a.By); err != nil {
		writeErr(w, http.StatusNotFound, api.CodeNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, a)
}
