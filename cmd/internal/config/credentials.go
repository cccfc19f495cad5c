package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/bianmin/kiosk/app/auth"
)

// Admin is the technicians' admin mode on the touchscreen. Without a
// pin_hash admin mode cannot be entered: there is no default PIN.
type Admin struct {
	// PINHash is the argon2id hash of the technician PIN
	// (kioskctl admin set-pin writes it).
	PINHash string `toml:"pin_hash"`
	// IdleTimeout ends admin mode after this long without a tap
	// (default 2 min).
	IdleTimeout Duration `toml:"idle_timeout"`
	// TechnicianKeysFile is the province's trust file: one or more ed25519
	// public keys (PEM, kioskctl admin qr-keygen writes one) that sign
	// technician QR codes. Empty: technician QR codes are refused.
	TechnicianKeysFile string `toml:"technician_keys_file"`
}

// Idle is the admin mode's inactivity timeout.
func (a Admin) Idle() time.Duration {
	if a.IdleTimeout.Duration <= 0 {
		return 2 * time.Minute
	}
	return a.IdleTimeout.Duration
}

// StaffMember is one assisting agent (帮办代办) allowed on this terminal
// (kioskctl staff set-pin writes it).
type StaffMember struct {
	Number  string `toml:"number"` // 工号
	Name    string `toml:"name"`
	PINHash string `toml:"pin_hash"`
}

// Credentials returns the hashes the authenticator checks.
func (c *Config) Credentials() auth.Credentials {
	out := auth.Credentials{AdminPINHash: c.Admin.PINHash}
	for _, s := range c.Staff {
		out.Staff = append(out.Staff, auth.Staff{Number: s.Number, Name: s.Name, PINHash: s.PINHash})
	}
	return out
}

// staffNumber: digits, as the manual identity screen's keypad types them.
var staffNumber = regexp.MustCompile(`^[0-9]{2,16}$`)

func (c *Config) validateCredentials(bad func(string, ...any)) {
	if h := c.Admin.PINHash; h != "" {
		if err := auth.ValidHash(h); err != nil {
			bad("admin pin_hash: %v (set it with kioskctl admin set-pin)", err)
		}
	}
	if d := c.Admin.IdleTimeout.Duration; d != 0 && (d < 15*time.Second || d > 30*time.Minute) {
		bad("admin idle_timeout must be between 15s and 30m")
	}
	seen := map[string]bool{}
	for i, s := range c.Staff {
		if !staffNumber.MatchString(s.Number) {
			bad("staff %d: number %q must be 2 to 16 digits (the touchscreen types digits)", i+1, s.Number)
		}
		if seen[s.Number] {
			bad("staff number %q appears twice", s.Number)
		}
		seen[s.Number] = true
		if err := auth.ValidHash(s.PINHash); err != nil {
			bad("staff %s pin_hash: %v (set it with kioskctl staff set-pin)", s.Number, err)
		}
	}
}

// SetAdminPINHash writes the admin PIN hash into the configuration file at
// path, keeping every other line (and comment) as it is, and replaces the
// file atomically after checking that the result still parses and
// validates.
func SetAdminPINHash(path, hash string) error {
	return editFile(path, func(lines []string) []string {
		start, end := section(lines, "[admin]")
		if start < 0 {
			return append(trimTail(lines), "", "[admin]", "pin_hash = "+strconv.Quote(hash))
		}
		return setKey(lines, start, end, "pin_hash", strconv.Quote(hash))
	})
}

// SetStaff adds the staff member or, when the number is already there,
// replaces its name and PIN hash, in the file at path (as SetAdminPINHash).
func SetStaff(path string, m StaffMember) error {
	return editFile(path, func(lines []string) []string {
		if start, end := staffBlock(lines, m.Number); start >= 0 {
			lines = setKey(lines, start, end, "name", strconv.Quote(m.Name))
			start, end = staffBlock(lines, m.Number)
			return setKey(lines, start, end, "pin_hash", strconv.Quote(m.PINHash))
		}
		return append(trimTail(lines), "", "[[staff]]", "number = "+strconv.Quote(m.Number),
			"name = "+strconv.Quote(m.Name), "pin_hash = "+strconv.Quote(m.PINHash))
	})
}

// RemoveStaff removes the staff member with that number from the file.
func RemoveStaff(path, number string) error {
	found := false
	err := editFile(path, func(lines []string) []string {
		start, end := staffBlock(lines, number)
		if start < 0 {
			return lines
		}
		found = true
		return append(lines[:start:start], lines[end:]...)
	})
	if err == nil && !found {
		return fmt.Errorf("config: no staff number %q in %s", number, path)
	}
	return err
}

func editFile(path string, edit func([]string) []string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(b) == 0 {
		lines = nil
	}
	out := []byte(strings.Join(edit(lines), "\n") + "\n")
	if err := checkEdited(out); err != nil {
		return fmt.Errorf("config: the edited file would not load: %w", err)
	}
	if bytes.Equal(out, b) {
		return nil
	}
	return auth.WriteFileSync(path, out, st.Mode().Perm())
}

// checkEdited decodes the edited file strictly and validates its
// credentials (the rest of the file is the provisioner's business, and may
// be incomplete while a terminal is being set up).
func checkEdited(b []byte) error {
	c := Default()
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(&c)
	if err != nil {
		return err
	}
	if un := md.Undecoded(); len(un) > 0 {
		return fmt.Errorf("unknown keys: %v", un)
	}
	var errs []error
	c.validateCredentials(func(f string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+f, append([]any{ErrInvalid}, a...)...))
	})
	return errors.Join(errs...)
}

func header(l string) string {
	t := strings.TrimSpace(l)
	if i := strings.Index(t, "#"); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	if strings.HasPrefix(t, "[") {
		return strings.ReplaceAll(t, " ", "")
	}
	return ""
}

// section returns the line range [start, end) of the first table with this
// header (start is the header line), or -1.
func section(lines []string, h string) (int, int) {
	for i, l := range lines {
		if header(l) == h {
			j := i + 1
			for j < len(lines) && header(lines[j]) == "" {
				j++
			}
			return i, j
		}
	}
	return -1, -1
}

var keyLine = regexp.MustCompile(`^\s*([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*$`)

func staffBlock(lines []string, number string) (int, int) {
	for i := 0; i < len(lines); i++ {
		if header(lines[i]) != "[[staff]]" {
			continue
		}
		j := i + 1
		for j < len(lines) && header(lines[j]) == "" {
			j++
		}
		for _, l := range lines[i+1 : j] {
			if m := keyLine.FindStringSubmatch(l); m != nil && m[1] == "number" {
				if v, err := strconv.Unquote(m[2]); err == nil && v == number {
					return i, j
				}
			}
		}
		i = j - 1
	}
	return -1, -1
}

// setKey sets key = value inside lines[start:end] (start is the header),
// replacing the key's line or adding one after the header.
func setKey(lines []string, start, end int, key, value string) []string {
	for i := start + 1; i < end; i++ {
		if m := keyLine.FindStringSubmatch(lines[i]); m != nil && m[1] == key {
			lines[i] = key + " = " + value
			return lines
		}
	}
	out := append([]string{}, lines[:start+1]...)
	out = append(out, key+" = "+value)
	return append(out, lines[start+1:]...)
}

func trimTail(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}
