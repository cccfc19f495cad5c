package printer_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	"github.com/bianmin/kiosk/devices/printer/escpos/sim"
	"github.com/bianmin/kiosk/devices/ptypair"
)

// wireMS is the time to send n bytes at 115200 baud, 8N1 (10 bits a byte).
func wireMS(n int) float64 { return float64(n) * 10 / 115200 * 1000 }

// BenchmarkAcceptanceReceipt reports the size of an 80 mm acceptance receipt
// and its wire time at 115200 baud, with the printer's QR engine and with
// the QR sent as a raster image.
func BenchmarkAcceptanceReceipt(b *testing.B) {
	for _, c := range []struct {
		name   string
		raster bool
	}{{"native_qr", false}, {"raster_qr", true}} {
		b.Run(c.name, func(b *testing.B) {
			var n int
			for i := 0; i < b.N; i++ {
				data, err := printer.Encode(sampleReceipt(), escpos.Profile80, nil, c.raster)
				if err != nil {
					b.Fatal(err)
				}
				n = len(data)
			}
			b.ReportMetric(float64(n), "bytes/receipt")
			b.ReportMetric(wireMS(n), "ms/receipt")
		})
	}
}

// BenchmarkReceiptRender reports the interpreter's time to render an 80 mm
// acceptance receipt to an image with the CJK font.
func BenchmarkReceiptRender(b *testing.B) {
	_, f := testFont(b)
	data, err := printer.Encode(sampleReceipt(), escpos.Profile80, f, false)
	if err != nil {
		b.Fatal(err)
	}
	escpos.Render(data, escpos.Profile80, f) // warm the glyph cache like a running simulator
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if len(escpos.Render(data, escpos.Profile80, f)) != 1 {
			b.Fatal("no receipt")
		}
	}
	b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/receipt")
}

// pacedLine is the printer's end of a serial line at baud, 8N1: reads
// return no faster than the bytes could cross the wire, so the writer
// (through the pty's small buffer) waits as it would on a real port. It
// records when the last byte arrived.
type pacedLine struct {
	rw    io.ReadWriter
	baud  int
	start time.Time
	n     int
	last  time.Time
}

func (l *pacedLine) Read(b []byte) (int, error) {
	b = b[:min(len(b), max(1, l.baud/10/100))] // 10 ms of bytes at most
	n, err := l.rw.Read(b)
	if n > 0 {
		if l.n == 0 {
			l.start = time.Now()
		}
		l.n += n
		due := l.start.Add(time.Duration(l.n*10) * time.Second / time.Duration(l.baud))
		time.Sleep(time.Until(due))
		l.last = time.Now()
	}
	return n, err
}

func (l *pacedLine) Write(b []byte) (int, error) { return l.rw.Write(b) }

// BenchmarkReceiptPrint: an acceptance receipt printed through the ESC/POS
// printer (status check, job, status after the job) over a pty whose far
// end is the printer emulator behind a line paced to 115200 baud, from the
// call until the last byte reached the printer and until Print returned;
// the baseline is the wire time of every byte sent (the job and the status
// queries).
func BenchmarkReceiptPrint(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fontTTF, f := testFont(b)
	emu, err := sim.New(sim.Config{Profile: escpos.Profile80, Font: fontTTF, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	pair, err := ptypair.Open()
	if err != nil {
		b.Fatal(err)
	}
	defer pair.Close()
	line := &pacedLine{rw: pair.Master, baud: 115200}
	go emu.Serve(ctx, line)
	port, err := os.OpenFile(pair.Path, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer port.Close()
	p := printer.NewESCPOS(port, printer.Config{Profile: escpos.Profile80, Font: f})
	data, err := printer.Encode(sampleReceipt(), escpos.Profile80, f, false)
	if err != nil {
		b.Fatal(err)
	}
	var toLast, toReturn, wire, toFirst []float64
	for range max(b.N, 5) {
		line.n = 0
		t0 := time.Now()
		if err := p.Print(ctx, sampleReceipt()); err != nil {
			b.Fatal(err)
		}
		done := time.Since(t0)
		toLast = append(toLast, float64(line.last.Sub(t0).Microseconds())/1000)
		toReturn = append(toReturn, float64(done.Microseconds())/1000)
		wire = append(wire, wireMS(line.n))
		toFirst = append(toFirst, float64(line.start.Sub(t0).Microseconds())/1000)
	}
	slices.Sort(toLast)
	slices.Sort(toReturn)
	w := wire[0]
	slices.Sort(toFirst)
	b.ReportMetric(toFirst[len(toFirst)/2], "ms/first-byte")
	b.ReportMetric(toLast[len(toLast)/2]/w, "ratio")
	b.ReportMetric(toLast[len(toLast)/2], "ms/last-byte")
	b.ReportMetric(toReturn[len(toReturn)/2], "ms/print")
	b.ReportMetric(w, "ms/wire")
	b.ReportMetric(float64(len(data)), "bytes/job")
}
