package printer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/google/uuid"
)

// Spooled is a receipt that could not be printed, kept for reprinting. The
// receipt is already masked (kiosk.Receipt never holds a full name or ID
// number); Reason is an error text without personal data.
type Spooled struct {
	ID      string        `json:"id"`
	Added   time.Time     `json:"added"`
	Reason  string        `json:"reason,omitempty"`
	Receipt kiosk.Receipt `json:"receipt"`
}

// Spool keeps unprinted receipts in memory and, when it has a directory,
// as one JSON file each (written atomically) so that they survive a restart.
// It is safe for concurrent use.
type Spool struct {
	dir   string
	mu    sync.Mutex
	items map[string]Spooled
	now   func() time.Time
}

// OpenSpool opens (creating) the spool directory and loads what is in it.
// An empty dir gives a memory-only spool.
func OpenSpool(dir string) (*Spool, error) {
	s := &Spool{dir: dir, items: map[string]Spooled{}, now: time.Now}
	if dir == "" {
		return s, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("spool: %w", err)
		}
		var e Spooled
		if err := json.Unmarshal(b, &e); err != nil || e.ID == "" {
			continue // a damaged file is left for a technician
		}
		s.items[e.ID] = e
	}
	return s, nil
}

// Add keeps r and returns its entry.
func (s *Spool) Add(r kiosk.Receipt, reason error) (Spooled, error) {
	e := Spooled{ID: uuid.NewString(), Added: s.now().UTC(), Receipt: r}
	if reason != nil {
		e.Reason = reason.Error()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dir != "" {
		b, err := json.MarshalIndent(e, "", "  ")
		if err != nil {
			return Spooled{}, fmt.Errorf("spool: %w", err)
		}
		tmp := filepath.Join(s.dir, "."+e.ID+".tmp")
		if err := writeSync(tmp, b); err != nil {
			return Spooled{}, fmt.Errorf("spool: %w", err)
		}
		if err := os.Rename(tmp, s.path(e.ID)); err != nil {
			return Spooled{}, fmt.Errorf("spool: %w", err)
		}
	}
	s.items[e.ID] = e
	return e, nil
}

func writeSync(name string, b []byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *Spool) path(id string) string { return filepath.Join(s.dir, id+".json") }

// List returns the kept receipts, oldest first.
func (s *Spool) List() []Spooled {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Spooled, 0, len(s.items))
	for _, e := range s.items {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Added.Equal(out[j].Added) {
			return out[i].Added.Before(out[j].Added)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Get returns the entry with id (a unique prefix is enough).
func (s *Spool) Get(id string) (Spooled, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.items[id]; ok {
		return e, nil
	}
	var found []Spooled
	for k, e := range s.items {
		if id != "" && strings.HasPrefix(k, id) {
			found = append(found, e)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return Spooled{}, fmt.Errorf("spool: %q: %w", id, ErrNotFound)
}

// Remove drops the entry with id.
func (s *Spool) Remove(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.items[id]; !ok {
		return fmt.Errorf("spool: %q: %w", id, ErrNotFound)
	}
	if s.dir != "" {
		if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("spool: %w", err)
		}
	}
	delete(s.items, id)
	return nil
}

// TrimBefore drops the receipts spooled before t (the nightly maintenance:
// a receipt nobody reprinted within the retention period is not kept for
// ever) and returns how many it dropped.
func (s *Spool) TrimBefore(t time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	var errs []error
	for id, e := range s.items {
		if !e.Added.Before(t) {
			continue
		}
		if s.dir != "" {
			if err := os.Remove(s.path(id)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
				continue
			}
		}
		delete(s.items, id)
		n++
	}
	if err := errors.Join(errs...); err != nil {
		return n, fmt.Errorf("spool: %w", err)
	}
	return n, nil
}
