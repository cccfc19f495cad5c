// Package sane scans through SANE's `scanimage` command (Debian sane-utils),
// which covers the USB and network scanners that have a SANE backend. Each
// call runs scanimage with a context, so cancelling kills it. It implements
// scanner.Scanner. Only cmd/ and tests should import it.
//
// Going through the command rather than libsane with cgo keeps a crashing
// backend out of the kiosk process and needs no C toolchain; the cost is a
// process start per call, which is nothing next to a scan.
package sane

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png" // scanimage --format=png
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/bianmin/kiosk/devices/scanner"
)

// Device is one entry of `scanimage -L`.
type Device struct {
	Name   string `json:"name"` // what -d takes, e.g. "genesys:libusb:001:004"
	Vendor string `json:"vendor"`
	Model  string `json:"model"`
	Type   string `json:"type"`
}

// listFormat makes scanimage -L print one tab-separated line per device.
const listFormat = "%d\t%v\t%m\t%t%n"

// List runs `scanimage -L`. No devices is not an error.
func List(ctx context.Context, command string) ([]Device, error) {
	if command == "" {
		command = "scanimage"
	}
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, command, "-f", listFormat)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("sane list: %w: %s", err, strings.TrimSpace(errb.String()))
	}
	return ParseList(out.String()), nil
}

// ParseList parses the output of `scanimage -f "%d\t%v\t%m\t%t%n"`.
func ParseList(out string) []Device {
	var ds []Device
	for _, line := range strings.Split(out, "\n") {
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) != 4 || f[0] == "" {
			continue
		}
		ds = append(ds, Device{Name: f[0], Vendor: f[1], Model: f[2], Type: f[3]})
	}
	return ds
}

// Option is one backend option as printed by `scanimage -d DEV --help`.
type Option struct {
	Name    string   // "--mode", "-x"
	Values  []string // for a list: "Gray", "Color"
	Min     float64  // for a range: 1..1200
	Max     float64
	Unit    string // "dpi", "mm"
	Default string
}

var optLine = regexp.MustCompile(`^\s+(--?[A-Za-z][A-Za-z0-9-]*)(?:\[=\(([^)]*)\)\])?\s+(.+?)(?:\s+\[([^\]]*)\])?\s*$`)
var rangeRe = regexp.MustCompile(`^(-?[0-9.]+)\.\.(-?[0-9.]+)([a-z%]*)`)

// ParseHelp reads the device-specific options printed by `scanimage -d DEV
// --all-options` (or --help, which is slow: it also probes every backend).
func ParseHelp(out string) map[string]Option {
	opts := map[string]Option{}
	in := false
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "ptions specific to device") {
			in = true
			continue
		}
		if !in {
			continue
		}
		m := optLine.FindStringSubmatch(line)
		if m == nil || m[2] != "" {
			continue
		}
		o := Option{Name: m[1], Default: m[4]}
		spec := m[3]
		if r := rangeRe.FindStringSubmatch(spec); r != nil {
			o.Min, _ = strconv.ParseFloat(r[1], 64)
			o.Max, _ = strconv.ParseFloat(r[2], 64)
			o.Unit = r[3]
		} else {
			for _, u := range []string{"dpi", "mm"} {
				if strings.HasSuffix(spec, u) && strings.Contains(spec, "|") {
					o.Unit = u
					spec = strings.TrimSuffix(spec, u)
				}
			}
			o.Values = strings.Split(spec, "|")
		}
		if _, dup := opts[o.Name]; !dup {
			opts[o.Name] = o
		}
	}
	return opts
}

// Scanner is one SANE device.
type Scanner struct {
	device  string
	command string
	extra   []string
	log     *slog.Logger

	jobTimeout time.Duration
	scanDir    string // private parent of the per-scan directories

	mu   sync.Mutex
	opts map[string]Option
}

var _ scanner.Scanner = (*Scanner)(nil)

// Config configures a Scanner.
type Config struct {
	Device  string // as listed by scanimage -L, e.g. "test"
	Command string // "scanimage" when empty
	// ExtraArgs are passed to every scan (e.g. "--test-picture", "Grid").
	ExtraArgs []string
	// JobTimeout bounds one scanimage run: a driver that stops answering
	// must not hang the kiosk. Three minutes when zero.
	JobTimeout time.Duration
	// ScanDir is the private directory (created 0700) under which each scan
	// writes its pages: the terminal puts it under the store's directory.
	// Pages are a resident's documents: they never go to /tmp, and what a
	// crash left is removed when New runs. Empty: $XDG_RUNTIME_DIR/bianmin-
	// kiosk-scans, else the user's cache directory.
	ScanDir string
	Log     *slog.Logger
}

// ErrHung is returned when scanimage did not finish within JobTimeout and
// was killed.
var ErrHung = errors.New("scanimage stopped answering")

// New returns a scanner for one device. Nothing is run until it is used.
func New(c Config) *Scanner {
	if c.Command == "" {
		c.Command = "scanimage"
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.JobTimeout <= 0 {
		c.JobTimeout = 3 * time.Minute
	}
	if c.ScanDir == "" {
		c.ScanDir = defaultScanDir()
	}
	cleanScanDir(c.ScanDir, c.Log)
	return &Scanner{device: c.Device, command: c.Command, extra: c.ExtraArgs, log: c.Log, jobTimeout: c.JobTimeout, scanDir: c.ScanDir}
}

func defaultScanDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "bianmin-kiosk-scans")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "bianmin-kiosk", "scans")
	}
	return filepath.Join(".", "scans")
}

// cleanScanDir makes dir private (0700) and removes what earlier scans left
// in it (a crash between writing and reading the pages).
func cleanScanDir(dir string, log *slog.Logger) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		log.Warn("sane: scan directory", "err", err)
		return
	}
	os.Chmod(dir, 0o700)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	removed := 0
	for _, e := range ents {
		if os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
			removed++
		}
	}
	if removed > 0 {
		log.Info("sane: removed pages left by an interrupted scan", "entries", removed)
	}
}

// run runs scanimage with args; a failure is mapped through MapError.
func (s *Scanner) run(ctx context.Context, dir string, args ...string) (string, error) {
	var out, errb bytes.Buffer
	jobCtx, cancel := context.WithTimeout(ctx, s.jobTimeout)
	defer cancel()
	cmd := exec.CommandContext(jobCtx, s.command, args...)
	cmd.WaitDelay = 2 * time.Second // a killed job's children may hold the pipes
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if jobCtx.Err() != nil {
		return "", fmt.Errorf("after %s: %w", s.jobTimeout, ErrHung)
	}
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("%s not installed (apt-get install sane-utils): %w", s.command, err)
		}
		return out.String(), MapError(errb.String(), err)
	}
	return out.String(), nil
}

func (s *Scanner) options(ctx context.Context) (map[string]Option, error) {
	s.mu.Lock()
	o := s.opts
	s.mu.Unlock()
	if o != nil {
		return o, nil
	}
	out, err := s.run(ctx, "", "-d", s.device, "--all-options")
	if err != nil {
		return nil, fmt.Errorf("sane options: %w", err)
	}
	o = ParseHelp(out)
	s.mu.Lock()
	s.opts = o
	s.mu.Unlock()
	return o, nil
}

// MapError turns scanimage's message into a sentinel error where there is
// one. The messages are SANE's sane_strstatus texts.
func MapError(stderr string, err error) error {
	msg := strings.TrimSpace(stderr)
	low := strings.ToLower(msg)
	var sentinel error
	switch {
	case strings.Contains(low, "out of documents"), strings.Contains(low, "no documents"):
		sentinel = scanner.ErrFeederEmpty
	case strings.Contains(low, "jammed"):
		sentinel = scanner.ErrJam
	case strings.Contains(low, "cover is open"):
		sentinel = scanner.ErrCoverOpen
	case strings.Contains(low, "device busy"):
		sentinel = scanner.ErrBusy
	case strings.Contains(low, "open of device") && strings.Contains(low, "failed"),
		strings.Contains(low, "no such device"):
		sentinel = scanner.ErrDisconnected
	}
	line := lastLine(msg)
	if sentinel != nil {
		return fmt.Errorf("scanimage: %s: %w", line, sentinel)
	}
	if line == "" {
		return fmt.Errorf("scanimage: %w", err)
	}
	return fmt.Errorf("scanimage: %s: %w", line, err)
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "scanimage:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "scanimage:"))
		}
	}
	if len(lines) > 0 {
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return ""
}

// Capabilities reads the device's options.
func (s *Scanner) Capabilities(ctx context.Context) (scanner.Caps, error) {
	o, err := s.options(ctx)
	if err != nil {
		return scanner.Caps{}, err
	}
	c := scanner.Caps{MakeAndModel: s.device, Sources: []scanner.Source{scanner.Platen}}
	if src, ok := o["--source"]; ok {
		c.Sources = nil
		if pick(src.Values, platenNames) != "" {
			c.Sources = append(c.Sources, scanner.Platen)
		}
		if pick(src.Values, feederNames) != "" {
			c.Sources = append(c.Sources, scanner.Feeder)
		}
		c.Duplex = pick(src.Values, duplexNames) != ""
		if len(c.Sources) == 0 {
			c.Sources = []scanner.Source{scanner.Platen}
		}
	}
	if m, ok := o["--mode"]; ok {
		if pick(m.Values, colorNames) != "" {
			c.ColorModes = append(c.ColorModes, scanner.Color)
		}
		if pick(m.Values, grayNames) != "" {
			c.ColorModes = append(c.ColorModes, scanner.Gray)
		}
	}
	if r, ok := o["--resolution"]; ok {
		if len(r.Values) > 0 {
			for _, v := range r.Values {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
					c.Resolutions = append(c.Resolutions, n)
				}
			}
		} else {
			for _, stop := range []int{75, 100, 150, 200, 300, 400, 600, 1200} {
				if float64(stop) >= r.Min && float64(stop) <= r.Max {
					c.Resolutions = append(c.Resolutions, stop)
				}
			}
		}
		sort.Ints(c.Resolutions)
	}
	if x, ok := o["-x"]; ok && x.Unit == "mm" {
		c.MaxWidthMM = x.Max
	}
	if y, ok := o["-y"]; ok && y.Unit == "mm" {
		c.MaxHeightMM = y.Max
	}
	return c, nil
}

var (
	platenNames = []string{"Flatbed", "Platen", "Normal"}
	feederNames = []string{"Automatic Document Feeder", "ADF Front", "ADF", "Feeder", "Automatic Document Feeder(left aligned)"}
	duplexNames = []string{"ADF Duplex", "Duplex"}
	colorNames  = []string{"Color", "Colour", "RGB", "24bit Color"}
	grayNames   = []string{"Gray", "Grey", "Grayscale", "8bit Gray"}
)

// pick returns the first value that equals, or failing that contains, one
// of the names (case-insensitively).
func pick(values, names []string) string {
	for _, n := range names {
		for _, v := range values {
			if strings.EqualFold(strings.TrimSpace(v), n) {
				return strings.TrimSpace(v)
			}
		}
	}
	for _, n := range names {
		for _, v := range values {
			if strings.Contains(strings.ToLower(v), strings.ToLower(n)) {
				return strings.TrimSpace(v)
			}
		}
	}
	return ""
}

// Status opens the device without scanning (scanimage -n).
func (s *Scanner) Status(ctx context.Context) (scanner.Status, error) {
	_, err := s.run(ctx, "", "-d", s.device, "-n")
	if err != nil && ctx.Err() != nil {
		return scanner.Status{}, err
	}
	r := scanner.RawFromError(err)
	return scanner.Summarise(r), nil
}

// Args builds the scanimage arguments for a scan into dir.
func (s *Scanner) Args(o map[string]Option, st scanner.Settings, dir string) ([]string, error) {
	st = st.WithDefaults()
	args := []string{"-d", s.device, "--format=png"}
	if m, ok := o["--mode"]; ok {
		names := grayNames
		if st.Color == scanner.Color {
			names = colorNames
		}
		v := pick(m.Values, names)
		if v == "" {
			return nil, fmt.Errorf("mode %s: %w", st.Color, scanner.ErrUnsupported)
		}
		args = append(args, "--mode", v)
	}
	if r, ok := o["--resolution"]; ok {
		dpi := st.DPI
		if len(r.Values) > 0 {
			var c scanner.Caps
			for _, v := range r.Values {
				if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
					c.Resolutions = append(c.Resolutions, n)
				}
			}
			dpi = c.NearestDPI(dpi)
		} else if r.Max > 0 {
			dpi = int(min(max(float64(dpi), r.Min), r.Max))
		}
		args = append(args, "--resolution", strconv.Itoa(dpi))
	}
	feeder := st.Source == scanner.Feeder
	if src, ok := o["--source"]; ok {
		names := platenNames
		if feeder {
			names = feederNames
			if st.Duplex {
				names = duplexNames
			}
		}
		v := pick(src.Values, names)
		if v == "" {
			return nil, fmt.Errorf("source %s: %w", st.Source, scanner.ErrUnsupported)
		}
		args = append(args, "--source", v)
	} else if feeder {
		return nil, fmt.Errorf("source feeder: %w", scanner.ErrUnsupported)
	}
	// Scan an A4 area, or the whole bed when it is smaller.
	if x, ok := o["-x"]; ok && x.Unit == "mm" && x.Max > 0 {
		args = append(args, "-l", "0", "-x", strconv.Itoa(int(min(x.Max, 210))))
	}
	if y, ok := o["-y"]; ok && y.Unit == "mm" && y.Max > 0 {
		args = append(args, "-t", "0", "-y", strconv.Itoa(int(min(y.Max, 297))))
	}
	args = append(args, s.extra...)
	if feeder {
		args = append(args, "--batch="+filepath.Join(dir, "page-%04d.png"))
		if st.MaxPages > 0 {
			args = append(args, "--batch-count="+strconv.Itoa(st.MaxPages))
		}
	} else {
		args = append(args, "-o", filepath.Join(dir, "page-0001.png"))
	}
	return args, nil
}

// Scan runs scanimage into a fresh directory under ScanDir (removed when it
// returns) and decodes the pages.
func (s *Scanner) Scan(ctx context.Context, st scanner.Settings) ([]scanner.Page, error) {
	st = st.WithDefaults()
	o, err := s.options(ctx)
	if err != nil {
		return nil, fmt.Errorf("sane scan: %w", err)
	}
	if err := os.MkdirAll(s.scanDir, 0o700); err != nil {
		return nil, fmt.Errorf("sane scan: %w", err)
	}
	dir, err := os.MkdirTemp(s.scanDir, "job-")
	if err != nil {
		return nil, fmt.Errorf("sane scan: %w", err)
	}
	defer os.RemoveAll(dir)
	args, err := s.Args(o, st, dir)
	if err != nil {
		return nil, fmt.Errorf("sane scan: %w", err)
	}
	s.log.Info("sane scan", "device", s.device, "source", string(st.Source), "dpi", st.DPI)
	_, runErr := s.run(ctx, dir, args...)
	pages, err := readPages(dir, st.DPI)
	if err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil {
		return pages, fmt.Errorf("sane scan: %w", runErr)
	}
	if len(pages) == 0 {
		if st.Source == scanner.Feeder {
			return nil, fmt.Errorf("sane scan: no pages: %w", scanner.ErrFeederEmpty)
		}
		return nil, errors.New("sane scan: no page")
	}
	if st.Source != scanner.Feeder && len(pages) > 1 {
		pages = pages[:1]
	}
	return pages, nil
}

// readPages decodes the complete page files in dir in name order.
func readPages(dir string, dpi int) ([]scanner.Page, error) {
	names, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var pages []scanner.Page
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return pages, fmt.Errorf("read page: %w", err)
		}
		img, _, err := image.Decode(bytes.NewReader(b))
		if err != nil {
			// A page cut short by an error; the error of the run says why.
			break
		}
		pages = append(pages, scanner.Page{Image: img, DPI: dpi})
	}
	return pages, nil
}
