package offline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	kiosk "github.com/bianmin/kiosk"
)

// Damage is one damaged part of a stored application: its sealed form, or
// one attachment's sealed file. It holds no personal data (the attachment's
// name is sealed and left out), only what a technician needs to find it.
type Damage struct {
	InstanceID   string      `json:"instance_id"`
	AcceptanceNo string      `json:"acceptance_no"`
	State        kiosk.State `json:"state"`
	AttachmentID string      `json:"attachment_id,omitempty"` // "" for the form
	Reason       string      `json:"reason"`
}

func (d Damage) String() string {
	what := "form"
	if d.AttachmentID != "" {
		what = "attachment " + d.AttachmentID
	}
	return fmt.Sprintf("%s %s (%s): %s: %s", d.InstanceID, d.AcceptanceNo, d.State, what, d.Reason)
}

// VerifyResult is what Verify checked and what it found damaged.
type VerifyResult struct {
	Applications int      `json:"applications"` // checked (purged ones have nothing left to check)
	Attachments  int      `json:"attachments"`
	Bytes        int64    `json:"bytes"` // attachment plaintext bytes re-hashed
	Damaged      []Damage `json:"damaged,omitempty"`
}

// DamagedApplications returns the instance IDs of the damaged applications,
// each once, in the order found.
func (r VerifyResult) DamagedApplications() []string {
	var ids []string
	seen := map[string]bool{}
	for _, d := range r.Damaged {
		if !seen[d.InstanceID] {
			seen[d.InstanceID] = true
			ids = append(ids, d.InstanceID)
		}
	}
	return ids
}

// Verify opens every stored application: it decrypts the sealed form and
// every attachment's sealed file and re-hashes the plaintext against the
// sha256 recorded at Enqueue. A missing, empty, truncated, altered or
// mismatching file is damage; so is a form that cannot be opened. Purged
// applications have nothing left to check. Only I/O and database failures
// are returned as errors; damage is in the result.
func (s *Store) Verify(ctx context.Context) (VerifyResult, error) {
	var res VerifyResult
	type appRow struct {
		id, no, state string
		payload       []byte
	}
	rows, err := s.r.QueryContext(ctx, `SELECT instance_id, acceptance_no, state, payload FROM applications ORDER BY created_at, instance_id`)
	if err != nil {
		return res, fmt.Errorf("verify: %w", err)
	}
	var apps []appRow
	for rows.Next() {
		var a appRow
		if err := rows.Scan(&a.id, &a.no, &a.state, &a.payload); err != nil {
			rows.Close()
			return res, fmt.Errorf("verify: %w", err)
		}
		apps = append(apps, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("verify: %w", err)
	}
	for _, a := range apps {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("verify: %w", err)
		}
		if a.payload == nil {
			continue // purged: no form, no files
		}
		res.Applications++
		dmg := func(attID, reason string) {
			res.Damaged = append(res.Damaged, Damage{InstanceID: a.id, AcceptanceNo: a.no, State: kiosk.State(a.state), AttachmentID: attID, Reason: reason})
		}
		if _, err := s.openApp(a.id, a.payload, a.state); err != nil {
			dmg("", "sealed form cannot be opened: "+err.Error())
		}
		atts, err := s.attachmentRows(ctx, a.id)
		if err != nil {
			return res, fmt.Errorf("verify %s: %w", a.id, err)
		}
		for _, at := range atts {
			res.Attachments++
			plain, reason, err := s.checkAttachment(at)
			if err != nil {
				return res, fmt.Errorf("verify %s/%s: %w", a.id, at.id, err)
			}
			if reason != "" {
				dmg(at.id, reason)
				continue
			}
			res.Bytes += int64(len(plain))
		}
	}
	if len(res.Damaged) > 0 {
		s.log.Error("verify: damaged applications", "applications", len(res.DamagedApplications()), "parts", len(res.Damaged))
	}
	return res, nil
}

type attachmentRow struct {
	instanceID, id, path, sum string
	size                      int64
}

func (s *Store) attachmentRows(ctx context.Context, instanceID string) ([]attachmentRow, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT attachment_id, sealed_path, sha256, size FROM attachments WHERE instance_id = ? ORDER BY ord`, instanceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []attachmentRow
	for rows.Next() {
		r := attachmentRow{instanceID: instanceID}
		if err := rows.Scan(&r.id, &r.path, &r.sum, &r.size); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// checkAttachment reads, decrypts and re-hashes one sealed file. It returns
// the plaintext, or the reason it is damaged; err only for a failure that
// says nothing about the file (permission, I/O).
func (s *Store) checkAttachment(a attachmentRow) ([]byte, string, error) {
	sealed, err := os.ReadFile(filepath.Join(s.attDir, filepath.FromSlash(a.path)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, "sealed file missing", nil
	case err != nil:
		return nil, "", err
	case len(sealed) == 0:
		return nil, "sealed file empty (0 bytes)", nil
	}
	want := int64(len(sealMagic)+s.seal.aead.NonceSize()+s.seal.aead.Overhead()) + a.size
	if int64(len(sealed)) < want {
		return nil, fmt.Sprintf("sealed file truncated (%d of %d bytes)", len(sealed), want), nil
	}
	plain, err := s.seal.open(sealed, adFile(a.instanceID, a.id))
	if err != nil {
		return nil, "sealed file cannot be opened (altered, wrong key or moved)", nil
	}
	got := sha256.Sum256(plain)
	if hex.EncodeToString(got[:]) != a.sum {
		return nil, "content does not match the recorded sha256", nil
	}
	return plain, "", nil
}

// exportOne reads one application with its attachments' plaintext for
// Export, or the damage that keeps it out of the transfer file.
func (s *Store) exportOne(ctx context.Context, instanceID string) (*kiosk.Application, map[string][]byte, []Damage, error) {
	sum, err := s.Summary(ctx, instanceID)
	if err != nil {
		return nil, nil, nil, err
	}
	dmg := func(attID, reason string) []Damage {
		return []Damage{{InstanceID: instanceID, AcceptanceNo: sum.AcceptanceNo, State: sum.State, AttachmentID: attID, Reason: reason}}
	}
	app, err := s.Get(ctx, instanceID)
	if errors.Is(err, ErrSealed) {
		return nil, nil, dmg("", "sealed form cannot be opened: "+err.Error()), nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	rows, err := s.attachmentRows(ctx, instanceID)
	if err != nil {
		return nil, nil, nil, err
	}
	byID := map[string]attachmentRow{}
	for _, r := range rows {
		byID[r.id] = r
	}
	files := map[string][]byte{}
	var damage []Damage
	for _, a := range app.Attachments {
		r, ok := byID[a.ID]
		if !ok {
			damage = append(damage, dmg(a.ID, "no attachment record")...)
			continue
		}
		plain, reason, err := s.checkAttachment(r)
		if err != nil {
			return nil, nil, nil, err
		}
		if reason != "" {
			damage = append(damage, dmg(a.ID, reason)...)
			continue
		}
		files[a.ID] = plain
	}
	return app, files, damage, nil
}
