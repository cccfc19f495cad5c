package assets

import (
	"testing"

	"golang.org/x/image/font/opentype"
)

// BenchmarkCatalogParse measures start-up cost of parsing and validating the
// bundled catalogue.
func BenchmarkCatalogParse(b *testing.B) {
	for b.Loop() {
		if _, err := Catalog(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/parse")
}

// BenchmarkFontParse measures parsing the bundled font and reports its size.
func BenchmarkFontParse(b *testing.B) {
	for b.Loop() {
		if _, err := opentype.Parse(FontTTF()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(FontTTF()))/(1<<20), "MB/font")
}
