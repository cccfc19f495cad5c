// Command benchtable turns `go test -bench` output into the one table that
// `make bench` prints: name, value, unit, goal. Each benchmark's custom
// metrics (b.ReportMetric) are its headline figures; a benchmark without one
// shows ns/op. Goals come from bench/goals.tsv (benchmark, unit, goal).
// Internal tool: only the Makefile runs it.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

type row struct{ name, value, unit, goal string }

var suffix = regexp.MustCompile(`-\d+$`)

// standard metrics that are not headline figures when a custom one exists.
var standard = map[string]bool{"ns/op": true, "B/op": true, "allocs/op": true, "MB/s": true}

func parse(r io.Reader, goals map[[2]string]string) []row {
	var rows []row
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := suffix.ReplaceAllString(f[0], "")
		var custom, std []row
		for i := 2; i+1 < len(f); i += 2 {
			r := row{name: name, value: f[i], unit: f[i+1]}
			r.goal = goals[[2]string{name, r.unit}]
			if r.goal == "" {
				r.goal = "-"
			}
			if standard[r.unit] {
				std = append(std, r)
			} else {
				custom = append(custom, r)
			}
		}
		if len(custom) > 0 {
			rows = append(rows, custom...)
			continue
		}
		for _, r := range std {
			if r.unit == "ns/op" || r.goal != "-" {
				rows = append(rows, r)
			}
		}
	}
	return rows
}

func readGoals(path string) map[[2]string]string {
	goals := map[[2]string]string{}
	b, err := os.ReadFile(path)
	if err != nil {
		return goals
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) >= 3 {
			goals[[2]string{strings.TrimSpace(f[0]), strings.TrimSpace(f[1])}] = strings.TrimSpace(f[2])
		}
	}
	return goals
}

func main() {
	goalsPath := flag.String("goals", "bench/goals.tsv", "goals file")
	flag.Parse()
	rows := parse(os.Stdin, readGoals(*goalsPath))
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].name < rows[j].name })
	w := [4]int{len("name"), len("value"), len("unit"), len("goal")}
	for _, r := range rows {
		for i, s := range []string{r.name, r.value, r.unit, r.goal} {
			w[i] = max(w[i], len(s))
		}
	}
	line := func(a, b, c, d string) {
		fmt.Printf("| %-*s | %*s | %-*s | %-*s |\n", w[0], a, w[1], b, w[2], c, w[3], d)
	}
	line("name", "value", "unit", "goal")
	fmt.Printf("|%s|%s|%s|%s|\n", strings.Repeat("-", w[0]+2), strings.Repeat("-", w[1]+2), strings.Repeat("-", w[2]+2), strings.Repeat("-", w[3]+2))
	for _, r := range rows {
		line(r.name, r.value, r.unit, r.goal)
	}
	if len(rows) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results read")
		os.Exit(1)
	}
}
