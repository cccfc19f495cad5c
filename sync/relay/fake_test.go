package relay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

// fakeOutbox is an Outbox kept in memory and, when dir is set, on disk (a
// JSON state file replaced atomically on every change, attachment bytes in
// separate files), so that the crash harness can kill a process using it.
type fakeOutbox struct {
	mu  sync.Mutex
	dir string
	st  fakeState
	mem map[string][]byte // attachment bytes when dir == ""
	// onSubmitted, when set, is called inside MarkSubmitted (tests check
	// that the platform really holds the application at that moment).
	onSubmitted func(id string)
	// writeErr, when set, may fail MarkSubmitted and MarkFailed ("submitted",
	// "failed") as a full disk would.
	writeErr func(op, id string) error
	// started lists the instances in the order MarkUploading was called
	// (the order the relay took them up).
	started []string
}

type fakeState struct {
	Apps           map[string]*fakeApp    `json:"apps"`
	Cursors        map[string]string      `json:"cursors"`
	Ratings        map[string]*fakeRating `json:"ratings"`
	Catalog        []byte                 `json:"catalog"`
	CatalogVersion int64                  `json:"catalog_version"`
	Statuses       []string               `json:"statuses"`
}

type fakeApp struct {
	App       kiosk.Application     `json:"app"`
	Attempts  int                   `json:"attempts"`
	Next      time.Time             `json:"next"`
	LastErr   string                `json:"last_err"`
	Uploads   map[string]fakeUpload `json:"uploads"`
	Submitted time.Time             `json:"submitted"`
	Marks     int                   `json:"marks"` // MarkSubmitted calls
}

type fakeUpload struct {
	URL    string `json:"url"`
	Offset int64  `json:"offset"`
}

type fakeRating struct {
	R    kiosk.Rating `json:"r"`
	Sent bool         `json:"sent"`
}

var _ Outbox = (*fakeOutbox)(nil)

func newFakeOutbox(dir string) (*fakeOutbox, error) {
	f := &fakeOutbox{dir: dir, mem: map[string][]byte{}, st: fakeState{Apps: map[string]*fakeApp{}, Cursors: map[string]string{}, Ratings: map[string]*fakeRating{}}}
	if dir == "" {
		return f, nil
	}
	if err := os.MkdirAll(filepath.Join(dir, "att"), 0o700); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if os.IsNotExist(err) {
		return f, f.saveLocked()
	} else if err != nil {
		return nil, err
	}
	return f, json.Unmarshal(b, &f.st)
}

func (f *fakeOutbox) saveLocked() error {
	if f.dir == "" {
		return nil
	}
	b, err := json.Marshal(&f.st)
	if err != nil {
		return err
	}
	return writeFileSync(filepath.Join(f.dir, "state.json"), b)
}

func writeFileSync(path string, b []byte) error {
	tmp := path + ".tmp"
	fh, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := fh.Write(b); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Sync(); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Enqueue adds a queued application with its attachment bytes.
func (f *fakeOutbox) Enqueue(a *kiosk.Application, files map[string][]byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, b := range files {
		key := a.InstanceID + "_" + id
		if f.dir != "" {
			if err := writeFileSync(filepath.Join(f.dir, "att", key), b); err != nil {
				return err
			}
		} else {
			f.mem[key] = b
		}
	}
	c := *a
	c.State = kiosk.StateQueued
	f.st.Apps[a.InstanceID] = &fakeApp{App: c, Uploads: map[string]fakeUpload{}}
	return f.saveLocked()
}

func totalSize(a *kiosk.Application) int64 {
	var n int64
	for _, at := range a.Attachments {
		n += at.Size
	}
	return n
}

func (f *fakeOutbox) NextDue(ctx context.Context, now time.Time, skip ...string) (*kiosk.Application, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var due []*fakeApp
	for _, a := range f.st.Apps {
		if slices.Contains(skip, a.App.InstanceID) {
			continue
		}
		if (a.App.State == kiosk.StateQueued || a.App.State == kiosk.StateUploading) && !a.Next.After(now) {
			due = append(due, a)
		}
	}
	if len(due) == 0 {
		return nil, fmt.Errorf("fake: %w", ErrNoneDue)
	}
	sort.Slice(due, func(i, j int) bool {
		si, sj := totalSize(&due[i].App), totalSize(&due[j].App)
		if si != sj {
			return si < sj
		}
		return due[i].App.InstanceID < due[j].App.InstanceID
	})
	c := due[0].App
	c.Attachments = append([]kiosk.Attachment(nil), c.Attachments...)
	return &c, nil
}

func (f *fakeOutbox) app(id string) (*fakeApp, error) {
	a, ok := f.st.Apps[id]
	if !ok {
		return nil, fmt.Errorf("fake: no application %s", id)
	}
	return a, nil
}

func (f *fakeOutbox) MarkUploading(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.app(id)
	if err != nil {
		return err
	}
	f.started = append(f.started, id)
	if a.App.State == kiosk.StateUploading {
		return nil
	}
	if a.App.State != kiosk.StateQueued {
		return fmt.Errorf("fake: %s is %s: %w", id, a.App.State, kiosk.ErrTransition)
	}
	a.App.State = kiosk.StateUploading
	return f.saveLocked()
}

func (f *fakeOutbox) OpenAttachment(ctx context.Context, id, attID string) (io.ReadSeekCloser, error) {
	key := id + "_" + attID
	if f.dir != "" {
		return os.Open(filepath.Join(f.dir, "att", key))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.mem[key]
	if !ok {
		return nil, fmt.Errorf("fake: no attachment %s", key)
	}
	return nopCloser{bytes.NewReader(b)}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (f *fakeOutbox) UploadProgress(ctx context.Context, id, attID string) (string, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.app(id)
	if err != nil {
		return "", 0, err
	}
	u := a.Uploads[attID]
	return u.URL, u.Offset, nil
}

func (f *fakeOutbox) SetUploadProgress(ctx context.Context, id, attID, url string, off int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.app(id)
	if err != nil {
		return err
	}
	a.Uploads[attID] = fakeUpload{URL: url, Offset: off}
	return f.saveLocked()
}

func (f *fakeOutbox) MarkSubmitted(ctx context.Context, id string, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.app(id)
	if err != nil {
		return err
	}
	if f.writeErr != nil {
		if err := f.writeErr("submitted", id); err != nil {
			return err
		}
	}
	if f.onSubmitted != nil {
		f.onSubmitted(id)
	}
	a.Marks++
	if a.App.State == kiosk.StateUploading {
		a.App.State = kiosk.StateSubmitted
		a.Submitted = at
	}
	return f.saveLocked()
}

func (f *fakeOutbox) Attempts(ctx context.Context, id string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.app(id)
	if err != nil {
		return 0, err
	}
	return a.Attempts, nil
}

func (f *fakeOutbox) MarkFailed(ctx context.Context, id, lastErr string, next time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.app(id)
	if err != nil {
		return err
	}
	if f.writeErr != nil {
		if err := f.writeErr("failed", id); err != nil {
			return err
		}
	}
	a.Attempts++
	a.LastErr = lastErr
	a.Next = next
	return f.saveLocked()
}

func (f *fakeOutbox) ApplyStatus(ctx context.Context, id string, st kiosk.State, at time.Time, note string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, err := f.app(id)
	if err != nil {
		return err
	}
	if !a.App.State.CanBecome(st) {
		return fmt.Errorf("fake: %s → %s: %w", a.App.State, st, kiosk.ErrTransition)
	}
	a.App.State = st
	f.st.Statuses = append(f.st.Statuses, id+"="+string(st))
	return f.saveLocked()
}

func (f *fakeOutbox) AddRating(r kiosk.Rating) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.Ratings[r.InstanceID] = &fakeRating{R: r}
}

func (f *fakeOutbox) PendingRatings(ctx context.Context, limit int) ([]kiosk.Rating, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []kiosk.Rating
	for _, r := range f.st.Ratings {
		if !r.Sent && len(out) < limit {
			out = append(out, r.R)
		}
	}
	return out, nil
}

func (f *fakeOutbox) MarkRatingSent(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.st.Ratings[id]; ok {
		r.Sent = true
	}
	return f.saveLocked()
}

func (f *fakeOutbox) Cursor(ctx context.Context, name string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.Cursors[name], nil
}

func (f *fakeOutbox) SetCursor(ctx context.Context, name, v string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.Cursors[name] = v
	return f.saveLocked()
}

func (f *fakeOutbox) SaveCatalog(ctx context.Context, v int64, signed []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.st.Catalog, f.st.CatalogVersion = signed, v
	return f.saveLocked()
}

func (f *fakeOutbox) LatestCatalog(ctx context.Context) ([]byte, int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.st.Catalog, f.st.CatalogVersion, nil
}

func (f *fakeOutbox) Depth(ctx context.Context) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, a := range f.st.Apps {
		if !a.App.State.Synced() {
			n++
		}
	}
	return n, nil
}

func (f *fakeOutbox) snapshot() fakeState {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, _ := json.Marshal(&f.st)
	var s fakeState
	json.Unmarshal(b, &s)
	return s
}

// makeApp builds an application with n attachments of random sizes up to
// maxSize, and their bytes.
func makeApp(rnd *rand.Rand, seq, n int, minSize, maxSize int) (*kiosk.Application, map[string][]byte) {
	id := fmt.Sprintf("%08x-0000-4000-8000-%012x", rnd.Uint32(), uint64(seq)<<8|uint64(rnd.IntN(256)))
	st := kiosk.Station{Code: "330106001", Terminal: "T01", Name: "测试便民服务站", Division: "330106001000"}
	a := &kiosk.Application{
		InstanceID:   id,
		AcceptanceNo: kiosk.AcceptanceNo(st, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), seq),
		ItemCode:     "330100-000-XK-001",
		ItemName:     "测试事项",
		Station:      st,
		Form:         map[string]string{"reason": "测试", "seq": fmt.Sprint(seq)},
		CreatedAt:    time.Date(2026, 11, 23, 9, 0, seq%60, 0, time.UTC),
		State:        kiosk.StateQueued,
		Test:         true,
	}
	files := map[string][]byte{}
	for i := 0; i < n; i++ {
		size := minSize
		if maxSize > minSize {
			size += rnd.IntN(maxSize - minSize)
		}
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(rnd.Uint32())
		}
		sum := sha256.Sum256(b)
		att := kiosk.Attachment{ID: fmt.Sprintf("a%d", i), Name: fmt.Sprintf("page%d.pdf", i), MediaType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Size: int64(size)}
		a.Attachments = append(a.Attachments, att)
		files[att.ID] = b
	}
	return a, files
}
