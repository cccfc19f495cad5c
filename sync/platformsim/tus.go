package platformsim

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"
	tushandler "github.com/tus/tusd/v2/pkg/handler"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
)

// maxUpload is the largest attachment the emulator holds (Tus-Max-Size).
const maxUpload = 1 << 30

// checksumAlgos are the Upload-Checksum algorithms accepted: sha1, which the
// checksum extension says a server MUST support, and sha256, which the
// kiosk sends.
var checksumAlgos = map[string]func() hash.Hash{"sha1": sha1.New, api.TusChecksumAlgo: sha256.New}

// useStore puts the filestore into the composer for the core protocol and
// termination only: the platform protocol needs neither concatenation nor
// deferred lengths (every attachment's length is in its form), so they are
// not advertised and tusd refuses their headers.
func useStore(comp *tushandler.StoreComposer, store sealedStore) {
	comp.UseCore(store)
	comp.UseTerminater(store)
}

// tusError answers a tus request with an error that still carries
// Tus-Resumable, so the terminal knows the platform said it.
func tusError(w http.ResponseWriter, msg string, status int) {
	w.Header().Set("Tus-Resumable", api.TusVersion)
	http.Error(w, msg, status)
}

// checksummed adds the tus checksum extension (sha1, sha256) in front of
// tusd, which does not implement it: a PATCH, or a creation-with-upload POST,
// carrying Upload-Checksum is read whole (up to max bytes) and handed to tusd
// only when its checksum matches, so a body cut short or damaged is never
// stored (460 Checksum Mismatch otherwise).
func checksummed(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			w = &extWriter{ResponseWriter: w}
		}
		ck := r.Header.Get("Upload-Checksum")
		withBody := r.Method == http.MethodPatch ||
			(r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/offset+octet-stream")
		if !withBody || ck == "" {
			next.ServeHTTP(w, r)
			return
		}
		algo, b64, _ := strings.Cut(ck, " ")
		newHash, known := checksumAlgos[algo]
		want, err := base64.StdEncoding.DecodeString(b64)
		if !known {
			tusError(w, "unsupported checksum algorithm", http.StatusBadRequest)
			return
		}
		if err != nil || len(want) != newHash().Size() {
			tusError(w, "malformed Upload-Checksum", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
		if err != nil {
			if r.Method != http.MethodPatch {
				return // a creation whose body broke off creates nothing
			}
			// The connection broke mid-body. Like tus core (and unlike the
			// letter of the checksum extension) we keep the prefix that
			// arrived, so the terminal resumes where the link failed instead
			// of resending the chunk; the whole attachment's sha256 is
			// verified when the upload finishes and again at completion, so
			// a damaged prefix is caught there and the upload restarted.
			if len(body) > 0 && int64(len(body)) <= max {
				pr := r.Clone(context.WithoutCancel(r.Context()))
				pr.Header.Del("Upload-Checksum")
				pr.Body = io.NopCloser(bytes.NewReader(body))
				pr.ContentLength = int64(len(body))
				next.ServeHTTP(discard{}, pr)
			}
			return
		}
		if int64(len(body)) > max {
			tusError(w, "chunk too large", http.StatusRequestEntityTooLarge)
			return
		}
		if r.ContentLength >= 0 && int64(len(body)) != r.ContentLength {
			tusError(w, "body shorter than Content-Length", http.StatusBadRequest)
			return
		}
		h := newHash()
		h.Write(body)
		if !bytes.Equal(h.Sum(nil), want) {
			tusError(w, "checksum mismatch", api.StatusChecksumMismatch)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// validForm refuses, before putApplication stores it, a form the platform
// could never complete: an instance ID that is not a canonical UUID (such as
// ../../x), an empty acceptance number, an attachment larger than the
// largest upload held.
func validForm(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
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
		id := r.PathValue("id")
		if u, err := uuid.Parse(id); err != nil || u.String() != id {
			writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "instance id is not a canonical uuid")
			return
		}
		if strings.TrimSpace(a.AcceptanceNo) == "" {
			writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "empty acceptance number")
			return
		}
		for _, at := range a.Attachments {
			if at.Size < 0 || at.Size > maxUpload {
				writeErr(w, http.StatusBadRequest, api.CodeBadRequest, "attachment size out of range")
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next(w, r)
	}
}

// extWriter advertises the checksum extension in OPTIONS responses.
type extWriter struct {
	http.ResponseWriter
	done bool
}

func (e *extWriter) WriteHeader(code int) {
	if !e.done {
		e.done = true
		h := e.Header()
		if x := h.Get("Tus-Extension"); x != "" {
			h.Set("Tus-Extension", x+",checksum")
		}
		h.Set("Tus-Checksum-Algorithm", "sha1,"+api.TusChecksumAlgo)
	}
	e.ResponseWriter.WriteHeader(code)
}

func (e *extWriter) Write(p []byte) (int, error) {
	if !e.done {
		e.WriteHeader(http.StatusOK)
	}
	return e.ResponseWriter.Write(p)
}

func (e *extWriter) Unwrap() http.ResponseWriter { return e.ResponseWriter }

func tusErr(code string, msg string, status int) error {
	return tushandler.NewError(code, msg, status)
}

// preCreate admits an upload only for an attachment of a held form, with the
// declared length and sha256.
func (s *Server) preCreate(ev tushandler.HookEvent) (tushandler.HTTPResponse, tushandler.FileInfoChanges, error) {
	md := ev.Upload.MetaData
	id, attID, sum := md[api.MetaInstanceID], md[api.MetaAttachmentID], md[api.MetaSHA256]
	a, _, err := s.formOf(id)
	if err != nil {
		return tushandler.HTTPResponse{}, tushandler.FileInfoChanges{}, tusErr("ERR_UNKNOWN_APPLICATION", "no form held for this instance id", http.StatusNotFound)
	}
	for _, at := range a.Attachments {
		if at.ID == attID {
			if at.SHA256 != sum || at.Size != ev.Upload.Size || ev.Upload.SizeIsDeferred {
				return tushandler.HTTPResponse{}, tushandler.FileInfoChanges{}, tusErr("ERR_ATTACHMENT_MISMATCH", "length or sha256 differ from the form", http.StatusBadRequest)
			}
			return tushandler.HTTPResponse{}, tushandler.FileInfoChanges{}, nil
		}
	}
	return tushandler.HTTPResponse{}, tushandler.FileInfoChanges{}, tusErr("ERR_UNKNOWN_ATTACHMENT", "attachment not in the form", http.StatusBadRequest)
}

// preFinish verifies a finished upload's bytes against the sha256 declared
// and records the attachment as received.
func (s *Server) preFinish(ev tushandler.HookEvent) (tushandler.HTTPResponse, error) {
	path := ev.Upload.Storage["Path"]
	md := ev.Upload.MetaData
	sum, size, err := s.attachmentSum(path, ev.Upload.ID)
	if err != nil {
		s.log.Warn("upload unreadable", "instance", md[api.MetaInstanceID], "attachment", md[api.MetaAttachmentID], "err", err)
		return tushandler.HTTPResponse{}, tusErr("ERR_STORE", "cannot read upload", http.StatusInternalServerError)
	}
	if sum != md[api.MetaSHA256] || size != ev.Upload.Size {
		s.log.Warn("upload does not match its sha256", "instance", md[api.MetaInstanceID], "attachment", md[api.MetaAttachmentID])
		return tushandler.HTTPResponse{}, tusErr("ERR_CHECKSUM_MISMATCH", "upload does not match its sha256", api.StatusChecksumMismatch)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.db.Exec(`INSERT OR REPLACE INTO attachments(instance_id, attachment_id, sha256, size, upload_id, path) VALUES(?,?,?,?,?,?)`,
		md[api.MetaInstanceID], md[api.MetaAttachmentID], sum, size, ev.Upload.ID, path)
	if err != nil {
		return tushandler.HTTPResponse{}, errors.Join(tusErr("ERR_STORE", "cannot record upload", http.StatusInternalServerError), err)
	}
	return tushandler.HTTPResponse{}, nil
}

// discard is the response writer for a request whose connection is gone.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
