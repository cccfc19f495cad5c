// Command mustdie applies each must-die mutation (a small source change
// that breaks a promise: remove an fsync, send twice, skip the completion
// receipt check, store plaintext, ignore the frame checksum, print on
// paper-out) to a copy of the work tree, runs the test named to catch it and
// fails if that test passes: a promise no test guards is a bug. The work
// tree itself is never touched; each mutation is reverted in the copy
// before the next. `make test` runs it (packaging/scripts/mustdie.sh).
//
// Usage: go run ./packaging/scripts/mustdie [-only NAME] [-keep]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// mutant is one must-die mutation: replace Old (exactly once) with New in
// File; then `go test -run Test Pkg` must fail.
type mutant struct {
	Name     string
	File     string
	Old, New string
	Pkg      string
	Test     string
}

var mutants = []mutant{
	{
		Name: "remove the attachment file fsync",
		File: "offline/queue.go",
		Old:  "\terr := f.Sync()\n",
		New:  "\tvar err error\n",
		Pkg:  "./offline/", Test: "^TestPowerCut$",
	},
	{
		Name: "remove the instance directory fsync after its files",
		File: "offline/queue.go",
		Old:  "\tif err := syncDir(dir); err != nil {\n\t\treturn fail(fmt.Errorf(\"sync attachments: %w\", err))\n\t}\n",
		New:  "",
		Pkg:  "./offline/", Test: "^TestDurabilityOrder$",
	},
	{
		Name: "remove the directory fsync after mkdir",
		File: "offline/queue.go",
		Old:  "\t\tif err := syncDir(s.attDir); err != nil {\n\t\t\treturn fail(fmt.Errorf(\"sync attachments/: %w\", err))\n\t\t}\n",
		New:  "",
		Pkg:  "./offline/", Test: "^TestDurabilityOrder$",
	},
	{
		Name: "store plaintext (sealing is the identity)",
		File: "offline/seal.go",
		Old:  "func (s *sealer) seal(plain, ad []byte) []byte {\n",
		New:  "func (s *sealer) seal(plain, ad []byte) []byte {\n\tif len(ad) > 0 {\n\t\treturn append(append([]byte(nil), plain...), ad...)\n\t}\n",
		Pkg:  "./offline/", Test: "^TestNoPlaintextAtRest$",
	},
	{
		Name: "send every application twice (a second copy under another instance ID)",
		File: "sync/relay/relay.go",
		Old:  "\t_, err := r.p.PutApplication(ctx, a)\n\tr.observe(err)\n",
		New:  "\t_, err := r.p.PutApplication(ctx, a)\n\tif err == nil {\n\t\tdup := *a\n\t\tdup.InstanceID = a.InstanceID[:len(a.InstanceID)-4] + \"d0d0\"\n\t\t_, err = r.p.PutApplication(ctx, &dup)\n\t}\n\tr.observe(err)\n",
		Pkg:  "./sync/relay/", Test: "^TestDrainSubmitsEverything$",
	},
	{
		Name: "accept any completion receipt",
		File: "sync/relay/relay.go",
		Old:  "func confirm(a *kiosk.Application, res *api.CompleteResult) error {\n",
		New:  "func confirm(a *kiosk.Application, res *api.CompleteResult) error {\n\tif a != nil {\n\t\treturn nil\n\t}\n",
		Pkg:  "./sync/relay/", Test: "^(TestConfirmChecksEveryReceiptField|TestFaultScenarios|TestCaptivePortalNeverSubmits)$",
	},
	{
		Name: "emulator stores uploaded attachments plaintext (tusd's plain filestore)",
		File: "sync/platformsim/server.go",
		Old:  "\tuseStore(comp, sealedStore{fs: filestore.New(up), s: s})\n",
		New:  "\tcomp.UseCore(filestore.New(up))\n\tcomp.UseTerminater(filestore.New(up))\n",
		Pkg:  "./sync/platformsim/", Test: "^TestAttachmentsSealedAtRest$",
	},
	{
		Name: "ignore the ID-card frame checksum",
		File: "devices/idcard/frame.go",
		Old:  "\t\tif xor(frame[5:len(frame)-1]) != frame[len(frame)-1] {\n",
		New:  "\t\tif false && xor(frame[5:len(frame)-1]) != frame[len(frame)-1] {\n",
		Pkg:  "./devices/idcard/", Test: "^TestReceiver$",
	},
	{
		Name: "print on paper-out (no status check before the job)",
		File: "devices/printer/escpos_printer.go",
		Old:  "\tif !CanPrint(st.State) {\n\t\treturn &StateError{Status: st}\n\t}\n\tif n, err := writeCtx(ctx, p.rw, data); err != nil {\n",
		New:  "\tif n, err := writeCtx(ctx, p.rw, data); err != nil {\n",
		Pkg:  "./devices/printer/", Test: "^TestESCPOSScenarios$",
	},
	{
		Name: "emulator signs a CSR without checking its signature (no proof of possession)",
		File: "sync/platformsim/enroll.go",
		Old:  "\tif err := csr.CheckSignature(); err != nil {\n",
		New:  "\tif err := error(nil); err != nil {\n",
		Pkg:  "./sync/platformsim/", Test: "^TestEnrollRefusals$",
	},
	{
		Name: "open a serial port another process holds (no port lock)",
		File: "devices/serialport/serialport.go",
		Old:  "\tlk, err := lockPort(c.Path)\n",
		New:  "\tlk, err := (*portLock)(nil), error(nil)\n",
		Pkg:  "./devices/serialport/", Test: "^(TestSecondOpenIsRefused|TestOtherProcessHoldsThePort)$",
	},
	{
		Name: "replace the configuration before validating it",
		File: "cmd/internal/provision/provision.go",
		Old:  "\tif validate != nil {\n\t\tif err := validate(name); err != nil {\n",
		New:  "\tif validate != nil {\n\t\tos.Rename(name, path)\n\t\tif err := validate(path); err != nil {\n",
		Pkg:  "./cmd/internal/provision/", Test: "^TestWriteConfigAtomic$",
	},
	{
		Name: "accept a technician QR code without checking its signature",
		File: "app/auth/techqr.go",
		Old:  "\tif !ed25519.Verify(pub, signed, sig) {\n",
		New:  "\tif !ed25519.Verify(pub, signed, sig) && false {\n",
		Pkg:  "./app/auth/", Test: "^TestTechQRRefusals$",
	},
	{
		Name: "accept an expired technician QR code",
		File: "app/auth/techqr.go",
		Old:  "\tcase !now.Before(exp):\n",
		New:  "\tcase false:\n",
		Pkg:  "./app/auth/", Test: "^TestTechQRValidityEdges$",
	},
	{
		Name: "accept a technician QR code issued for another terminal",
		File: "app/auth/techqr.go",
		Old:  "\tif !c.covers(v.target()) {\n",
		New:  "\tif false {\n",
		Pkg:  "./app/auth/", Test: "^TestTechQRRefusals$",
	},
	{
		Name: "keep technician QR nonces in memory only (a replay after a restart opens admin mode)",
		File: "app/auth/techqr.go",
		Old:  "\tif err := WriteFileSync(n.path, out, 0o600); err != nil {\n",
		New:  "\tif err := error(nil); out == nil {\n",
		Pkg:  "./cmd/internal/terminal/", Test: "^TestTechnicianQROnTheTerminal$",
	},
	{
		Name: "diagnostics bundle logs without the personal-data filter",
		File: "cmd/internal/diag/logs.go",
		Old:  "\t\t\t\tif d != \"\" && strings.Contains(s, d) {\n",
		New:  "\t\t\t\tif false && strings.Contains(s, d) {\n",
		Pkg:  "./cmd/kioskctl/", Test: "^TestDiagBundleHasNoPersonalData$",
	},
}

func main() {
	only := flag.String("only", "", "run only the mutants whose name contains this")
	keep := flag.Bool("keep", false, "keep the copy of the tree")
	timeout := flag.Duration("timeout", 10*time.Minute, "limit for one mutant's test run")
	flag.Parse()
	root, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	tmp, err := os.MkdirTemp("", "mustdie-")
	if err != nil {
		fail(err)
	}
	if !*keep {
		defer os.RemoveAll(tmp)
	}
	if err := copyTree(root, tmp); err != nil {
		fail(err)
	}
	survived, run := 0, 0
	for _, m := range mutants {
		if *only != "" && !strings.Contains(m.Name, *only) {
			continue
		}
		run++
		killed, out, err := try(tmp, m, *timeout)
		switch {
		case err != nil:
			fmt.Printf("mustdie: ERROR    %s: %v\n", m.Name, err)
			survived++
		case killed:
			fmt.Printf("mustdie: killed   %s (by %s %s)\n", m.Name, m.Pkg, m.Test)
		default:
			fmt.Printf("mustdie: SURVIVED %s: %s %s passes with it\n%s\n", m.Name, m.Pkg, m.Test, tail(out, 20))
			survived++
		}
	}
	fmt.Printf("mustdie: %d mutants, %d killed, %d survived\n", run, run-survived, survived)
	if survived > 0 {
		os.Exit(1)
	}
}

// try applies m in the copy, runs its test and restores the file.
func try(tree string, m mutant, timeout time.Duration) (killed bool, out []byte, err error) {
	path := filepath.Join(tree, filepath.FromSlash(m.File))
	orig, err := os.ReadFile(path)
	if err != nil {
		return false, nil, err
	}
	if n := bytes.Count(orig, []byte(m.Old)); n != 1 {
		return false, nil, fmt.Errorf("%s: the code to mutate occurs %d times, want 1: update packaging/scripts/mustdie with the code", m.File, n)
	}
	defer os.WriteFile(path, orig, 0o644)
	if err := os.WriteFile(path, bytes.Replace(orig, []byte(m.Old), []byte(m.New), 1), 0o644); err != nil {
		return false, nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-run", m.Test, m.Pkg)
	cmd.Dir = tree
	out, err = cmd.CombinedOutput()
	if ctx.Err() != nil {
		return false, out, fmt.Errorf("test run timed out after %v", timeout)
	}
	if err == nil {
		return false, out, nil
	}
	if bytes.Contains(out, []byte("[build failed]")) || bytes.Contains(out, []byte("[setup failed]")) {
		return false, out, fmt.Errorf("the mutant does not compile:\n%s", tail(out, 10))
	}
	if !bytes.Contains(out, []byte("--- FAIL")) {
		return false, out, fmt.Errorf("go test failed without a failing test:\n%s", tail(out, 10))
	}
	return true, out, nil
}

// copyTree copies the files git knows of (tracked and untracked, not
// ignored) so that the mutants run on the work tree as it is.
func copyTree(root, dst string) error {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %w", err)
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if f == "" {
			continue
		}
		src := filepath.Join(root, f)
		st, err := os.Lstat(src)
		if err != nil {
			continue // deleted in the work tree
		}
		if !st.Mode().IsRegular() {
			continue
		}
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		d := filepath.Join(dst, f)
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(d, b, st.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mustdie:", err)
	os.Exit(2)
}
