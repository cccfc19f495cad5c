// Package sim is an in-process scanner simulator implementing
// scanner.Scanner, for `make run`, the developer dock and tests. It yields
// realistic sample pages (A4, text, a table, slight skew, a grey margin) drawn
// in code, and has knobs the dock can flip: feeder empty, jam after N pages,
// cover open, busy, disconnected, the number of sheets in the feeder and a
// delay per page. Only cmd/, the dock and tests should import it.
package sim

import (
	"context"
	"fmt"
	"image"
	"sync"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/scanner"
)

// Knobs are the simulator's switches. The zero value is a ready scanner with
// three sheets in the feeder.
type Knobs struct {
	Pages        int           `json:"pages"`        // sheets yielded by each feeder job (3 when zero)
	FeederEmpty  bool          `json:"feeder_empty"` // the feeder has no paper
	JamAfter     int           `json:"jam_after"`    // a feeder job jams after this many pages (0 never)
	CoverOpen    bool          `json:"cover_open"`   // the lid is open
	Busy         bool          `json:"busy"`         // another job is running
	Disconnected bool          `json:"disconnected"` // the device is gone
	Skew         float64       `json:"skew"`         // degrees of skew of the sample pages (1.5 when zero; pages alternate sign)
	Delay        time.Duration `json:"delay"`        // time to scan one page
}

// Sim is the simulated scanner. Safe for concurrent use.
type Sim struct {
	mu   sync.Mutex
	k    Knobs
	jobs int
}

var _ scanner.Scanner = (*Sim)(nil)

// New returns a simulator with the given knobs.
func New(k Knobs) *Sim { return &Sim{k: k} }

// Knobs returns the current knobs.
func (s *Sim) Knobs() Knobs {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.k
}

// Set replaces the knobs.
func (s *Sim) Set(k Knobs) {
	s.mu.Lock()
	s.k = k
	s.mu.Unlock()
}

// Update changes the knobs in place, e.g. sim.Update(func(k *Knobs){ k.Jam = true }).
func (s *Sim) Update(f func(*Knobs)) {
	s.mu.Lock()
	f(&s.k)
	s.mu.Unlock()
}

// Jobs is the number of scan jobs started so far.
func (s *Sim) Jobs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jobs
}

// Capabilities reports a duplex A4 scanner with a feeder and a platen.
func (s *Sim) Capabilities(ctx context.Context) (scanner.Caps, error) {
	if s.Knobs().Disconnected {
		return scanner.Caps{}, fmt.Errorf("sim capabilities: %w", scanner.ErrDisconnected)
	}
	return scanner.Caps{
		MakeAndModel: "Bianmin Simulated Scanner",
		Sources:      []scanner.Source{scanner.Platen, scanner.Feeder},
		ColorModes:   []scanner.ColorMode{scanner.Color, scanner.Gray},
		Resolutions:  []int{75, 100, 150, 200, 300, 600},
		Duplex:       true,
		MaxWidthMM:   216,
		MaxHeightMM:  356,
	}, nil
}

// Raw is the simulator's raw condition, as an eSCL emulator would report it.
func (s *Sim) Raw() scanner.Raw {
	k := s.Knobs()
	return scanner.Raw{
		Unreachable: k.Disconnected,
		Jam:         k.JamAfter < 0, // a jam left uncleared (see ClearJam)
		CoverOpen:   k.CoverOpen,
		FeederEmpty: k.FeederEmpty,
		Busy:        k.Busy,
	}
}

// Status summarises the knobs.
func (s *Sim) Status(ctx context.Context) (scanner.Status, error) {
	return scanner.Summarise(s.Raw()), nil
}

// ClearJam clears a jam left by a job (the technician opened the feeder).
func (s *Sim) ClearJam() {
	s.Update(func(k *Knobs) {
		if k.JamAfter < 0 {
			k.JamAfter = 0
		}
	})
}

// Check returns the error a job would fail with before its first page.
func (s *Sim) Check(st scanner.Settings) error {
	k := s.Knobs()
	switch {
	case k.Disconnected:
		return scanner.ErrDisconnected
	case k.JamAfter < 0:
		return scanner.ErrJam
	case k.CoverOpen:
		return scanner.ErrCoverOpen
	case k.Busy:
		return scanner.ErrBusy
	case st.Source == scanner.Feeder && k.FeederEmpty:
		return scanner.ErrFeederEmpty
	case st.Duplex && st.Source != scanner.Feeder:
		return fmt.Errorf("duplex needs the feeder: %w", scanner.ErrUnsupported)
	}
	return nil
}

// PageCount is how many pages a job with these settings yields when nothing
// goes wrong.
func (s *Sim) PageCount(st scanner.Settings) int {
	st = st.WithDefaults()
	if st.Source != scanner.Feeder {
		return 1
	}
	n := s.Knobs().Pages
	if n <= 0 {
		n = 3
	}
	if st.Duplex {
		n *= 2
	}
	if st.MaxPages > 0 && st.MaxPages < n {
		n = st.MaxPages
	}
	return n
}

// Page returns page i (from 0) of a job with these settings. It marks a jam
// (and returns ErrJam) when the JamAfter knob says page i never comes out.
// Pages are cached, so repeated jobs are cheap.
func (s *Sim) Page(ctx context.Context, st scanner.Settings, i int) (scanner.Page, error) {
	st = st.WithDefaults()
	k := s.Knobs()
	if k.Disconnected {
		return scanner.Page{}, scanner.ErrDisconnected
	}
	if st.Source == scanner.Feeder && k.JamAfter > 0 && i >= k.JamAfter {
		s.Update(func(k *Knobs) { k.JamAfter = -1 })
		return scanner.Page{}, scanner.ErrJam
	}
	if k.Delay > 0 {
		t := time.NewTimer(k.Delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return scanner.Page{}, ctx.Err()
		case <-t.C:
		}
	}
	skew := k.Skew
	if skew == 0 {
		skew = 1.5
	}
	if i%2 == 1 {
		skew = -skew * 0.6
	}
	spec := PageSpec{DPI: st.DPI, Color: st.Color == scanner.Color, Number: i + 1, Skew: skew}
	return scanner.Page{Image: cachedPage(spec), DPI: st.DPI}, nil
}

// Generated pages are shared by every simulator in the process: drawing an
// A4 page at 200 dpi takes a good part of a second. Callers must not modify
// the images.
var (
	cacheMu sync.Mutex
	cache   = map[PageSpec]image.Image{}
)

func cachedPage(spec PageSpec) image.Image {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if img, ok := cache[spec]; ok {
		return img
	}
	img := SamplePage(spec)
	if len(cache) >= 24 {
		clear(cache)
	}
	cache[spec] = img
	return img
}

// Scan runs one simulated job.
func (s *Sim) Scan(ctx context.Context, st scanner.Settings) ([]scanner.Page, error) {
	st = st.WithDefaults()
	s.mu.Lock()
	s.jobs++
	s.mu.Unlock()
	if err := s.Check(st); err != nil {
		return nil, fmt.Errorf("sim scan: %w", err)
	}
	n := s.PageCount(st)
	var pages []scanner.Page
	for i := 0; i < n; i++ {
		if err := ctx.Err(); err != nil {
			return pages, fmt.Errorf("sim scan: %w", err)
		}
		p, err := s.Page(ctx, st, i)
		if err != nil {
			return pages, fmt.Errorf("sim scan page %d: %w", i+1, err)
		}
		pages = append(pages, p)
	}
	return pages, nil
}

// State is a convenience for the dock: the summarised state now.
func (s *Sim) State() kiosk.DeviceState { return scanner.Summarise(s.Raw()).State }
