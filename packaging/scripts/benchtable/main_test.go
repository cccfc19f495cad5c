package main

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	out := `goos: linux
BenchmarkFrameParse-2   	 1000000	      1050 ns/op	     512 B/op	       3 allocs/op
BenchmarkReceiptBytes/native-2   	     100	  20000 ns/op	      4321 bytes/receipt	  375.1 ms/receipt
BenchmarkKioskColdStart 1 812 ms/first-frame
PASS`
	goals := map[[2]string]string{{"BenchmarkKioskColdStart", "ms/first-frame"}: "<= 2000"}
	rows := parse(strings.NewReader(out), goals)
	want := []row{
		{"BenchmarkFrameParse", "1050", "ns/op", "-"},
		{"BenchmarkReceiptBytes/native", "4321", "bytes/receipt", "-"},
		{"BenchmarkReceiptBytes/native", "375.1", "ms/receipt", "-"},
		{"BenchmarkKioskColdStart", "812", "ms/first-frame", "<= 2000"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows %v, want %d", len(rows), rows, len(want))
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %v, want %v", i, rows[i], want[i])
		}
	}
}
