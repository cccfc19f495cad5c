package printer

import (
	"context"
	"io"
	"time"

	"github.com/bianmin/kiosk/devices/printer/escpos"
	"github.com/bianmin/kiosk/devices/serialport"
)

// SerialBauds are the rates tried, in order, for a serial printer
// configured with baud 0: the usual settings of receipt printers.
var SerialBauds = []int{115200, 38400, 19200, 9600}

// SerialConfig is how a serial receipt printer is opened, real or simulated:
// every open asks DLE EOT 1–4 before the port is handed out, at the
// configured rate only (a wrong rate could print garbage), or, with baud 0,
// at each rate of SerialBauds.
func SerialConfig(path string, baud int) serialport.Config {
	return serialport.Config{Path: path, Baud: baud, Bauds: SerialBauds, Probe: ProbeStatus,
		NoAnswer: ErrDisconnected, ReadTimeout: 100 * time.Millisecond}
}

// SerialOpener opens a serial printer for the Service (see SerialConfig).
// A port where no printer answers gives an error matching ErrDisconnected.
func SerialOpener(path string, baud int) Opener {
	return serialport.Opener(SerialConfig(path, baud))
}

// ProbeStatus is the printer's serialport.Prober: four valid DLE EOT
// replies prove the rate and the device.
func ProbeStatus(ctx context.Context, rw io.ReadWriter) error {
	_, err := escpos.QueryStatus(ctx, rw)
	return err
}
