// Package esclsim is an eSCL scanner emulator over HTTP, backed by the
// scanner simulator (devices/scanner/sim) for its pages and paper state, with
// fault knobs for the protocol: 503 a number of times before each page,
// garbage XML, slow answers, refusing jobs. Tests drive the escl client
// through it; kioskctl and the dock can run it on 127.0.0.1. Only tests,
// cmd/ and the dock should import it.
package esclsim

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/scanner/escl"
	"github.com/bianmin/kiosk/devices/scanner/sim"
)

// Faults are the protocol-level knobs. Paper conditions (feeder empty, jam
// after N pages, cover open, busy, disconnected) are the simulator's knobs.
type Faults struct {
	Busy503     int           `json:"busy_503"`     // answer 503 this many times before each page
	Slow        time.Duration `json:"slow"`         // delay before every answer
	GarbageXML  bool          `json:"garbage_xml"`  // capabilities and status are not XML
	RefuseJobs  bool          `json:"refuse_jobs"`  // POST ScanJobs answers 503
	EndEarly    int           `json:"end_early"`    // 404 after this many pages (0: the simulator's count)
	ServerError bool          `json:"server_error"` // NextDocument answers 500 (status stays Idle)
}

// Server is the emulator. Create it with New and serve it with Start or as
// an http.Handler.
type Server struct {
	sim *sim.Sim
	log *slog.Logger

	mu      sync.Mutex
	faults  Faults
	jobs    map[string]*job
	seq     int
	deleted int
	busy    int // page requests answered 503
	posted  []scanner.Settings
	srv     *http.Server
	addr    string
}

type job struct {
	settings scanner.Settings
	next     int // next page index
	total    int
	tries    int // 503s given for the next page
	state    string
	reason   string
}

// New returns an emulator for the simulated scanner s.
func New(s *sim.Sim, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Server{sim: s, log: log, jobs: map[string]*job{}}
}

// SetFaults replaces the fault knobs.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// Faults returns the fault knobs.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// Deleted is how many jobs clients have deleted.
func (s *Server) Deleted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted
}

// Busy is how many page requests were answered 503 (the Busy503 fault):
// a client that asked for a page knows its job.
func (s *Server) Busy() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy
}

// Posted returns the settings of every job posted so far.
func (s *Server) Posted() []scanner.Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]scanner.Settings(nil), s.posted...)
}

// Start listens on addr ("127.0.0.1:0" for any port) and serves until ctx is
// done. It returns the base URL, e.g. "http://127.0.0.1:41234/eSCL".
func (s *Server) Start(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("esclsim: %w", err)
	}
	srv := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	s.mu.Lock()
	s.srv = srv
	s.addr = ln.Addr().String()
	s.mu.Unlock()
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		sctx, stop := context.WithTimeout(context.Background(), 2*time.Second)
		defer stop()
		srv.Shutdown(sctx)
	}()
	return "http://" + ln.Addr().String() + "/eSCL", nil
}

// ServeHTTP implements the eSCL endpoints under /eSCL.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f := s.Faults()
	if f.Slow > 0 {
		select {
		case <-time.After(f.Slow):
		case <-r.Context().Done():
			return
		}
	}
	if s.sim.Knobs().Disconnected {
		// A device that went away: drop the connection without an answer.
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		http.Error(w, "gone", http.StatusBadGateway)
		return
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case p == "/eSCL/ScannerCapabilities" && r.Method == http.MethodGet:
		s.capabilities(w, f)
	case p == "/eSCL/ScannerStatus" && r.Method == http.MethodGet:
		s.status(w, f)
	case p == "/eSCL/ScanJobs" && r.Method == http.MethodPost:
		s.post(w, r, f)
	case strings.HasPrefix(p, "/eSCL/ScanJobs/") && strings.HasSuffix(p, "/NextDocument") && r.Method == http.MethodGet:
		s.next(w, r, strings.TrimSuffix(strings.TrimPrefix(p, "/eSCL/ScanJobs/"), "/NextDocument"), f)
	case strings.HasPrefix(p, "/eSCL/ScanJobs/") && r.Method == http.MethodDelete:
		s.delete(w, strings.TrimPrefix(p, "/eSCL/ScanJobs/"))
	default:
		http.NotFound(w, r)
	}
}

const garbage = "<scan:ScannerStatus><pwg:State>Idle</scan:Scann\x00erStatus>\xff\xfe garbage"

func writeXML(w http.ResponseWriter, b []byte) {
	w.Header().Set("Content-Type", "text/xml")
	w.Write(b)
}

func (s *Server) capabilities(w http.ResponseWriter, f Faults) {
	if f.GarbageXML {
		writeXML(w, []byte(garbage))
		return
	}
	writeXML(w, CapabilitiesXML)
}

// CapabilitiesXML is the emulator's ScannerCapabilities document: an A4
// duplex scanner with platen and feeder, colour and grey, 75–600 dpi. Every
// input source carries its own SettingProfiles with DocumentFormats and
// DiscreteResolutions, as real scanners send them (sane-airscan drops a
// source without DocumentFormats and aborts a duplex scan without a profile).
var CapabilitiesXML = []byte(`<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerCapabilities xmlns:scan="` + escl.NSScan + `" xmlns:pwg="` + escl.NSPWG + `">
  <pwg:Version>2.63</pwg:Version>
  <pwg:MakeAndModel>Bianmin eSCL Emulator</pwg:MakeAndModel>
  <pwg:SerialNumber>BMK-ESCL-0001</pwg:SerialNumber>
  <scan:UUID>4509a320-00a0-008f-00b6-002507510eca</scan:UUID>
  <scan:Platen>
    <scan:PlatenInputCaps>` + inputCaps(3508) + `
    </scan:PlatenInputCaps>
  </scan:Platen>
  <scan:Adf>
    <scan:AdfSimplexInputCaps>` + inputCaps(4200) + `
    </scan:AdfSimplexInputCaps>
    <scan:AdfDuplexInputCaps>` + inputCaps(4200) + `
    </scan:AdfDuplexInputCaps>
    <scan:FeederCapacity>50</scan:FeederCapacity>
    <scan:AdfOptions><scan:AdfOption>DetectPaperLoaded</scan:AdfOption><scan:AdfOption>Duplex</scan:AdfOption></scan:AdfOptions>
  </scan:Adf>
</scan:ScannerCapabilities>
`)

// inputCaps is one input source's capabilities, maxHeight in 1/300 inch.
func inputCaps(maxHeight int) string {
	var res strings.Builder
	for _, r := range []int{75, 150, 200, 300, 600} {
		fmt.Fprintf(&res, "\n            <scan:DiscreteResolution><scan:XResolution>%d</scan:XResolution><scan:YResolution>%d</scan:YResolution></scan:DiscreteResolution>", r, r)
	}
	return fmt.Sprintf(`
      <scan:MinWidth>16</scan:MinWidth><scan:MaxWidth>2550</scan:MaxWidth>
      <scan:MinHeight>16</scan:MinHeight><scan:MaxHeight>%d</scan:MaxHeight>
      <scan:MaxScanRegions>1</scan:MaxScanRegions>
      <scan:SettingProfiles><scan:SettingProfile>
        <scan:ColorModes><scan:ColorMode>RGB24</scan:ColorMode><scan:ColorMode>Grayscale8</scan:ColorMode></scan:ColorModes>
        <scan:DocumentFormats><pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat><scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt></scan:DocumentFormats>
        <scan:SupportedResolutions><scan:DiscreteResolutions>%s
        </scan:DiscreteResolutions></scan:SupportedResolutions>
      </scan:SettingProfile></scan:SettingProfiles>
      <scan:SupportedIntents><scan:Intent>Document</scan:Intent><scan:Intent>Photo</scan:Intent></scan:SupportedIntents>`, maxHeight, res.String())
}

func (s *Server) status(w http.ResponseWriter, f Faults) {
	if f.GarbageXML {
		writeXML(w, []byte(garbage))
		return
	}
	raw := s.sim.Raw()
	state := "Idle"
	switch {
	case raw.Busy:
		state = "Processing"
	case raw.Jam || raw.CoverOpen:
		state = "Stopped"
	}
	s.mu.Lock()
	for _, j := range s.jobs {
		if j.state == "Processing" {
			state = "Processing"
		}
	}
	adf := "ScannerAdfLoaded"
	switch {
	case raw.Jam:
		adf = "ScannerAdfJam"
	case raw.CoverOpen:
		adf = "ScannerAdfHatchOpen"
	case raw.FeederEmpty:
		adf = "ScannerAdfEmpty"
	}
	var jobs bytes.Buffer
	for id, j := range s.jobs {
		fmt.Fprintf(&jobs, "<scan:JobInfo><pwg:JobUri>/eSCL/ScanJobs/%s</pwg:JobUri><pwg:JobUuid>%s</pwg:JobUuid><pwg:JobState>%s</pwg:JobState><pwg:JobStateReasons><pwg:JobStateReason>%s</pwg:JobStateReason></pwg:JobStateReasons></scan:JobInfo>",
			id, id, j.state, j.reason)
	}
	s.mu.Unlock()
	writeXML(w, fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<scan:ScannerStatus xmlns:scan="%s" xmlns:pwg="%s">
  <pwg:Version>2.63</pwg:Version>
  <pwg:State>%s</pwg:State>
  <scan:AdfState>%s</scan:AdfState>
  <scan:Jobs>%s</scan:Jobs>
</scan:ScannerStatus>
`, escl.NSScan, escl.NSPWG, state, adf, jobs.String()))
}

func (s *Server) post(w http.ResponseWriter, r *http.Request, f Faults) {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	st, err := escl.ParseScanSettings(b)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.posted = append(s.posted, st)
	s.mu.Unlock()
	if f.RefuseJobs {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	if err := s.sim.Check(st); err != nil {
		code := http.StatusConflict
		if errors.Is(err, scanner.ErrBusy) {
			code = http.StatusServiceUnavailable
		}
		http.Error(w, err.Error(), code)
		return
	}
	total := s.sim.PageCount(st)
	if f.EndEarly > 0 && f.EndEarly < total {
		total = f.EndEarly
	}
	s.mu.Lock()
	if len(s.jobs) > 32 {
		for k, old := range s.jobs {
			if old.state != "Processing" {
				delete(s.jobs, k)
			}
		}
	}
	s.seq++
	id := fmt.Sprintf("00000000-0000-4000-8000-%012d", s.seq)
	s.jobs[id] = &job{settings: st, total: total, state: "Processing", reason: "JobScanning"}
	s.mu.Unlock()
	s.log.Info("esclsim job", "job", id, "source", string(st.Source), "pages", total)
	// An absolute URL, as real scanners send it (RFC 9110 allows both).
	w.Header().Set("Location", "http://"+r.Host+"/eSCL/ScanJobs/"+id)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) next(w http.ResponseWriter, r *http.Request, id string, f Faults) {
	s.mu.Lock()
	j := s.jobs[id]
	if j == nil || j.state != "Processing" {
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	if j.next >= j.total {
		j.state, j.reason = "Completed", "JobCompletedSuccessfully"
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	if f.ServerError {
		s.mu.Unlock()
		http.Error(w, "internal", http.StatusInternalServerError)
		return
	}
	if j.tries < f.Busy503 {
		j.tries++
		s.busy++
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		http.Error(w, "not ready", http.StatusServiceUnavailable)
		return
	}
	j.tries = 0
	i := j.next
	st := j.settings
	s.mu.Unlock()

	page, err := s.sim.Page(r.Context(), st, i)
	if err != nil {
		s.mu.Lock()
		j.state, j.reason = "Aborted", "JobCanceledBySystem"
		s.mu.Unlock()
		// A jam shows in ScannerStatus; the page request fails.
		http.Error(w, err.Error(), http.StatusConflict)
		return
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, page.Image, &jpeg.Options{Quality: 85}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.mu.Lock()
	j.next++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "image/jpeg")
	w.Write(buf.Bytes())
}

func (s *Server) delete(w http.ResponseWriter, id string) {
	s.mu.Lock()
	j := s.jobs[id]
	if j != nil {
		s.deleted++
		delete(s.jobs, id)
	}
	s.mu.Unlock()
	if j == nil {
		http.Error(w, "no such job", http.StatusNotFound)
		return
	}
	w.WriteHeader(http.StatusOK)
}
