package platformsim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strings"

	tushandler "github.com/tus/tusd/v2/pkg/handler"

	"github.com/bianmin/kiosk/sync/api"
)

// checksummed adds the tus checksum extension (sha256) in front of tusd,
// which does not implement it: a PATCH carrying Upload-Checksum is read whole
// (up to max bytes) and handed to tusd only when its sha256 matches, so a
// body cut short or damaged is never stored (460 Checksum Mismatch otherwise).
func checksummed(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			w = &extWriter{ResponseWriter: w}
		}
		ck := r.Header.Get("Upload-Checksum")
		if r.Method != http.MethodPatch || ck == "" {
			next.ServeHTTP(w, r)
			return
		}
		algo, b64, _ := strings.Cut(ck, " ")
		want, err := base64.StdEncoding.DecodeString(b64)
		if algo != api.TusChecksumAlgo || err != nil || len(want) != sha256.Size {
			http.Error(w, "unsupported checksum algorithm", http.StatusBadRequest)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, max+1))
		if err != nil {
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
			http.Error(w, "chunk too large", http.StatusRequestEntityTooLarge)
			return
		}
		if r.ContentLength >= 0 && int64(len(body)) != r.ContentLength {
			http.Error(w, "body shorter than Content-Length", http.StatusBadRequest)
			return
		}
		got := sha256.Sum256(body)
		if !bytes.Equal(got[:], want) {
			w.Header().Set("Tus-Resumable", api.TusVersion)
			http.Error(w, "checksum mismatch", api.StatusChecksumMismatch)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
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
		h.Set("Tus-Checksum-Algorithm", api.TusChecksumAlgo)
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
	sum, size, err := fileSum(path)
	if err != nil {
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
