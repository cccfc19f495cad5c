package printer_test

import (
	"testing"
	"time"

	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/escpos"
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
