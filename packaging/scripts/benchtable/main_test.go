package main

import (
	"strings"
	"testing"
)

const out = `goos: linux
BenchmarkFrameParse-2   	 1000000	      1050 ns/op	     512 B/op	       3 allocs/op
BenchmarkCardToIdentity-2 	 3	 1.30 ratio	 140 ms/read	 108 ms/baseline
BenchmarkCardToIdentity-2 	 3	 1.10 ratio	 130 ms/read	 118 ms/baseline
BenchmarkCardToIdentity-2 	 3	 1.20 ratio	 135 ms/read	 112 ms/baseline
BenchmarkKioskColdStart 1 812 ms/first-frame
BenchmarkKioskColdStart says hello
PASS`

const goals = "# comment\n" +
	"BenchmarkCardToIdentity\tratio\t<= 1.15\tms/baseline\tcard placed to identity\n" +
	"BenchmarkKioskColdStart\tms/first-frame\t<= 2000 (Xvfb)\n" +
	"BenchmarkFrameParse\tns/op\t-\n" +
	"BenchmarkGone\tms\t<= 1\n"

func TestTable(t *testing.T) {
	gs, err := readGoals(strings.NewReader(goals))
	if err != nil {
		t.Fatal(err)
	}
	vals, order := parse(strings.NewReader(out))
	rows := evaluate(gs, vals)
	want := []struct {
		unit, result string
		value, base  float64
	}{
		{"ratio", "FAIL", 1.2, 112}, // the median of three runs, against its goal
		{"ms/first-frame", "pass", 812, 0},
		{"ns/op", "info", 1050, 0},
		{"ms", "missing", 0, 0}, // a benchmark that printed nothing fails
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		r := rows[i]
		if r.Unit != w.unit || r.Result != w.result {
			t.Errorf("row %d: %s %s, want %s %s", i, r.Unit, r.Result, w.unit, w.result)
		}
		if w.result != "missing" && (r.Value == nil || *r.Value != w.value) {
			t.Errorf("row %d value %v, want %v", i, r.Value, w.value)
		}
		if w.base != 0 && (r.Baseline == nil || r.Baseline.Value != w.base) {
			t.Errorf("row %d baseline %+v, want %v", i, r.Baseline, w.base)
		}
	}
	md := markdown(rows, vals, order)
	for _, s := range []string{"| BenchmarkCardToIdentity", "112 ms/baseline", "FAIL", "missing"} {
		if !strings.Contains(md, s) {
			t.Errorf("table lacks %q:\n%s", s, md)
		}
	}
	if strings.Contains(md, "B/op") {
		t.Errorf("allocation figures listed:\n%s", md)
	}
}

func TestGoalSyntax(t *testing.T) {
	for _, s := range []string{"< 3", ">= x", "<="} {
		if _, _, err := parseGoal(s); err == nil {
			t.Errorf("parseGoal(%q) accepted", s)
		}
	}
	if op, v, err := parseGoal(">= 0.9 (village 4G)"); err != nil || op != ">=" || v != 0.9 {
		t.Errorf("parseGoal: %q %v %v", op, v, err)
	}
}
