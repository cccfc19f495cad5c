package platformsim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tus/tusd/v2/pkg/filestore"
	tushandler "github.com/tus/tusd/v2/pkg/handler"
)

// Uploaded attachments (scanned pages of identity documents) are held like
// forms: sealed. sealedStore wraps tusd's filestore, which keeps each
// upload's .info file and creates and removes the data file; the data file
// itself is written by sealedStore as a header followed by records, each
// one segment of the upload sealed with Server.seal (AES-256-GCM) under the
// additional data "attachment", upload ID and the segment's plaintext
// offset, so a record cannot be moved to another upload or place:
//
//	"PSA1\n" { uint32 big-endian length L, L bytes of seal() output }
//
// The tus offset is the plaintext length of the whole records; a record
// torn by a crash is not counted and is cut off before the next write, so
// the terminal resumes from the last whole record. Readers (the sha256
// check at finish, Received) open the records through openAttachment.
//
// Passed over: sealing on completion (move and seal in the finish hook)
// leaves every page plaintext on disk while it uploads and forever when an
// upload is abandoned.
type sealedStore struct {
	fs filestore.FileStore
	s  *Server
}

var (
	_ tushandler.DataStore           = sealedStore{}
	_ tushandler.TerminaterDataStore = sealedStore{}
)

// attachmentHeader starts every sealed data file; a file without it was
// written before sealing (see sealLegacyUploads).
var attachmentHeader = []byte("PSA1\n")

// sealSegment is the largest plaintext sealed as one record: a PATCH body
// is sealed as it streams, never held whole.
const sealSegment = 1 << 20

const recordLen = 4

func attachmentAAD(uploadID string, offset int64) string {
	return uploadID + "@" + strconv.FormatInt(offset, 10)
}

func (st sealedStore) NewUpload(ctx context.Context, info tushandler.FileInfo) (tushandler.Upload, error) {
	up, err := st.fs.NewUpload(ctx, info)
	if err != nil {
		return nil, err
	}
	in, err := up.GetInfo(ctx)
	if err != nil {
		return nil, err
	}
	path := in.Storage["Path"]
	if err := os.WriteFile(path, attachmentHeader, 0o600); err != nil {
		return nil, fmt.Errorf("platformsim: new upload: %w", err)
	}
	return &sealedUpload{inner: up, st: st, info: in, path: path}, nil
}

func (st sealedStore) GetUpload(ctx context.Context, id string) (tushandler.Upload, error) {
	up, err := st.fs.GetUpload(ctx, id)
	if err != nil {
		return nil, err
	}
	in, err := up.GetInfo(ctx)
	if err != nil {
		return nil, err
	}
	path := in.Storage["Path"]
	plain, _, err := scanRecords(path)
	if err != nil {
		return nil, err
	}
	in.Offset = plain
	return &sealedUpload{inner: up, st: st, info: in, path: path}, nil
}

func (st sealedStore) AsTerminatableUpload(up tushandler.Upload) tushandler.TerminatableUpload {
	return st.fs.AsTerminatableUpload(up.(*sealedUpload).inner)
}

type sealedUpload struct {
	inner tushandler.Upload
	st    sealedStore
	info  tushandler.FileInfo
	path  string
}

func (u *sealedUpload) GetInfo(context.Context) (tushandler.FileInfo, error) { return u.info, nil }

func (u *sealedUpload) FinishUpload(ctx context.Context) error { return u.inner.FinishUpload(ctx) }

func (u *sealedUpload) GetReader(context.Context) (io.ReadCloser, error) {
	return u.st.s.openAttachment(u.path, u.info.ID)
}

// WriteChunk seals src segment by segment and appends the records. What
// arrived before src broke off is kept (as tus core does with a plain file),
// in whole records, and counted in the offset.
func (u *sealedUpload) WriteChunk(ctx context.Context, offset int64, src io.Reader) (int64, error) {
	plain, end, err := scanRecords(u.path)
	if err != nil {
		return 0, err
	}
	if plain != offset {
		return 0, fmt.Errorf("platformsim: write at %d, upload holds %d", offset, plain)
	}
	f, err := os.OpenFile(u.path, os.O_WRONLY, 0o600)
	if err != nil {
		return 0, fmt.Errorf("platformsim: write upload: %w", err)
	}
	// Cut a record torn by a crash before appending after it.
	if err := f.Truncate(end); err != nil {
		f.Close()
		return 0, fmt.Errorf("platformsim: write upload: %w", err)
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		f.Close()
		return 0, fmt.Errorf("platformsim: write upload: %w", err)
	}
	w := bufio.NewWriterSize(f, sealSegment+64)
	buf := make([]byte, sealSegment)
	var n int64
	var rerr error
	for rerr == nil {
		var k int
		k, rerr = io.ReadFull(src, buf)
		if k == 0 {
			break
		}
		rec := u.st.s.seal("attachment", attachmentAAD(u.info.ID, offset+n), buf[:k])
		var l [recordLen]byte
		binary.BigEndian.PutUint32(l[:], uint32(len(rec)))
		w.Write(l[:])
		if _, err := w.Write(rec); err != nil {
			f.Close()
			return n, fmt.Errorf("platformsim: write upload: %w", err)
		}
		n += int64(k)
	}
	if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
		rerr = nil
	}
	err = w.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("platformsim: write upload: %w", err)
	}
	u.info.Offset = offset + n
	return n, rerr
}

// scanRecords walks a sealed data file's record headers: the plaintext
// length of its whole records and the byte offset where they end. A file
// without the header (written before sealing) counts as plaintext.
func scanRecords(path string) (plain, end int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			err = tushandler.ErrNotFound
		}
		return 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	hdr := make([]byte, len(attachmentHeader))
	if _, err := io.ReadFull(f, hdr); err != nil || !bytes.Equal(hdr, attachmentHeader) {
		return 0, 0, fmt.Errorf("platformsim: %s is not a sealed upload", filepath.Base(path))
	}
	end = int64(len(attachmentHeader))
	overhead := int64(len(sealMagic) + 12 + 16) // magic, GCM nonce and tag
	for {
		var l [recordLen]byte
		if _, err := f.ReadAt(l[:], end); err != nil {
			return plain, end, nil // end of file, or a torn length
		}
		n := int64(binary.BigEndian.Uint32(l[:]))
		if n < overhead || end+recordLen+n > fi.Size() {
			return plain, end, nil // a torn record
		}
		plain += n - overhead
		end += recordLen + n
	}
}

// openAttachment reads an upload's plaintext, record by record, checking
// each record's place; a record that fails to open is an error, never
// skipped.
func (s *Server) openAttachment(path, uploadID string) (io.ReadCloser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(f, sealSegment+64)
	hdr := make([]byte, len(attachmentHeader))
	if _, err := io.ReadFull(br, hdr); err != nil || !bytes.Equal(hdr, attachmentHeader) {
		f.Close()
		return nil, fmt.Errorf("platformsim: %s is not a sealed upload", filepath.Base(path))
	}
	return &recordReader{s: s, f: f, r: br, id: uploadID}, nil
}

type recordReader struct {
	s   *Server
	f   *os.File
	r   *bufio.Reader
	id  string
	off int64
	cur []byte
	err error
}

func (rr *recordReader) Read(p []byte) (int, error) {
	for len(rr.cur) == 0 {
		if rr.err != nil {
			return 0, rr.err
		}
		var l [recordLen]byte
		if _, err := io.ReadFull(rr.r, l[:]); err != nil {
			if errors.Is(err, io.EOF) {
				rr.err = io.EOF
			} else {
				rr.err = fmt.Errorf("platformsim: sealed upload torn: %w", err)
			}
			continue
		}
		rec := make([]byte, binary.BigEndian.Uint32(l[:]))
		if _, err := io.ReadFull(rr.r, rec); err != nil {
			rr.err = fmt.Errorf("platformsim: sealed upload torn: %w", err)
			continue
		}
		if len(rec) < len(sealMagic) || !bytes.Equal(rec[:len(sealMagic)], sealMagic) {
			rr.err = errors.New("platformsim: sealed upload: record not sealed")
			continue
		}
		plain, err := rr.s.open("attachment", attachmentAAD(rr.id, rr.off), rec)
		if err != nil {
			rr.err = err
			continue
		}
		rr.cur = plain
		rr.off += int64(len(plain))
	}
	n := copy(p, rr.cur)
	rr.cur = rr.cur[n:]
	return n, nil
}

func (rr *recordReader) Close() error { return rr.f.Close() }

// sealLegacyUploads seals, in place, the data files of a data directory
// written before attachments were sealed (plain bytes beside each .info
// file), so that no page stays readable there.
func (s *Server) sealLegacyUploads(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("platformsim: uploads: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasSuffix(name, ".info") || strings.HasSuffix(name, ".sealing") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name+".info")); err != nil {
			continue
		}
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("platformsim: uploads: %w", err)
		}
		if bytes.HasPrefix(b, attachmentHeader) {
			continue
		}
		tmp := path + ".sealing"
		if err := os.WriteFile(tmp, attachmentHeader, 0o600); err != nil {
			return fmt.Errorf("platformsim: seal upload: %w", err)
		}
		up := &sealedUpload{st: sealedStore{s: s}, path: tmp, info: tushandler.FileInfo{ID: name}}
		if _, err := up.WriteChunk(context.Background(), 0, bytes.NewReader(b)); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			return fmt.Errorf("platformsim: seal upload: %w", err)
		}
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
