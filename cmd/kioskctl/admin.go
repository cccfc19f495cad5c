package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/bianmin/kiosk/app/auth"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
)

func init() {
	register("admin", "set-pin", "set the technician PIN of the touchscreen's admin mode (read twice from standard input; stored as an argon2id hash)", adminSetPIN)
	register("admin", "status", "show the admin and staff PIN lockouts", adminStatus)
	register("admin", "unlock", "clear the admin and staff PIN lockouts", adminUnlock)
	register("staff", "set-pin", "add a 帮办代办 staff member or change their PIN: staff set-pin NUMBER --name NAME (PIN read twice from standard input)", staffSetPIN)
	register("staff", "remove", "remove a staff member: staff remove NUMBER", staffRemove)
	register("staff", "list", "list the staff numbers allowed on this terminal", staffList)
}

// pinInput is where PINs are read from (tests replace it).
var pinInput io.Reader = os.Stdin

// credFlags are the flags of the PIN verbs: the configuration file they
// edit (it must exist: a simulation without a file has no PINs to keep).
func credFlags(fs *flag.FlagSet) *string {
	return fs.String("config", "", "kiosk configuration file to edit (default: "+defaultConfigPath+")")
}

func credPath(p string) (string, error) {
	if p == "" {
		p = defaultConfigPath
	}
	if _, err := os.Stat(p); err != nil {
		return "", &exitError{2, fmt.Errorf("configuration %s: %w (give --config FILE)", p, err)}
	}
	return p, nil
}

// readNewPIN reads a PIN and its repetition, one a line, and hashes it.
func readNewPIN(stderr io.Writer) (string, error) {
	r := bufio.NewReader(pinInput)
	line := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		s, err := r.ReadString('\n')
		if err != nil && (s == "" || !errors.Is(err, io.EOF)) {
			return "", fmt.Errorf("read PIN: %w", err)
		}
		return strings.TrimSpace(s), nil
	}
	pin, err := line("new PIN (6 to 12 digits): ")
	if err != nil {
		return "", err
	}
	again, err := line("again: ")
	if err != nil {
		return "", err
	}
	if pin != again {
		return "", &exitError{2, errors.New("the two PINs differ")}
	}
	h, err := auth.Hash(pin)
	if err != nil {
		return "", &exitError{2, err}
	}
	return h, nil
}

func parseCred(name string, args []string, stderr io.Writer) (*flag.FlagSet, *string, *string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := credFlags(fs)
	staffName := fs.String("name", "", "the staff member's name, as printed on receipts")
	if err := queueParseFlags(fs, args, stderr); err != nil {
		return nil, nil, nil, err
	}
	return fs, cfg, staffName, nil
}

func adminSetPIN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, cfg, _, err := parseCred("admin set-pin", args, stderr)
	if err != nil {
		return err
	}
	path, err := credPath(*cfg)
	if err != nil {
		return err
	}
	h, err := readNewPIN(stderr)
	if err != nil {
		return err
	}
	if err := config.SetAdminPINHash(path, h); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "admin PIN set in %s (restart the kiosk to use it)\n", path)
	return nil
}

func staffSetPIN(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg, name, err := parseCred("staff set-pin", args, stderr)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 || strings.TrimSpace(*name) == "" {
		return &exitError{2, errors.New("usage: kioskctl staff set-pin NUMBER --name NAME")}
	}
	path, err := credPath(*cfg)
	if err != nil {
		return err
	}
	h, err := readNewPIN(stderr)
	if err != nil {
		return err
	}
	if err := config.SetStaff(path, config.StaffMember{Number: fs.Arg(0), Name: strings.TrimSpace(*name), PINHash: h}); err != nil {
		return &exitError{2, err}
	}
	fmt.Fprintf(stdout, "staff %s set in %s (restart the kiosk to use it)\n", fs.Arg(0), path)
	return nil
}

func staffRemove(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, cfg, _, err := parseCred("staff remove", args, stderr)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return &exitError{2, errors.New("usage: kioskctl staff remove NUMBER")}
	}
	path, err := credPath(*cfg)
	if err != nil {
		return err
	}
	if err := config.RemoveStaff(path, fs.Arg(0)); err != nil {
		return &exitError{2, err}
	}
	fmt.Fprintf(stdout, "staff %s removed from %s\n", fs.Arg(0), path)
	return nil
}

func staffList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, cfg, _, err := parseCred("staff list", args, stderr)
	if err != nil {
		return err
	}
	path, err := credPath(*cfg)
	if err != nil {
		return err
	}
	c, err := config.Load(path)
	if err != nil {
		return err
	}
	for _, s := range c.Staff {
		fmt.Fprintf(stdout, "%s\t%s\n", s.Number, s.Name)
	}
	return nil
}

// lockoutGuard opens the kiosk's lockout file as the kiosk does.
func lockoutGuard(args []string, name string, stderr io.Writer) (*auth.Guard, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	sf := addQueueStoreFlags(fs)
	if err := queueParseFlags(fs, args, stderr); err != nil {
		return nil, err
	}
	if err := sf.resolve(); err != nil {
		return nil, err
	}
	return auth.NewGuard(terminal.LockoutPath(sf.plan.DataDir), auth.DefaultPolicy, nil), nil
}

func adminStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	g, err := lockoutGuard(args, "admin status", stderr)
	if err != nil {
		return err
	}
	for _, role := range []string{auth.RoleAdmin, auth.RoleStaff} {
		rec, err := g.Status(role)
		if err != nil {
			return err
		}
		state := "open"
		if time.Now().Before(rec.LockedUntil) {
			state = "locked until " + rec.LockedUntil.Local().Format(time.DateTime)
		}
		fmt.Fprintf(stdout, "%s\t%d failures\t%s\n", role, rec.Failures, state)
	}
	return nil
}

func adminUnlock(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	g, err := lockoutGuard(args, "admin unlock", stderr)
	if err != nil {
		return err
	}
	if err := g.Clear(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "lockouts cleared")
	return nil
}
