package terminal

import (
	"context"
	"slices"
	"testing"

	"github.com/bianmin/kiosk/cmd/internal/config"
)

// TestDegradedModes: a terminal without an ID card reader reports
// reader_missing, one without a printer printer_out, for the screens and the
// heartbeat; a fully equipped simulated one, once its devices are up,
// neither. Kills: Degraded ignoring a missing device.
func TestDegradedModes(t *testing.T) {
	start := func(mod func(*config.Config)) *Terminal {
		t.Helper()
		cfg := config.Default()
		cfg.Store.DataDir = t.TempDir()
		mod(&cfg)
		term, err := Start(context.Background(), cfg, Options{Fast: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { term.Close() })
		return term
	}
	bare := start(func(c *config.Config) { c.IDCard.Backend, c.Printer.Backend = config.BackendNone, config.BackendNone })
	if d := bare.Degraded(); !slices.Contains(d, DegradedReaderMissing) || !slices.Contains(d, DegradedPrinterOut) {
		t.Errorf("no reader, no printer: degraded %v", d)
	}
	full := start(func(*config.Config) {})
	waitFor(t, "devices up", 20e9, func() bool {
		d := full.Degraded()
		return !slices.Contains(d, DegradedReaderMissing) && !slices.Contains(d, DegradedPrinterOut)
	})
}
