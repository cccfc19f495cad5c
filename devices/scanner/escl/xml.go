package escl

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bianmin/kiosk/devices/scanner"
)

// XML namespaces of eSCL.
const (
	NSScan = "http://schemas.hp.com/imaging/escl/2011/05/03"
	NSPWG  = "http://www.pwg.org/schemas/2010/12/sm"
)

// Wire types. Tags without a namespace match the element in any namespace,
// which tolerates devices that use other prefixes or none.

type xmlResolution struct {
	X int `xml:"XResolution"`
	Y int `xml:"YResolution"`
}

type xmlRange struct {
	Min, Max, Normal, Step int
}

type xmlProfile struct {
	ColorModes []string        `xml:"ColorModes>ColorMode"`
	Formats    []string        `xml:"DocumentFormats>DocumentFormatExt"`
	FormatsPWG []string        `xml:"DocumentFormats>DocumentFormat"`
	Discrete   []xmlResolution `xml:"SupportedResolutions>DiscreteResolutions>DiscreteResolution"`
	XResRange  *xmlRange       `xml:"SupportedResolutions>ResolutionRange>XResolutionRange"`
}

type xmlInputCaps struct {
	MinWidth  int          `xml:"MinWidth"`
	MaxWidth  int          `xml:"MaxWidth"`
	MinHeight int          `xml:"MinHeight"`
	MaxHeight int          `xml:"MaxHeight"`
	Profiles  []xmlProfile `xml:"SettingProfiles>SettingProfile"`
}

type xmlCaps struct {
	XMLName      xml.Name      `xml:"ScannerCapabilities"`
	Version      string        `xml:"Version"`
	MakeAndModel string        `xml:"MakeAndModel"`
	Platen       *xmlInputCaps `xml:"Platen>PlatenInputCaps"`
	AdfSimplex   *xmlInputCaps `xml:"Adf>AdfSimplexInputCaps"`
	AdfDuplex    *xmlInputCaps `xml:"Adf>AdfDuplexInputCaps"`
}

type xmlJob struct {
	URI    string `xml:"JobUri"`
	UUID   string `xml:"JobUuid"`
	State  string `xml:"JobState"`
	Reason string `xml:"JobStateReasons>JobStateReason"`
}

type xmlStatus struct {
	XMLName  xml.Name `xml:"ScannerStatus"`
	Version  string   `xml:"Version"`
	State    string   `xml:"State"`
	AdfState string   `xml:"AdfState"`
	Jobs     []xmlJob `xml:"Jobs>JobInfo"`
}

// ErrBadXML is returned for a document that is not the expected eSCL XML.
var ErrBadXML = errors.New("bad escl xml")

// maxXML bounds what is read of a capabilities or status document.
const maxXML = 1 << 20

// Sizes in eSCL are in three-hundredths of an inch.
const unitsPerInch = 300.0

// ParseCapabilities parses a ScannerCapabilities document.
func ParseCapabilities(b []byte) (scanner.Caps, error) {
	var x xmlCaps
	if err := unmarshal(b, &x); err != nil {
		return scanner.Caps{}, fmt.Errorf("capabilities: %w", err)
	}
	c := scanner.Caps{MakeAndModel: strings.TrimSpace(x.MakeAndModel)}
	modes := map[scanner.ColorMode]bool{}
	res := map[int]bool{}
	var maxW, maxH int
	add := func(in *xmlInputCaps, src scanner.Source) {
		if in == nil {
			return
		}
		if src != "" && !c.Has(src) {
			c.Sources = append(c.Sources, src)
		}
		maxW, maxH = max(maxW, in.MaxWidth), max(maxH, in.MaxHeight)
		for _, p := range in.Profiles {
			for _, m := range p.ColorModes {
				if cm, ok := colorFromESCL(m); ok {
					modes[cm] = true
				}
			}
			for _, r := range p.Discrete {
				if r.X > 0 && r.X <= 9600 {
					res[r.X] = true
				}
			}
			if rr := p.XResRange; rr != nil && rr.Min > 0 && rr.Max >= rr.Min && rr.Max <= 9600 {
				for _, stop := range []int{75, 100, 150, 200, 300, 400, 600, 1200} {
					if stop >= rr.Min && stop <= rr.Max {
						res[stop] = true
					}
				}
			}
		}
	}
	add(x.Platen, scanner.Platen)
	add(x.AdfSimplex, scanner.Feeder)
	if x.AdfDuplex != nil {
		c.Duplex = true
		add(x.AdfDuplex, scanner.Feeder)
	}
	if len(c.Sources) == 0 {
		return scanner.Caps{}, fmt.Errorf("capabilities: no input source: %w", ErrBadXML)
	}
	for _, m := range []scanner.ColorMode{scanner.Color, scanner.Gray} {
		if modes[m] {
			c.ColorModes = append(c.ColorModes, m)
		}
	}
	for r := range res {
		c.Resolutions = append(c.Resolutions, r)
	}
	sort.Ints(c.Resolutions)
	c.MaxWidthMM = float64(maxW) / unitsPerInch * 25.4
	c.MaxHeightMM = float64(maxH) / unitsPerInch * 25.4
	return c, nil
}

func colorFromESCL(m string) (scanner.ColorMode, bool) {
	switch strings.TrimSpace(m) {
	case "RGB24", "RGB48":
		return scanner.Color, true
	case "Grayscale8", "Grayscale16":
		return scanner.Gray, true
	}
	return "", false
}

// RawStatus is the parsed ScannerStatus document.
type RawStatus struct {
	State    string // Idle, Processing, Testing, Stopped, Down
	AdfState string // e.g. ScannerAdfLoaded, ScannerAdfEmpty, ScannerAdfJam
	Jobs     []JobInfo
}

// JobInfo is one job in a ScannerStatus document.
type JobInfo struct {
	URI, State, Reason string
}

// ParseStatus parses a ScannerStatus document.
func ParseStatus(b []byte) (RawStatus, error) {
	var x xmlStatus
	if err := unmarshal(b, &x); err != nil {
		return RawStatus{}, fmt.Errorf("status: %w", err)
	}
	st := RawStatus{State: strings.TrimSpace(x.State), AdfState: strings.TrimSpace(x.AdfState)}
	if st.State == "" {
		return RawStatus{}, fmt.Errorf("status: no state: %w", ErrBadXML)
	}
	for _, j := range x.Jobs {
		st.Jobs = append(st.Jobs, JobInfo{URI: strings.TrimSpace(j.URI), State: strings.TrimSpace(j.State), Reason: strings.TrimSpace(j.Reason)})
	}
	return st, nil
}

// Raw maps an eSCL status to the scanner's raw conditions. feeder says
// whether the feeder is wanted: an empty feeder does not matter for the
// platen.
func (s RawStatus) Raw(feeder bool) scanner.Raw {
	r := scanner.Raw{Detail: "escl state " + s.State}
	if s.AdfState != "" {
		r.Detail += ", adf " + s.AdfState
	}
	switch s.State {
	case "Idle":
	case "Processing", "Testing":
		r.Busy = true
	default: // Stopped, Down, anything unknown
		r.Fault = true
	}
	switch a := s.AdfState; {
	case strings.Contains(a, "Jam"), a == "ScannerAdfMispick", a == "ScannerAdfMultipickDetected":
		r.Jam = true
		r.Fault = false
	case strings.Contains(a, "HatchOpen"), strings.Contains(a, "CoverOpen"):
		r.CoverOpen = true
		r.Fault = false
	case a == "ScannerAdfEmpty":
		r.FeederEmpty = feeder
	}
	return r
}

func unmarshal(b []byte, v any) error {
	if len(b) > maxXML {
		return fmt.Errorf("document of %d bytes: %w", len(b), ErrBadXML)
	}
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	// Devices declare UTF-8 or nothing; accept any declared charset as
	// UTF-8 rather than fail (the documents are ASCII in practice).
	d.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrBadXML, err)
	}
	return nil
}

// ScanSettings is the body of POST /eSCL/ScanJobs.
func ScanSettings(s scanner.Settings, caps scanner.Caps) []byte {
	s = s.WithDefaults()
	src := "Platen"
	if s.Source == scanner.Feeder {
		src = "Feeder"
	}
	mode := "Grayscale8"
	if s.Color == scanner.Color {
		mode = "RGB24"
	}
	// A4 or the scanner's maximum, whichever is smaller, in 1/300 inch.
	w, h := 2480, 3508
	if caps.MaxWidthMM > 0 {
		w = min(w, int(caps.MaxWidthMM/25.4*unitsPerInch))
	}
	if caps.MaxHeightMM > 0 {
		h = min(h, int(caps.MaxHeightMM/25.4*unitsPerInch))
	}
	duplex := ""
	if s.Duplex && s.Source == scanner.Feeder {
		duplex = "\n  <scan:Duplex>true</scan:Duplex>"
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<scan:ScanSettings xmlns:scan="%s" xmlns:pwg="%s">
  <pwg:Version>2.63</pwg:Version>
  <scan:Intent>Document</scan:Intent>
  <pwg:ScanRegions>
    <pwg:ScanRegion>
      <pwg:ContentRegionUnits>escl:ThreeHundredthsOfInches</pwg:ContentRegionUnits>
      <pwg:XOffset>0</pwg:XOffset>
      <pwg:YOffset>0</pwg:YOffset>
      <pwg:Width>%d</pwg:Width>
      <pwg:Height>%d</pwg:Height>
    </pwg:ScanRegion>
  </pwg:ScanRegions>
  <pwg:InputSource>%s</pwg:InputSource>
  <scan:ColorMode>%s</scan:ColorMode>
  <scan:XResolution>%d</scan:XResolution>
  <scan:YResolution>%d</scan:YResolution>%s
  <pwg:DocumentFormat>image/jpeg</pwg:DocumentFormat>
  <scan:DocumentFormatExt>image/jpeg</scan:DocumentFormatExt>
</scan:ScanSettings>
`, NSScan, NSPWG, w, h, src, mode, s.DPI, s.DPI, duplex)
}

// parsedSettings is the part of ScanSettings an emulator reads back.
type parsedSettings struct {
	Source string `xml:"InputSource"`
	Color  string `xml:"ColorMode"`
	XRes   int    `xml:"XResolution"`
	Duplex bool   `xml:"Duplex"`
	Format string `xml:"DocumentFormatExt"`
}

// ParseScanSettings parses a ScanSettings document into scanner settings.
func ParseScanSettings(b []byte) (scanner.Settings, error) {
	var x struct {
		XMLName xml.Name `xml:"ScanSettings"`
		parsedSettings
	}
	if err := unmarshal(b, &x); err != nil {
		return scanner.Settings{}, fmt.Errorf("scan settings: %w", err)
	}
	s := scanner.Settings{Source: scanner.Platen, Color: scanner.Gray, DPI: x.XRes, Duplex: x.Duplex}
	switch strings.TrimSpace(x.Source) {
	case "Feeder", "ADF", "Adf":
		s.Source = scanner.Feeder
	case "Platen", "":
	default:
		return scanner.Settings{}, fmt.Errorf("scan settings: input source %q: %w", x.Source, ErrBadXML)
	}
	if cm, ok := colorFromESCL(x.Color); ok {
		s.Color = cm
	}
	if s.DPI < 0 || s.DPI > 9600 {
		return scanner.Settings{}, fmt.Errorf("scan settings: resolution %d: %w", s.DPI, ErrBadXML)
	}
	return s.WithDefaults(), nil
}
