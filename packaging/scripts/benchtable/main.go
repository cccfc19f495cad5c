// Command benchtable turns `go test -bench` output into the table that
// `make bench` prints and writes: one row per line of the goals file
// (benchmark, unit, goal, baseline unit, what the row measures), with the
// value measured (the median when a benchmark ran several times), the
// baseline the same benchmark measured in the same run, and whether the
// goal was met. A row whose benchmark printed nothing fails: a crashed
// benchmark must not pass by silence. Metrics that have no goals line are
// listed after the table as "other figures".
//
//	go run ./packaging/scripts/benchtable -goals bench-goals.tsv -md build/bench.md -json build/bench.json < bench.txt
//
// It exits 1 when any row misses its goal, naming the rows. Internal tool:
// only packaging/scripts/bench.sh runs it.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var suffix = regexp.MustCompile(`-\d+$`)

// key names one metric: a benchmark (without its -GOMAXPROCS suffix) and a unit.
type key struct{ bench, unit string }

// parse reads benchmark result lines and returns every value of every
// metric, in the order first seen.
func parse(r io.Reader) (map[key][]float64, []key) {
	vals := map[key][]float64{}
	var order []key
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // a log line that starts with a benchmark name
		}
		name := suffix.ReplaceAllString(f[0], "")
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			k := key{name, f[i+1]}
			if _, ok := vals[k]; !ok {
				order = append(order, k)
			}
			vals[k] = append(vals[k], v)
		}
	}
	return vals, order
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// goal is one line of the goals file.
type goal struct {
	key
	op       string  // "<=", ">=" or "" (no goal: a figure shown for context)
	limit    float64 // the goal's number
	text     string  // the goal as written, with its note
	baseline string  // unit of the same benchmark's baseline metric, or ""
	what     string  // what the row measures
}

func parseGoal(s string) (op string, limit float64, err error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "-" || strings.HasPrefix(s, "- ") {
		return "", 0, nil
	}
	for _, o := range []string{"<=", ">="} {
		if rest, ok := strings.CutPrefix(s, o); ok {
			num := strings.Fields(rest)
			if len(num) == 0 {
				return "", 0, fmt.Errorf("goal %q: no number", s)
			}
			limit, err = strconv.ParseFloat(num[0], 64)
			if err != nil {
				return "", 0, fmt.Errorf("goal %q: %w", s, err)
			}
			return o, limit, nil
		}
	}
	return "", 0, fmt.Errorf("goal %q: want <= N, >= N or -", s)
}

func readGoals(r io.Reader) ([]goal, error) {
	var gs []goal
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 3 {
			return nil, fmt.Errorf("goals line %d: want benchmark, unit, goal [, baseline unit, what]", n)
		}
		g := goal{key: key{strings.TrimSpace(f[0]), strings.TrimSpace(f[1])}, text: strings.TrimSpace(f[2])}
		var err error
		if g.op, g.limit, err = parseGoal(g.text); err != nil {
			return nil, fmt.Errorf("goals line %d: %w", n, err)
		}
		if len(f) > 3 && strings.TrimSpace(f[3]) != "-" {
			g.baseline = strings.TrimSpace(f[3])
		}
		if len(f) > 4 {
			g.what = strings.TrimSpace(f[4])
		}
		gs = append(gs, g)
	}
	return gs, sc.Err()
}

// Row is one line of the table, as written to bench.json.
type Row struct {
	Benchmark string    `json:"benchmark"`
	Unit      string    `json:"unit"`
	Value     *float64  `json:"value"` // nil: the benchmark reported nothing
	Runs      int       `json:"runs"`
	Baseline  *Baseline `json:"baseline,omitempty"`
	Goal      string    `json:"goal"`
	Result    string    `json:"result"` // pass, FAIL, missing, info
	What      string    `json:"what,omitempty"`
}

// Baseline is the figure the same benchmark measured in the same run for
// comparison (the wire time, the bare insert, the framework's floor...).
type Baseline struct {
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

func evaluate(gs []goal, vals map[key][]float64) []Row {
	rows := make([]Row, 0, len(gs))
	for _, g := range gs {
		r := Row{Benchmark: g.bench, Unit: g.unit, Goal: g.text, What: g.what}
		v := vals[g.key]
		r.Runs = len(v)
		if len(v) > 0 {
			m := median(v)
			r.Value = &m
		}
		if g.baseline != "" {
			if bv := vals[key{g.bench, g.baseline}]; len(bv) > 0 {
				r.Baseline = &Baseline{Value: median(bv), Unit: g.baseline}
			}
		}
		switch {
		case r.Value == nil:
			r.Result = "missing"
		case g.op == "":
			r.Result = "info"
		case g.op == "<=" && *r.Value <= g.limit, g.op == ">=" && *r.Value >= g.limit:
			r.Result = "pass"
		default:
			r.Result = "FAIL"
		}
		rows = append(rows, r)
	}
	return rows
}

func fmtNum(v float64) string {
	switch a := max(v, -v); {
	case a == 0:
		return "0"
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}

// markdown renders the table and the other figures.
func markdown(rows []Row, vals map[key][]float64, order []key) string {
	var b strings.Builder
	cells := [][]string{{"benchmark", "value", "unit", "baseline (same run)", "goal", "result"}}
	for _, r := range rows {
		val, base := "—", "—"
		if r.Value != nil {
			val = fmtNum(*r.Value)
		}
		if r.Baseline != nil {
			base = fmtNum(r.Baseline.Value) + " " + r.Baseline.Unit
		}
		cells = append(cells, []string{r.Benchmark, val, r.Unit, base, r.Goal, r.Result})
	}
	w := make([]int, len(cells[0]))
	for _, c := range cells {
		for i, s := range c {
			w[i] = max(w[i], len([]rune(s)))
		}
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", n-len([]rune(s))) }
	for i, c := range cells {
		b.WriteString("|")
		for j, s := range c {
			b.WriteString(" " + pad(s, w[j]) + " |")
		}
		b.WriteString("\n")
		if i == 0 {
			b.WriteString("|")
			for j := range c {
				b.WriteString(strings.Repeat("-", w[j]+2) + "|")
			}
			b.WriteString("\n")
		}
	}
	inTable := map[key]bool{}
	for _, r := range rows {
		inTable[key{r.Benchmark, r.Unit}] = true
		if r.Baseline != nil {
			inTable[key{r.Benchmark, r.Baseline.Unit}] = true
		}
	}
	var other []string
	for _, k := range order {
		if !inTable[k] && k.unit != "B/op" && k.unit != "allocs/op" {
			other = append(other, fmt.Sprintf("- %s: %s %s", k.bench, fmtNum(median(vals[k])), k.unit))
		}
	}
	if len(other) > 0 {
		b.WriteString("\nOther figures of the same run:\n\n" + strings.Join(other, "\n") + "\n")
	}
	return b.String()
}

func main() {
	goalsPath := flag.String("goals", "packaging/scripts/bench-goals.tsv", "goals file")
	mdPath := flag.String("md", "", "also write the table (markdown) here")
	jsonPath := flag.String("json", "", "also write the rows (JSON) here")
	flag.Parse()
	gf, err := os.Open(*goalsPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(2)
	}
	gs, err := readGoals(gf)
	gf.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(2)
	}
	vals, order := parse(os.Stdin)
	if len(vals) == 0 {
		fmt.Fprintln(os.Stderr, "benchtable: no benchmark results read")
		os.Exit(2)
	}
	rows := evaluate(gs, vals)
	md := markdown(rows, vals, order)
	fmt.Print(md)
	if *mdPath != "" {
		if err := os.WriteFile(*mdPath, []byte(md), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(2)
		}
	}
	if *jsonPath != "" {
		j, _ := json.MarshalIndent(rows, "", "  ")
		if err := os.WriteFile(*jsonPath, append(j, '\n'), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(2)
		}
	}
	var failed []string
	for _, r := range rows {
		if r.Result == "FAIL" || r.Result == "missing" {
			failed = append(failed, fmt.Sprintf("%s %s (%s)", r.Benchmark, r.Unit, r.Result))
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(os.Stderr, "\nbench: %d row(s) missed their goal:\n  %s\n", len(failed), strings.Join(failed, "\n  "))
		os.Exit(1)
	}
}
