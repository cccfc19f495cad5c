package imaging

import (
	"testing"

	"github.com/bianmin/kiosk/devices/scanner/sim"
)

// BenchmarkPipelineA4 runs the whole pipeline (find page, deskew, crop,
// grey, JPEG to 300 KB, thumbnail) on a skewed A4 sample at 200 dpi and
// reports milliseconds per page and output bytes over raw RGB bytes.
func BenchmarkPipelineA4(b *testing.B) {
	img := sim.SamplePage(sim.PageSpec{DPI: 200, Skew: 1.5})
	pw, ph := sim.PaperSize(200)
	raw := float64(pw * ph * 3)
	var out int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Process(img, Options{Gray: true})
		if err != nil {
			b.Fatal(err)
		}
		out = len(res.JPEG)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/page")
	b.ReportMetric(float64(out)/raw, "ratio")
	b.ReportMetric(float64(out)/1024, "KB/page")
}
