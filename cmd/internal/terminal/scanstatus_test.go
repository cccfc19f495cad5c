package terminal

import (
	"context"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/devices/scanner/sim"
)

// The heartbeat's device list carries the scanner's polled state (through
// devloop's loop) and the QR scanner's, beside reader and printer; a lid
// opened on the simulator shows up there. Kills: the scanner poller not
// started, DeviceStates without scanner or QR.
func TestDeviceStatesCarryScannerAndQR(t *testing.T) {
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	states := func() map[string]kiosk.DeviceState {
		m := map[string]kiosk.DeviceState{}
		for _, d := range term.DeviceStates() {
			m[d.Device] = d.State
		}
		return m
	}
	waitFor(t, "every device ready", 20*time.Second, func() bool {
		m := states()
		return m["idcard"] == kiosk.DeviceReady && m["printer"] == kiosk.DeviceReady &&
			m["scanner"] == kiosk.DeviceReady && m["qr"] == kiosk.DeviceReady
	})
	term.Sims.Scanner.Set(sim.Knobs{Pages: 1, CoverOpen: true})
	waitFor(t, "scanner cover open in the device states", 20*time.Second, func() bool {
		return states()["scanner"] == kiosk.DeviceCoverOpen
	})
}
