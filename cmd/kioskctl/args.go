package main

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
)

// Command lines the way technicians type them: global flags before the
// family (kioskctl --data D queue list) or after the verb, flags after the
// positional arguments (queue show ID --json), durations as bare seconds
// (--timeout 30). Each verb keeps its own flag.FlagSet; what a verb accepts
// is read from the usage its flag set prints for -h, so that a family needs
// nothing beyond register to take part.

// globalFlags are accepted anywhere; the value-less one is a bool.
var globalFlags = map[string]bool{"config": true, "data": true, "key": true, "json": false}

type globalArg struct{ name, value string }

// splitGlobals takes the global flags in front of the family off args.
func splitGlobals(args []string) ([]globalArg, []string, error) {
	var out []globalArg
	for len(args) > 0 {
		name, value, hasValue, ok := flagToken(args[0])
		if !ok {
			break
		}
		takesValue, global := globalFlags[name]
		if !global {
			if name == "h" || name == "help" {
				break
			}
			return nil, nil, fmt.Errorf("--%s before the command: only --config, --data, --key and --json go there", name)
		}
		args = args[1:]
		if takesValue && !hasValue {
			if len(args) == 0 {
				return nil, nil, fmt.Errorf("--%s needs a value", name)
			}
			value, args = args[0], args[1:]
		} else if !takesValue && !hasValue {
			value = "true"
		}
		out = append(out, globalArg{name, value})
	}
	return out, args, nil
}

// flagToken splits "-x", "--x" and "--x=v".
func flagToken(a string) (name, value string, hasValue, ok bool) {
	if len(a) < 2 || a[0] != '-' || a == "--" {
		return "", "", false, false
	}
	n := strings.TrimLeft(a, "-")
	if n == "" || len(a)-len(n) > 2 {
		return "", "", false, false
	}
	if i := strings.IndexByte(n, '='); i >= 0 {
		return n[:i], n[i+1:], true, true
	}
	return n, "", false, true
}

// flagKind is what a verb's flag takes.
type flagKind int

const (
	kindBool flagKind = iota
	kindValue
	kindDuration
)

var flagLine = regexp.MustCompile(`^  -([^\s=]+)(?: (\S+))?`)

// verbFlags asks the verb for its flags (its -h usage). Cheap: every verb
// parses its flags before doing anything.
func verbFlags(cmd command) map[string]flagKind {
	var b strings.Builder
	cmd.run(context.Background(), []string{"-h"}, io.Discard, &b)
	out := map[string]flagKind{}
	for _, l := range strings.Split(b.String(), "\n") {
		m := flagLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		switch {
		case m[2] == "":
			out[m[1]] = kindBool
		case m[2] == "duration":
			out[m[1]] = kindDuration
		default:
			out[m[1]] = kindValue
		}
	}
	return out
}

var bareSeconds = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)

// normalize puts the verb's arguments in the order flag.FlagSet wants them:
// the global flags given before the family, then every flag (durations in
// bare seconds made "30s"), then the positional arguments after "--". A
// global flag the verb does not have is an error rather than ignored.
func normalize(cmd command, name string, globals []globalArg, args []string) ([]string, error) {
	kinds := verbFlags(cmd)
	var flags, pos []string
	add := func(n, v string, hasValue bool) error {
		k, ok := kinds[n]
		if !ok {
			if _, global := globalFlags[n]; global {
				return fmt.Errorf("--%s does not apply to %q (see 'kioskctl %s -h')", n, name, name)
			}
			flags = append(flags, "--"+n) // the flag set reports it
			if hasValue {
				flags[len(flags)-1] += "=" + v
			}
			return nil
		}
		if k == kindDuration && bareSeconds.MatchString(v) {
			v += "s"
		}
		if hasValue || k != kindBool {
			flags = append(flags, "--"+n+"="+v)
		} else {
			flags = append(flags, "--"+n)
		}
		return nil
	}
	for _, g := range globals {
		if err := add(g.name, g.value, globalFlags[g.name]); err != nil {
			return nil, err
		}
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			pos = append(pos, args[i+1:]...)
			break
		}
		n, v, hasValue, ok := flagToken(a)
		if !ok {
			pos = append(pos, a)
			continue
		}
		if n == "h" || n == "help" {
			return []string{"-h"}, nil
		}
		if k, known := kinds[n]; known && k != kindBool && !hasValue {
			if i+1 >= len(args) {
				return nil, fmt.Errorf("flag needs an argument: --%s", n)
			}
			i++
			v, hasValue = args[i], true
		}
		if err := add(n, v, hasValue); err != nil {
			return nil, err
		}
	}
	if len(pos) > 0 {
		flags = append(append(flags, "--"), pos...)
	}
	return flags, nil
}

// complete answers the bash completion script: the words that may follow
// the command line typed so far (families, verbs, then the verb's flags).
func complete(w io.Writer, words []string) {
	_, words, _ = splitGlobals(words)
	var cands []string
	switch len(words) {
	case 0, 1:
		for f := range families {
			cands = append(cands, f)
		}
		cands = append(cands, "help", "completion")
		for g := range globalFlags {
			cands = append(cands, "--"+g)
		}
	case 2:
		if words[0] == "help" {
			for f := range families {
				cands = append(cands, f)
			}
		} else if words[0] == "completion" {
			cands = append(cands, "bash")
		}
		if cmd, single := families[words[0]][""]; single { // a one-word command: its flags
			for f := range verbFlags(cmd) {
				cands = append(cands, "--"+f)
			}
			break
		}
		for v := range families[words[0]] {
			cands = append(cands, v)
		}
	default:
		cmd, ok := families[words[0]][words[1]]
		if single, one := families[words[0]][""]; one {
			cmd, ok = single, true
		}
		if ok {
			for f := range verbFlags(cmd) {
				cands = append(cands, "--"+f)
			}
		}
	}
	sort.Strings(cands)
	for _, c := range cands {
		fmt.Fprintln(w, c)
	}
}

// bashCompletion is printed by `kioskctl completion bash`; packaging installs
// it as /usr/share/bash-completion/completions/kioskctl.
const bashCompletion = `# bash completion for kioskctl (kioskctl completion bash)
_kioskctl() {
	local cur=${COMP_WORDS[COMP_CWORD]}
	local words=("${COMP_WORDS[@]:1:COMP_CWORD}")
	COMPREPLY=($(compgen -W "$(kioskctl __complete "${words[@]}" 2>/dev/null)" -- "$cur"))
}
complete -o default -F _kioskctl kioskctl
`
