package provision

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/bianmin/kiosk/app/provisioning"
	"github.com/bianmin/kiosk/cmd/internal/config"
)

// The first-boot wizard's path to provisioning: the kiosk (user bianmin)
// cannot write /etc/bianmin-kiosk, so it writes a request into its state
// directory (provisioning.Dir), and bianmin-kiosk-provision.path starts
// kioskctl provision --from-request as root, which checks the file
// (ReadRequest), runs the same core as kioskctl provision and writes the
// result back (WriteResult) after every step.

// ErrRequestRefused is a request file the privileged step will not act on.
var ErrRequestRefused = errors.New("provision request refused")

// ErrProvisioned is a request arriving at a terminal that is already
// provisioned: the wizard is for first boot only, re-provisioning is the
// technician's (kioskctl provision --force, as root).
var ErrProvisioned = errors.New("this terminal is already provisioned")

func refused(zh, format string, a ...any) error {
	return &Error{StatusUsage, fmt.Errorf("%w: %s: %s", ErrRequestRefused, zh, fmt.Sprintf(format, a...))}
}

// ReadRequest opens and checks the request at path on behalf of root: a
// regular file (not a symbolic link, one link), owned by owner (the service
// user: the owner of the state directory) with no group or other
// permission bits, in a directory owned by owner or root that nobody else
// may write, at most provisioning.MaxRequest bytes, strict JSON with only
// the request's keys, every field valid. The checks are made on the opened
// file, so a file swapped after the check is not the one read.
func ReadRequest(path string, owner int) (provisioning.Request, error) {
	var r provisioning.Request
	dir := filepath.Dir(path)
	di, err := os.Lstat(dir)
	if err != nil {
		return r, refused("开通请求目录不存在", "%v", err)
	}
	dst, ok := di.Sys().(*syscall.Stat_t)
	if !di.IsDir() || !ok {
		return r, refused("开通请求目录不是目录", "%s is not a directory", dir)
	}
	if (int(dst.Uid) != owner && dst.Uid != 0) || di.Mode().Perm()&0o022 != 0 {
		return r, refused("开通请求目录的属主或权限不对", "%s: owner %d mode %04o (want owner %d or root, not group/other writable)", dir, dst.Uid, di.Mode().Perm(), owner)
	}
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return r, refused("开通请求文件无法打开（不能是符号链接）", "%s: %v", path, err)
	}
	fh := os.NewFile(uintptr(fd), path)
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return r, refused("开通请求文件无法读取", "%v", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.Mode().IsRegular() || !ok:
		return r, refused("开通请求不是普通文件", "%s: %s", path, fi.Mode().Type())
	case st.Nlink != 1:
		return r, refused("开通请求文件有多个硬链接", "%s: %d links", path, st.Nlink)
	case int(st.Uid) != owner:
		return r, refused("开通请求文件的属主不对", "%s: owner %d, want %d (the kiosk's user)", path, st.Uid, owner)
	case fi.Mode().Perm()&0o077 != 0:
		return r, refused("开通请求文件的权限不对（应为 0600）", "%s: mode %04o, want 0600", path, fi.Mode().Perm())
	case fi.Size() > provisioning.MaxRequest:
		return r, refused("开通请求文件过大", "%s: %d bytes", path, fi.Size())
	}
	b, err := io.ReadAll(io.LimitReader(fh, provisioning.MaxRequest+1))
	if err != nil {
		return r, refused("开通请求文件无法读取", "%v", err)
	}
	if len(b) > provisioning.MaxRequest {
		return r, refused("开通请求文件过大", "%s", path)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, refused("开通请求格式不对（含不允许的项）", "%v", err)
	}
	if dec.More() {
		return r, refused("开通请求格式不对", "data after the request")
	}
	if r.Version != provisioning.Version {
		return r, refused("开通请求版本不对", "version %d, want %d", r.Version, provisioning.Version)
	}
	if r.ID == "" {
		return r, refused("开通请求缺少编号", "no id")
	}
	if errs := r.CheckRetry(); len(errs) > 0 {
		return r, refused("开通信息有误："+errs[0].Message, "%s: %s", errs[0].Field, errs[0].Message)
	}
	if r.PlatformCA != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(r.PlatformCA)) {
		return r, refused("平台 CA 证书不是 PEM 格式的证书", "platform_ca")
	}
	return r, nil
}

// Apply puts a checked request's fields into o (identity, station,
// platform, enrollment code); everything else stays the unit's.
func (o *Options) Apply(r provisioning.Request) {
	o.StationCode, o.StationName, o.TerminalNo, o.Division = r.StationCode, r.StationName, r.Terminal, r.Division
	o.Address, o.Platform, o.Code = r.Address, r.Platform, r.Code
	o.PlatformCA, o.PlatformCAPEM = "", nil
	if r.PlatformCA != "" {
		o.PlatformCAPEM = []byte(r.PlatformCA)
	}
}

// Owner is the uid owning dir: the service user owning the state directory.
func Owner(dir string) (int, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return 0, fmt.Errorf("provision: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, fmt.Errorf("provision: %s: no owner", dir)
	}
	return int(st.Uid), nil
}

// WriteResult replaces dir/result.json atomically (0644: the kiosk reads it).
func WriteResult(dir string, r provisioning.Result) error {
	r.Updated = time.Now().UTC()
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("provision: result: %w", err)
	}
	return writeFileAtomic0(filepath.Join(dir, provisioning.ResultFile), append(b, '\n'), 0o644)
}

// WriteRequest writes the wizard's request into dir atomically, 0600 (the
// kiosk side). The directory is made 0700 when absent.
func WriteRequest(dir string, r provisioning.Request) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("provision request: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("provision request: %w", err)
	}
	return writeFileAtomic0(filepath.Join(dir, provisioning.RequestFile), append(b, '\n'), 0o600)
}

// Unprovisioned reports why cfg is not a provisioned terminal, or nil when
// it is. Provisioned means what kioskctl provision leaves behind: a
// production configuration whose platform certificate and key (cert_file,
// key_file) load as a pair, are valid now and name this terminal
// (station code-terminal). A provisioned terminal whose other files are
// damaged (the catalogue key, the store key) is out of service, not
// unprovisioned. A simulated configuration is never unprovisioned.
func Unprovisioned(cfg config.Config) error {
	if cfg.Simulated() {
		return nil
	}
	p := cfg.Platform
	if p.CertFile == "" || p.KeyFile == "" {
		return errors.New("no terminal certificate configured (platform.cert_file, platform.key_file)")
	}
	pair, err := tls.LoadX509KeyPair(p.CertFile, p.KeyFile)
	if err != nil {
		return fmt.Errorf("no terminal certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return fmt.Errorf("terminal certificate: %w", err)
	}
	if now := time.Now(); now.After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		return fmt.Errorf("the terminal certificate is valid %s to %s only", leaf.NotBefore.Format(time.DateOnly), leaf.NotAfter.Format(time.DateOnly))
	}
	if want := cfg.Station.Code + "-" + cfg.Station.Terminal; leaf.Subject.CommonName != want {
		return fmt.Errorf("the terminal certificate is for %s, not %s", leaf.Subject.CommonName, want)
	}
	return nil
}

// ResultOf is the Result a failed or finished Run leaves: its steps and, on
// failure, the failed step's Chinese reason.
func ResultOf(res provisioning.Result, err error) provisioning.Result {
	if err == nil {
		res.State = provisioning.StateSucceeded
		return res
	}
	res.State = provisioning.StateFailed
	res.Detail = err.Error()
	for _, s := range res.Steps { // the first failed step says why
		if s.State == provisioning.StateFailed {
			res.Reason = s.Title + "：" + s.Reason
			break
		}
	}
	if res.Reason == "" {
		res.Reason = "开通失败：" + provisioning.Zh(err)
	}
	for i := range res.Steps { // a step cut off by the failure
		if res.Steps[i].State == provisioning.StateRunning {
			res.Steps[i].State = provisioning.StateFailed
		}
	}
	return res
}

// Wizard is the kiosk's side of the request file, for the touchscreen's
// first-boot wizard (screens.Provisioner): it writes the request into Dir
// (the state directory's provisioning.Dir) and reads the result the
// privileged step writes beside it.
type Wizard struct {
	Dir string
	// OnRestart restarts the kiosk into the provisioned configuration.
	OnRestart func()
}

// Submit replaces any earlier request and result with r.
func (w *Wizard) Submit(ctx context.Context, r provisioning.Request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.Remove(filepath.Join(w.Dir, provisioning.ResultFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("provision request: %w", err)
	}
	return WriteRequest(w.Dir, r)
}

// Result is the privileged step's result for request id, or
// provisioning.ErrNoResult while it has written none for it.
func (w *Wizard) Result(ctx context.Context, id string) (provisioning.Result, error) {
	var r provisioning.Result
	if err := ctx.Err(); err != nil {
		return r, err
	}
	b, err := os.ReadFile(filepath.Join(w.Dir, provisioning.ResultFile))
	if errors.Is(err, fs.ErrNotExist) {
		return r, provisioning.ErrNoResult
	}
	if err != nil {
		return r, fmt.Errorf("provision result: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("provision result: %w", err)
	}
	if r.RequestID != id && r.RequestID != "" {
		return r, provisioning.ErrNoResult // an older request's
	}
	if r.RequestID == "" && !r.Done() {
		return r, provisioning.ErrNoResult
	}
	return r, nil
}

// LoadCA reads the platform's CA certificate (PEM) from path, e.g. the
// technician's USB stick.
func (w *Wizard) LoadCA(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("platform CA: %w", err)
	}
	if !fi.Mode().IsRegular() || fi.Size() > provisioning.MaxRequest/2 {
		return "", fmt.Errorf("platform CA %s: not a certificate file", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("platform CA: %w", err)
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return "", fmt.Errorf("platform CA %s: no PEM certificate", path)
	}
	return string(b), nil
}

// Restart asks for the restart into the provisioned configuration.
func (w *Wizard) Restart() {
	if w.OnRestart != nil {
		w.OnRestart()
	}
}
