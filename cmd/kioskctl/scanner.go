package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/bianmin/kiosk/devices/scanner"
	"github.com/bianmin/kiosk/devices/scanner/escl"
	"github.com/bianmin/kiosk/devices/scanner/escl/esclsim"
	"github.com/bianmin/kiosk/devices/scanner/imaging"
	"github.com/bianmin/kiosk/devices/scanner/mdns"
	"github.com/bianmin/kiosk/devices/scanner/sane"
	scansim "github.com/bianmin/kiosk/devices/scanner/sim"
	"github.com/bianmin/kiosk/devices/scanner/v4l2"
)

// Exit statuses of the scanner commands (1 is any other failure, 2 bad
// usage).
const (
	exitScanFeederEmpty = 3 // the feeder has no paper
	exitScanJam         = 4 // paper jam
	exitScanGone        = 5 // scanner not reachable
	exitScanBusy        = 6 // busy or cover open: try again
)

func init() {
	register("scanner", "list", "list eSCL (found by mDNS, or --escl URL), SANE and V4L2 scanners", scannerList)
	register("scanner", "status", "print a scanner's state", scannerStatus)
	register("scanner", "scan", "scan pages, crop/deskew/compress them, write one PDF", scannerScan)
	register("scanner", "escl-sim", "run the eSCL scanner emulator until interrupted", scannerESCLSim)
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

type scannerFlags struct {
	backend  string
	device   string
	saneArgs multiFlag
	simPages int
}

func (f *scannerFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&f.backend, "backend", "sim", "escl, sane, v4l2 or sim")
	fs.StringVar(&f.device, "device", "", "escl: base URL (http://127.0.0.1:60000/eSCL); sane: device name (test); v4l2: /dev/videoN")
	fs.Var(&f.saneArgs, "sane-arg", "extra scanimage argument, repeatable (e.g. --sane-arg=--test-picture --sane-arg=Grid)")
}

func (f *scannerFlags) open() (scanner.Scanner, error) {
	switch f.backend {
	case "sim":
		return scansim.New(scansim.Knobs{Pages: f.simPages}), nil
	case "escl":
		if f.device == "" {
			return nil, &exitError{2, errors.New("--device URL is required for escl")}
		}
		c, err := escl.New(f.device)
		if err != nil {
			return nil, &exitError{2, err}
		}
		return c, nil
	case "sane":
		if f.device == "" {
			return nil, &exitError{2, errors.New("--device is required for sane (see kioskctl scanner list)")}
		}
		return sane.New(sane.Config{Device: f.device, ExtraArgs: f.saneArgs}), nil
	case "v4l2":
		if f.device == "" {
			f.device = "/dev/video0"
		}
		return v4l2.New(v4l2.Config{Device: f.device}), nil
	}
	return nil, &exitError{2, fmt.Errorf("--backend %q: want escl, sane, v4l2 or sim", f.backend)}
}

// scanExit gives a scanner error its exit status and the resident-facing
// message.
func scanExit(err error) error {
	st := scanner.StateOf(err)
	code := 1
	switch {
	case errors.Is(err, scanner.ErrFeederEmpty):
		code = exitScanFeederEmpty
	case errors.Is(err, scanner.ErrJam):
		code = exitScanJam
	case errors.Is(err, scanner.ErrDisconnected):
		code = exitScanGone
	case errors.Is(err, scanner.ErrBusy), errors.Is(err, scanner.ErrCoverOpen):
		code = exitScanBusy
	}
	return &exitError{code, fmt.Errorf("%w (state %s)", err, st)}
}

type listedScanner struct {
	Backend string        `json:"backend"`
	Device  string        `json:"device"`
	Name    string        `json:"name,omitempty"` // the mDNS instance name of an eSCL scanner found on the network
	Model   string        `json:"model,omitempty"`
	Caps    *scanner.Caps `json:"caps,omitempty"`
	Error   string        `json:"error,omitempty"`
	AlsoAs  []string      `json:"also_as,omitempty"` // the same scanner's SANE device names (sane-airscan, escl)

	saneType string // scanimage's type field (sane-airscan: "ip=ADDR")
}

func scannerList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scanner list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var urls multiFlag
	fs.Var(&urls, "escl", "eSCL base URL to query, repeatable")
	noSANE := fs.Bool("no-sane", false, "skip scanimage -L (it probes every backend and can take seconds)")
	browse := fs.Duration("mdns", 3*time.Second, "browse the network (mDNS: _uscan._tcp, _uscans._tcp) this long for eSCL scanners; 0: do not")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	var out []listedScanner
	for _, u := range urls {
		out = append(out, esclListed(ctx, u))
	}
	if *browse > 0 {
		bctx, cancel := context.WithTimeout(ctx, *browse)
		found, err := (&mdns.Browser{}).Browse(bctx, nil)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "mdns: %v\n", err)
		}
		for _, f := range found {
			if slices.Contains(urls, f.URL) {
				continue
			}
			l := esclListed(ctx, f.URL)
			l.Name = f.Instance
			if l.Model == "" {
				l.Model = f.Model
			}
			out = append(out, l)
		}
	}
	if !*noSANE {
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		devs, err := sane.List(sctx, "")
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "sane: %v\n", err)
		}
		for _, d := range devs {
			out = append(out, listedScanner{Backend: "sane", Device: d.Name, Model: strings.TrimSpace(d.Vendor + " " + d.Model), saneType: d.Type})
		}
		out = dedupSANE(ctx, out)
	}
	for _, v := range v4l2.List() {
		out = append(out, listedScanner{Backend: "v4l2", Device: v})
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintln(stdout, "no scanners found (give eSCL scanners mDNS does not find with --escl URL; SANE's test backend is always there as --backend sane --device test)")
	}
	for _, l := range out {
		fmt.Fprintf(stdout, "%-6s %-40s %s", l.Backend, l.Device, l.Model)
		if l.Caps != nil {
			fmt.Fprintf(stdout, " sources=%v dpi=%v", l.Caps.Sources, l.Caps.Resolutions)
		}
		if l.Error != "" {
			fmt.Fprintf(stdout, " error: %s", l.Error)
		}
		if l.Name != "" {
			fmt.Fprintf(stdout, " (mDNS %q)", l.Name)
		}
		if len(l.AlsoAs) > 0 {
			fmt.Fprintf(stdout, " (also SANE %s)", strings.Join(l.AlsoAs, ", "))
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

// esclListed asks an eSCL scanner for its capabilities.
func esclListed(ctx context.Context, u string) listedScanner {
	l := listedScanner{Backend: "escl", Device: u}
	c, err := escl.New(u)
	if err == nil {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		var caps scanner.Caps
		caps, err = c.Capabilities(cctx)
		cancel()
		if err == nil {
			l.Model, l.Caps = caps.MakeAndModel, &caps
		}
	}
	if err != nil {
		l.Error = err.Error()
	}
	return l
}

func scannerStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scanner status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf scannerFlags
	sf.add(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	s, err := sf.open()
	if err != nil {
		return err
	}
	st, err := s.Status(ctx)
	if err != nil && st.State == "" {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{"state": string(st.State), "detail": st.Detail})
	}
	fmt.Fprintf(stdout, "%s\t%s\n", st.State, st.Detail)
	return nil
}

type scannedPage struct {
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	Bytes   int     `json:"bytes"`
	Quality int     `json:"quality"`
	Skew    float64 `json:"skew_deg"`
}

type scanReport struct {
	Out   string        `json:"out"`
	Bytes int64         `json:"bytes"`
	Pages []scannedPage `json:"pages"`
	State string        `json:"state"`
	Error string        `json:"error,omitempty"`
}

func scannerScan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scanner scan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sf scannerFlags
	sf.add(fs)
	out := fs.String("out", "", "PDF file to write (required)")
	source := fs.String("source", "platen", "platen or feeder")
	color := fs.Bool("color", false, "scan in colour (default grey, for text documents)")
	dpi := fs.Int("dpi", 200, "resolution")
	pages := fs.Int("pages", 0, "feeder: stop after N pages (sim: also the sheets in its feeder)")
	duplex := fs.Bool("duplex", false, "both sides (feeder)")
	maxKB := fs.Int("max-kb", imaging.DefaultMaxBytes>>10, "compressed size target per page in KB")
	noCrop := fs.Bool("no-crop", false, "keep the whole scan area")
	noDeskew := fs.Bool("no-deskew", false, "keep the skew")
	asJSON := fs.Bool("json", false, "print a JSON report")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	if *out == "" {
		return &exitError{2, errors.New("--out FILE.pdf is required")}
	}
	var src scanner.Source
	switch *source {
	case "platen", "flatbed":
		src = scanner.Platen
	case "feeder", "adf":
		src = scanner.Feeder
	default:
		return &exitError{2, fmt.Errorf("--source %q: want platen or feeder", *source)}
	}
	sf.simPages = *pages
	s, err := sf.open()
	if err != nil {
		return err
	}
	settings := scanner.Settings{Source: src, Color: scanner.Gray, DPI: *dpi, Duplex: *duplex, MaxPages: *pages}
	if *color {
		settings.Color = scanner.Color
	}
	scanned, scanErr := s.Scan(ctx, settings)
	rep := scanReport{Out: *out, State: string(scanner.StateOf(scanErr))}
	if scanErr != nil {
		rep.Error = scanErr.Error()
	}
	var m imaging.Material
	for i, p := range scanned {
		res, err := imaging.Process(p.Image, imaging.Options{
			Gray: !*color, NoCrop: *noCrop, NoDeskew: *noDeskew, MaxBytes: *maxKB << 10,
		})
		if err != nil {
			return fmt.Errorf("page %d: %w", i+1, err)
		}
		m.Add(imaging.PageFromResult(res, p.DPI))
		rep.Pages = append(rep.Pages, scannedPage{Width: res.Width, Height: res.Height, Bytes: len(res.JPEG), Quality: res.Quality, Skew: res.Skew})
	}
	if m.Len() > 0 {
		// Pages already scanned are kept even when the job failed later
		// (a jam after two sheets): the PDF holds what came out.
		n, err := writeFileAtomic(*out, m.WritePDF)
		if err != nil {
			return err
		}
		rep.Bytes = n
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for i, p := range rep.Pages {
			fmt.Fprintf(stdout, "page %d: %dx%d, %d KB (quality %d), skew %.2f°\n", i+1, p.Width, p.Height, p.Bytes>>10, p.Quality, p.Skew)
		}
		if m.Len() > 0 {
			fmt.Fprintf(stdout, "wrote %s: %d pages, %d KB\n", *out, m.Len(), rep.Bytes>>10)
		}
	}
	if scanErr != nil {
		return scanExit(scanErr)
	}
	return nil
}

// writeFileAtomic writes through a temporary file in the same directory and
// renames it into place, so a cancelled scan never leaves half a PDF.
func writeFileAtomic(path string, write func(io.Writer) (int64, error)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".scan-*.pdf")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return n, nil
}

func scannerESCLSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("scanner escl-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	var k scansim.Knobs
	var f esclsim.Faults
	fs.IntVar(&k.Pages, "pages", 3, "sheets in the feeder per job")
	fs.BoolVar(&k.FeederEmpty, "feeder-empty", false, "the feeder is empty")
	fs.IntVar(&k.JamAfter, "jam-after", 0, "jam after N feeder pages")
	fs.IntVar(&f.Busy503, "busy-503", 0, "answer 503 N times before each page")
	fs.DurationVar(&f.Slow, "slow", 0, "delay every answer")
	fs.BoolVar(&f.GarbageXML, "garbage-xml", false, "answer capabilities and status with garbage")
	advertise := fs.String("mdns", "", "advertise the emulator by mDNS (_uscan._tcp) under this instance name; on loopback only when --addr is a loopback address")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	srv := esclsim.New(scansim.New(k), nil)
	srv.SetFaults(f)
	base, err := srv.Start(ctx, *addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "eSCL emulator at %s (kioskctl scanner scan --backend escl --device %s --out x.pdf)\n", base, base)
	if *advertise != "" {
		r, err := srv.Advertise(ctx, esclsim.Advert{Instance: *advertise})
		if err != nil {
			return err
		}
		defer r.Close()
		fmt.Fprintf(stdout, "advertised by mDNS as %q (_uscan._tcp)\n", *advertise)
	}
	<-ctx.Done()
	return nil
}
