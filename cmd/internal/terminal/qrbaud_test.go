package terminal

import (
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/bianmin/kiosk/cmd/internal/config"
)

// TestQRSerialOpensAtTheConfiguredBaud opens a serial QR scanner on a pty
// through QROpener (the terminal's and kioskctl selftest's one way) and
// reads the line speed back from the tty: the configuration's qr.baud, and
// the default 115200 when the file does not say. A speed hard-coded in the
// opener fails the 9600 case.
func TestQRSerialOpensAtTheConfiguredBaud(t *testing.T) {
	for _, tc := range []struct {
		toml string
		want uint32
	}{
		{"", unix.B115200},
		{"baud = 9600\n", unix.B9600},
		{"baud = 38400\n", unix.B38400},
	} {
		m, s, err := pty.Open()
		if err != nil {
			t.Fatal(err)
		}
		defer m.Close()
		defer s.Close()
		cfg, err := config.Parse([]byte("mode = \"simulation\"\n[qr]\nbackend = \"serial\"\nport = \"" + s.Name() + "\"\n" + tc.toml))
		if err != nil {
			t.Fatal(err)
		}
		open := QROpener(cfg.QR)
		if open == nil {
			t.Fatal("no opener for a serial QR scanner")
		}
		src, err := open(t.Context())
		if err != nil {
			t.Fatalf("%q: open: %v", tc.toml, err)
		}
		tio, err := unix.IoctlGetTermios(int(s.Fd()), unix.TCGETS)
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := tio.Cflag & unix.CBAUD; got != tc.want {
			t.Errorf("%q: the port is set to speed code %#o, want %#o", tc.toml, got, tc.want)
		}
	}
}
