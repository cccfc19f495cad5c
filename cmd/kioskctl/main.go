// Command kioskctl is the field technicians' command line: read a card, test a
// printer, inspect and move the offline queue, force a sync, scan a page.
//
// Each command family lives in its own file and registers itself in init, so
// that families are added without touching this file:
//
//	kioskctl idcard read --port /dev/ttyUSB0 --json
//	kioskctl printer status --port /dev/ttyS1
//	kioskctl --data /var/lib/bianmin-kiosk queue list
//
// Global flags (--config, --data, --key, --json) go before or after the
// family and verb; every flag may follow the positional arguments; durations
// take bare seconds. See args.go.
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
	"strings"
	"syscall"

	"github.com/bianmin/kiosk/cmd/internal/terminal"
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
	globals, args, err := splitGlobals(args)
	if err != nil {
		fmt.Fprintln(stderr, "kioskctl:", err)
		return 2
	}
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 {
			if _, ok := families[args[1]]; !ok {
				fmt.Fprintf(stderr, "kioskctl: unknown command %q\n", args[1])
				return 2
			}
			familyUsage(stdout, args[1])
			return 0
		}
		usage(stdout)
		return 0
	case "completion":
		if len(args) != 2 || args[1] != "bash" {
			fmt.Fprintln(stderr, "usage: kioskctl completion bash")
			return 2
		}
		fmt.Fprint(stdout, bashCompletion)
		return 0
	case "__complete":
		complete(stdout, args[1:])
		return 0
	}
	fam, ok := families[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "kioskctl: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	// A one-word command (kioskctl selftest, provision) is a family with
	// the one verb "".
	cmd, single := fam[""]
	name, rest := args[0], args[1:]
	if !single {
		if len(args) < 2 || args[1] == "-h" || args[1] == "--help" || args[1] == "help" {
			familyUsage(stderr, args[0])
			if len(args) < 2 {
				return 2
			}
			return 0
		}
		var ok bool
		if cmd, ok = fam[args[1]]; !ok {
			fmt.Fprintf(stderr, "kioskctl: unknown command %q %q\n", args[0], args[1])
			familyUsage(stderr, args[0])
			return 2
		}
		name, rest = args[0]+" "+args[1], args[2:]
	}
	verbArgs, err := normalize(cmd, name, globals, rest)
	if err != nil {
		fmt.Fprintf(stderr, "kioskctl %s: %v\n", name, err)
		return 2
	}
	useTerminalLocks(verbArgs) // selftest.go: the ports the running kiosk holds are refused
	if err := cmd.run(ctx, verbArgs, stdout, stderr); errors.Is(err, flag.ErrHelp) {
		return 0 // -h: the flag set printed the usage
	} else if err != nil {
		fmt.Fprintf(stderr, "kioskctl %s: %v\n", name, err)
		var e *exitError
		if errors.As(err, &e) {
			return e.code
		}
		return terminal.ExitCode(err)
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kioskctl [--config FILE] [--data DIR] [--key FILE] [--json] FAMILY VERB [flags] [args]")
	var names []string
	for f := range families {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		verbLines(w, f)
	}
	fmt.Fprintln(w, `
Global flags (before or after FAMILY VERB; each applies to the verbs that have it):
  --config FILE  the kiosk's configuration (default `+defaultConfigPath+` when present):
                 the store, key and platform are resolved exactly as the kiosk does
  --data DIR     the state directory, over the configuration's store.data_dir
  --key FILE     the store key file
  --json         machine-readable output
Durations take Go syntax (90s, 2m) or bare seconds (30).

Exit status:
  0   success
  1   other error
  2   usage, or a bad configuration`)
	fmt.Fprintln(w, "  3   queue: no such application; sync now: applications left unsent")
	for _, c := range terminal.ExitCodes[1:] {
		fmt.Fprintf(w, "  %-3d %s\n", c.Class.ExitCode(), c.Meaning)
	}
	fmt.Fprintln(w, "\nRun 'kioskctl help FAMILY' for one family, 'kioskctl FAMILY VERB -h' for the flags of one command,\n'kioskctl completion bash' for shell completion.")
}

func verbLines(w io.Writer, f string) {
	var verbs []string
	for v := range families[f] {
		verbs = append(verbs, v)
	}
	sort.Strings(verbs)
	for _, v := range verbs {
		fmt.Fprintf(w, "  %-28s %s\n", f+" "+v, families[f][v].summary)
	}
}

// familyUsage prints one family's verbs and each verb's flags.
func familyUsage(w io.Writer, f string) {
	if _, single := families[f][""]; single {
		fmt.Fprintf(w, "usage: kioskctl %s [flags]\n", f)
	} else {
		fmt.Fprintf(w, "usage: kioskctl %s VERB [flags] [args]\n", f)
	}
	verbLines(w, f)
	var verbs []string
	for v := range families[f] {
		verbs = append(verbs, v)
	}
	sort.Strings(verbs)
	for _, v := range verbs {
		fmt.Fprintf(w, "\nkioskctl %s:\n", strings.TrimSpace(f+" "+v))
		var b strings.Builder
		families[f][v].run(context.Background(), []string{"-h"}, io.Discard, &b)
		for _, l := range strings.Split(strings.TrimRight(b.String(), "\n"), "\n") {
			if strings.HasPrefix(l, "Usage of") {
				continue
			}
			fmt.Fprintln(w, l)
		}
	}
}
