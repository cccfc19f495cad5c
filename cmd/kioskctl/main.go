// Command kioskctl is the field technicians' command line: read a card, test a
// printer, inspect and move the offline queue, force a sync, scan a page.
//
// Each command family lives in its own file and registers itself in init, so
// that families are added without touching this file:
//
//	kioskctl idcard read --port /dev/ttyUSB0 --json
//	kioskctl printer status --port /dev/ttyS1
//	kioskctl queue list --data /var/lib/bianmin
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// command is one verb of a family: `kioskctl FAMILY VERB args…`.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var families = map[string]map[string]command{}

// register adds a verb to a family. Called from init functions.
func register(family, verb, summary string, run func(ctx context.Context, args []string, stdout, stderr io.Writer) error) {
	if families[family] == nil {
		families[family] = map[string]command{}
	}
	if _, dup := families[family][verb]; dup {
		panic("kioskctl: duplicate command " + family + " " + verb)
	}
	families[family][verb] = command{summary: summary, run: run}
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	fam, ok := families[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kioskctl: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	cmd, ok := fam[args[1]]
	if !ok {
		fmt.Fprintf(stderr, "kioskctl: unknown command %q %q\n", args[0], args[1])
		usage(stderr)
		return 2
	}
	if err := cmd.run(ctx, args[2:], stdout, stderr); errors.Is(err, flag.ErrHelp) {
		return 0 // -h: the flag set printed the usage
	} else if err != nil {
		fmt.Fprintf(stderr, "kioskctl %s %s: %v\n", args[0], args[1], err)
		if e, ok := err.(*exitError); ok {
			return e.code
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kioskctl FAMILY VERB [flags]")
	var names []string
	for f := range families {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		var verbs []string
		for v := range families[f] {
			verbs = append(verbs, v)
		}
		sort.Strings(verbs)
		for _, v := range verbs {
			fmt.Fprintf(w, "  %-28s %s\n", f+" "+v, families[f][v].summary)
		}
	}
	fmt.Fprintln(w, "Run 'kioskctl FAMILY VERB -h' for the flags of one command.")
}
