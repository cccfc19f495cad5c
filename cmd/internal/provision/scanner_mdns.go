package provision

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/devices/scanner/mdns"
)

// How long provisioning browses mDNS: for every eSCL scanner (--scanner
// auto), or for the one named (--scanner mdns:NAME, it stops once found).
// Scanners answer a query within milliseconds; the browser resends at 1 s
// and 2 s for one that missed the first.
var (
	mdnsWindow     = 3 * time.Second
	mdnsNameWindow = 10 * time.Second
)

// scannerByMDNS browses the network for eSCL scanners: every one seen is a
// "found" entry, and the chosen one is the one named (name != "") or the
// only one. chosen.Backend is "" when none is chosen; note says why.
func scannerByMDNS(ctx context.Context, name string) (chosen Discovered, seen []Discovered, note string) {
	window := mdnsWindow
	if name != "" {
		window = mdnsNameWindow
	}
	bctx, cancel := context.WithTimeout(ctx, window)
	found, err := (&mdns.Browser{}).Browse(bctx, func(s mdns.Scanner) bool { return name != "" && s.Instance == name })
	cancel()
	if err != nil {
		return Discovered{}, nil, err.Error()
	}
	var pick []mdns.Scanner
	for _, s := range found {
		seen = append(seen, Discovered{Role: "found", Backend: config.BackendESCL, Path: s.URL, Note: describe(s)})
		if s.Complete && (name == "" || s.Instance == name) {
			pick = append(pick, s)
		}
	}
	switch {
	case len(pick) == 1:
		return Discovered{Role: "scanner", Backend: config.BackendESCL, Path: pick[0].URL, Note: describe(pick[0])}, seen, ""
	case name != "" && len(pick) == 0:
		return Discovered{}, seen, fmt.Sprintf("no eSCL scanner named %q answers mDNS (%d others do)", name, len(found))
	case name != "":
		return Discovered{}, seen, fmt.Sprintf("%d eSCL scanners are named %q: give --scanner escl:URL", len(pick), name)
	case len(pick) == 0:
		return Discovered{}, seen, "no eSCL scanner answers mDNS"
	}
	var names []string
	for _, s := range pick {
		names = append(names, fmt.Sprintf("%q", s.Instance))
	}
	return Discovered{}, seen, fmt.Sprintf("%d eSCL scanners on the network (%s): give --scanner mdns:NAME", len(pick), strings.Join(names, ", "))
}

// describe is the technician's line for a scanner found by mDNS.
func describe(s mdns.Scanner) string {
	d := fmt.Sprintf("mDNS %q", s.Instance)
	if s.Model != "" {
		d += " " + s.Model
	}
	if s.Note != "" {
		d += " (" + s.Note + ")"
	}
	return d
}
