package offline

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	kiosk "github.com/bianmin/kiosk"
)

// A transfer file moves the unsynced queue of a broken terminal to its
// replacement. Layout:
//
//	"BKXFER1\n"  16-byte random file id
//	frames: uint32 big-endian length, then a sealed frame (see sealer)
//
// Each frame is AES-256-GCM sealed with a key derived from the transfer key,
// its additional data binding it to the file id, its index and whether it is
// the last, so frames cannot be dropped, reordered or spliced between files
// and a truncated file is detected. Every frame but the last holds one
// application with its files; the last holds the count.
var transferMagic = []byte("BKXFER1\n")

// MaxTransferFrame bounds one frame (one application with its files).
const MaxTransferFrame = 256 << 20

// ErrTransfer is returned for a transfer file that is not one, was made with
// another key, or was cut short or altered.
var ErrTransfer = errors.New("bad transfer file")

// TransferResult counts what Export wrote or Import read.
type TransferResult struct {
	Applications int `json:"applications"` // exported, or imported
	Skipped      int `json:"skipped"`      // import: instance already here
	// Conflicts lists what Import could not take (an acceptance number or
	// instance ID held here by another application); the rest was imported.
	Conflicts   []ImportConflict `json:"conflicts,omitempty"`
	Attachments int              `json:"attachments"`
	Bytes       int64            `json:"bytes"` // attachment plaintext bytes
	// Damaged lists what Export left out because its sealed form or files
	// are damaged (see Verify); every intact application was written.
	Damaged []Damage `json:"damaged,omitempty"`
}

// ImportConflict is one application of a transfer file that Import left
// out: no personal data, enough for the technician to find it.
type ImportConflict struct {
	InstanceID   string `json:"instance_id"`
	AcceptanceNo string `json:"acceptance_no"`
	Reason       string `json:"reason"`
}

type transferRecord struct {
	App   *kiosk.Application `json:"app,omitempty"`
	Files map[string][]byte  `json:"files,omitempty"`
	End   bool               `json:"end,omitempty"`
	Count int                `json:"count,omitempty"`
}

func transferAD(fileID []byte, index uint64, last bool) []byte {
	ad := make([]byte, 0, 5+len(fileID)+9)
	ad = append(ad, "xfer\x00"...)
	ad = append(ad, fileID...)
	ad = binary.BigEndian.AppendUint64(ad, index)
	if last {
		return append(ad, 1)
	}
	return append(ad, 0)
}

// Export writes every queued or uploading application, with its decrypted
// attachments, to w as one file sealed with transferKey. Upload progress is
// not carried: the replacement starts each upload afresh, and the instance
// ID lets the platform drop anything that did get through.
func (s *Store) Export(ctx context.Context, w io.Writer, transferKey Key) (TransferResult, error) {
	var res TransferResult
	sl, err := newSealer(transferKey.derive("transfer v1"))
	if err != nil {
		return res, err
	}
	fileID := make([]byte, 16)
	rand.Read(fileID)
	bw := bufio.NewWriter(w)
	bw.Write(transferMagic)
	bw.Write(fileID)
	var index uint64
	writeFrame := func(rec *transferRecord, last bool) error {
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		sealed := sl.seal(b, transferAD(fileID, index, last))
		index++
		var n [4]byte
		binary.BigEndian.PutUint32(n[:], uint32(len(sealed)))
		bw.Write(n[:])
		_, err = bw.Write(sealed)
		return err
	}
	var ids []string
	rows, err := s.r.QueryContext(ctx, `SELECT instance_id FROM applications WHERE `+pendingSQL+` ORDER BY created_at, instance_id`)
	if err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	for rows.Next() {
		var id string
		rows.Scan(&id)
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("export: %w", err)
		}
		app, files, damage, err := s.exportOne(ctx, id)
		if err != nil {
			return res, fmt.Errorf("export %s: %w", id, err)
		}
		if len(damage) > 0 {
			// Left out, so that the intact ones still reach the
			// replacement; the caller lists these.
			res.Damaged = append(res.Damaged, damage...)
			continue
		}
		for _, b := range files {
			res.Attachments++
			res.Bytes += int64(len(b))
		}
		if err := writeFrame(&transferRecord{App: app, Files: files}, false); err != nil {
			return res, fmt.Errorf("export: %w", err)
		}
		res.Applications++
	}
	if err := writeFrame(&transferRecord{End: true, Count: res.Applications}, true); err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return res, fmt.Errorf("export: %w", err)
	}
	s.Audit(ctx, "exported", "", fmt.Sprintf("file=%s applications=%d damaged=%d", hex.EncodeToString(fileID), res.Applications, len(res.Damaged)))
	return res, nil
}

// Import reads a transfer file made by Export (with the same transferKey)
// and enqueues each application not already here, as queued with no attempts
// and no upload progress. Applications already here (same instance ID) are
// skipped, so importing twice changes nothing. Each application is committed
// on its own: a file cut short imports what came before the cut and then
// returns ErrTransfer; importing the whole file afterwards completes it. An
// application whose acceptance number (or instance ID with other content) is
// held here by another one is left out, listed in Conflicts and audited, and
// the import goes on; the error then names each (ErrConflict). Every
// acceptance number read advances this store's daily sequence past it, so
// the replacement terminal never hands out a number the old one printed.
func (s *Store) Import(ctx context.Context, r io.Reader, transferKey Key) (TransferResult, error) {
	var res TransferResult
	var conflicts []error
	err := readTransfer(r, transferKey, func(fileID []byte, rec *transferRecord) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		app := rec.App
		// The replacement numbers on from the old terminal's numbers, whether
		// this application is new here, already here or in conflict.
		if err := s.advanceSeq(ctx, app.AcceptanceNo); err != nil {
			return err
		}
		if _, err := s.Summary(ctx, app.InstanceID); err == nil {
			res.Skipped++
			return nil
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		app.State = ""
		if err := s.Enqueue(ctx, app, rec.Files); err != nil {
			if !errors.Is(err, ErrConflict) {
				return err
			}
			res.Conflicts = append(res.Conflicts, ImportConflict{InstanceID: app.InstanceID, AcceptanceNo: app.AcceptanceNo, Reason: err.Error()})
			conflicts = append(conflicts, fmt.Errorf("%s (%s): %w", app.AcceptanceNo, app.InstanceID, err))
			s.Audit(ctx, "import conflict", app.InstanceID, "file="+hex.EncodeToString(fileID))
			return nil // the others still come in
		}
		res.Applications++
		res.Attachments += len(app.Attachments)
		for _, b := range rec.Files {
			res.Bytes += int64(len(b))
		}
		return s.Audit(ctx, "imported", app.InstanceID, "file="+hex.EncodeToString(fileID))
	})
	if err != nil {
		return res, fmt.Errorf("import: %w", err)
	}
	if len(conflicts) > 0 {
		return res, fmt.Errorf("import: %d not imported: %w", len(conflicts), errors.Join(conflicts...))
	}
	return res, nil
}

// advanceSeq moves the day's acceptance sequence past an imported acceptance
// number, so that the next resident here never gets a number the old
// terminal already printed. Numbers that do not parse are left alone.
func (s *Store) advanceSeq(ctx context.Context, no string) error {
	_, _, day, seq, ok := kiosk.ParseAcceptanceNo(no)
	if !ok {
		return nil
	}
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO acceptance_seq(day, last) VALUES (?, ?)
			ON CONFLICT(day) DO UPDATE SET last = max(last, excluded.last)`, day, seq)
		return err
	})
	if err != nil {
		return fmt.Errorf("advance acceptance sequence: %w", dbErr(err))
	}
	return nil
}

// readTransfer parses and opens a transfer file, calling fn for each
// application record in order. It returns ErrTransfer (wrapped) for anything
// malformed, including a missing end frame or trailing bytes.
func readTransfer(r io.Reader, transferKey Key, fn func(fileID []byte, rec *transferRecord) error) error {
	sl, err := newSealer(transferKey.derive("transfer v1"))
	if err != nil {
		return err
	}
	br := bufio.NewReader(r)
	head := make([]byte, len(transferMagic)+16)
	if _, err := io.ReadFull(br, head); err != nil || string(head[:len(transferMagic)]) != string(transferMagic) {
		return fmt.Errorf("%w: no header", ErrTransfer)
	}
	fileID := head[len(transferMagic):]
	count := 0
	for index := uint64(0); ; index++ {
		var n [4]byte
		if _, err := io.ReadFull(br, n[:]); err != nil {
			return fmt.Errorf("%w: cut short after %d applications", ErrTransfer, count)
		}
		size := binary.BigEndian.Uint32(n[:])
		if size > MaxTransferFrame {
			return fmt.Errorf("%w: frame of %d bytes", ErrTransfer, size)
		}
		// Grow as bytes arrive rather than trusting the length up front.
		var frame bytes.Buffer
		if n, _ := io.CopyN(&frame, br, int64(size)); n != int64(size) {
			return fmt.Errorf("%w: cut short after %d applications", ErrTransfer, count)
		}
		sealed := frame.Bytes()
		last := false
		plain, err := sl.open(sealed, transferAD(fileID, index, false))
		if err != nil {
			if plain, err = sl.open(sealed, transferAD(fileID, index, true)); err != nil {
				return fmt.Errorf("%w: frame %d does not open (wrong key or altered)", ErrTransfer, index)
			}
			last = true
		}
		var rec transferRecord
		if err := json.Unmarshal(plain, &rec); err != nil {
			return fmt.Errorf("%w: frame %d: %v", ErrTransfer, index, err)
		}
		if last {
			if !rec.End || rec.Count != count {
				return fmt.Errorf("%w: end frame counts %d applications, read %d", ErrTransfer, rec.Count, count)
			}
			if _, err := br.ReadByte(); err != io.EOF {
				return fmt.Errorf("%w: data after the end", ErrTransfer)
			}
			return nil
		}
		if rec.End || rec.App == nil {
			return fmt.Errorf("%w: frame %d holds no application", ErrTransfer, index)
		}
		if err := fn(fileID, &rec); err != nil {
			return err
		}
		count++
	}
}
