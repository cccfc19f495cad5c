package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bianmin/kiosk/app/provisioning"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/provision"
)

// kioskctl provision: turn a freshly installed terminal into this station's
// terminal, non-interactively (a technician's script gives every flag):
//
//	kioskctl provision --station-code 330106001 --station-name 双流村便民服务站 \
//	  --division 330106013201 --terminal T01 --platform https://zwfw-kiosk.example.gov.cn \
//	  --platform-ca /media/usb/platform-ca.crt --code K7QX-3MPA-9WZE-TT4R \
//	  --idcard auto --printer auto --scanner auto --qr serial:/dev/ttyACM0
//
// or with --interactive (asked line by line), or with --from-request FILE:
// the touchscreen wizard's request, which bianmin-kiosk-provision.path hands
// to this verb as root. The work is cmd/internal/provision's: this file only
// parses the flags, asks, prints, and for a request checks the file and
// writes the result back step by step.

func init() {
	register("provision", "", "set this terminal up: enrollment code → certificate, keys, devices, checks, configuration", provisionCmd)
}

// Exit status of provision when a check failed (the configuration is not written).
const exitProvisionChecks = provision.StatusChecks

type provisionReport = provision.Report

type provisionFlags struct {
	provision.Options
	fromRequest                string
	force, asJSON, interactive bool
	timeout                    time.Duration
}

func provisionCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("provision", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := provisionFlags{Options: provision.Defaults()}
	f.Config = defaultConfigPath
	o := &f.Options
	fs.StringVar(&o.Config, "config", o.Config, "configuration file to write (certificates and keys go beside it)")
	fs.StringVar(&o.Data, "data", o.Data, "the terminal's data directory (store.data_dir)")
	fs.StringVar(&o.Key, "key", "", "store key file (default: store.key beside the configuration); made when absent")
	fs.StringVar(&o.StationCode, "station-code", "", "station code (required)")
	fs.StringVar(&o.StationName, "station-name", "", "station name, e.g. 双流村便民服务站 (required)")
	fs.StringVar(&o.TerminalNo, "terminal", "", "terminal number within the station, e.g. T01 (required)")
	fs.StringVar(&o.Division, "division", "", "12-digit village-level statistics division code (required)")
	fs.StringVar(&o.Address, "address", "", "where the terminal stands (printed on receipts)")
	fs.StringVar(&o.Phone, "phone", o.Phone, "enquiry phone printed on receipts")
	fs.StringVar(&o.Platform, "platform", "", "the province's platform URL, https (required)")
	fs.StringVar(&o.PlatformCA, "platform-ca", "", "CA certificate (PEM) the platform's server certificate chains to; empty: the system's roots")
	fs.StringVar(&o.Code, "code", "", "one-time enrollment code from the province (not needed when this terminal already holds its certificate)")
	fs.StringVar(&o.QueryBase, "query-base", "", "receipt QR tracking page (default: the configuration's)")
	fs.StringVar(&o.IDCard, "idcard", o.IDCard, "ID card reader: auto | none | serial:PORT | usb:VID:PID")
	fs.StringVar(&o.Printer, "printer", o.Printer, "receipt printer: auto | none | serial:PORT | usblp:/dev/usb/lpN | usb:VID:PID")
	fs.StringVar(&o.A4, "a4", o.A4, "A4 printer: auto (the only CUPS queue) | none | QUEUE")
	fs.StringVar(&o.Scanner, "scanner", o.Scanner, "scanner: auto (eSCL by mDNS, then SANE, V4L2) | none | mdns:NAME | escl:URL | sane:DEVICE | v4l2:/dev/videoN")
	fs.StringVar(&o.QR, "qr", o.QR, "QR scanner: none | serial:PORT | evdev:/dev/input/by-id/…-event-kbd (cannot be found by probing)")
	fs.IntVar(&o.Paper, "paper", o.Paper, "receipt paper width in mm (58 or 80)")
	fs.IntVar(&o.DPI, "dpi", o.DPI, "scan resolution")
	fs.StringVar(&o.Ports, "ports", "", "serial ports to probe for auto, comma-separated (default /dev/serial/by-id/*, ttyUSB*, ttyACM*)")
	fs.BoolVar(&o.Voice, "voice", o.Voice, "spoken prompts")
	fs.BoolVar(&f.interactive, "interactive", false, "ask for each required value not given as a flag")
	fs.StringVar(&f.fromRequest, "from-request", "", "act on the touchscreen wizard's request FILE (run as root by bianmin-kiosk-provision.service); the result goes beside it")
	fs.BoolVar(&o.Force, "force", false, "replace this terminal's certificate with a new enrollment (a new --code)")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
	fs.DurationVar(&f.timeout, "timeout", 3*time.Minute, "overall limit")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	if f.fromRequest != "" {
		return fromRequest(ctx, fs, &f, stdout, stderr)
	}
	if f.interactive {
		if err := f.ask(provisionInput, stderr); err != nil {
			return &exitError{2, err}
		}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	rep, err := provision.Run(ctx, f.Options, stderr)
	f.print(stdout, rep)
	return exitOf(err)
}

func (f *provisionFlags) print(stdout io.Writer, rep *provisionReport) {
	if f.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	} else {
		printReport(stdout, rep)
	}
}

// exitOf gives a provisioning error kioskctl's exit status.
func exitOf(err error) error {
	var pe *provision.Error
	if errors.As(err, &pe) {
		return &exitError{pe.Status, err}
	}
	return err
}

// requestOnlyFlags are what a wizard's request gives: with --from-request
// they may not also come from the command line.
var requestOnlyFlags = map[string]bool{"station-code": true, "station-name": true, "terminal": true, "division": true,
	"address": true, "platform": true, "platform-ca": true, "code": true, "force": true, "interactive": true}

// fromRequest acts on the wizard's request: the file is checked (owner: the
// state directory's owner, the kiosk's user; mode 0600; only the request's
// keys) and removed, a terminal already provisioned refuses it, and the
// result (every step, then the outcome with its Chinese reason) is written
// beside it for the wizard to show. Devices, paths and the data directory
// come from this command line (the unit's), never from the request.
func fromRequest(ctx context.Context, fs *flag.FlagSet, f *provisionFlags, stdout, stderr io.Writer) error {
	var clash []string
	fs.Visit(func(fl *flag.Flag) {
		if requestOnlyFlags[fl.Name] {
			clash = append(clash, "--"+fl.Name)
		}
	})
	if len(clash) > 0 {
		return &exitError{2, fmt.Errorf("--from-request: %s come from the request, not the command line", strings.Join(clash, ", "))}
	}
	dir := filepath.Dir(f.fromRequest)
	res := provisioning.Result{State: provisioning.StateRunning}
	write := func() {
		if err := provision.WriteResult(dir, res); err != nil {
			fmt.Fprintf(stderr, "kioskctl provision: %v\n", err)
		}
	}
	finish := func(rep *provisionReport, err error) error {
		res = provision.ResultOf(res, err)
		write()
		if rep != nil {
			f.print(stdout, rep)
		}
		return exitOf(err)
	}
	res.Update(provisioning.Step{Name: "request", Title: "读取开通请求", State: provisioning.StateRunning})
	owner, err := provision.Owner(f.Data)
	if err != nil {
		res.Update(provisioning.Step{Name: "request", Title: "读取开通请求", State: provisioning.StateFailed, Reason: "数据目录不存在", Detail: err.Error()})
		return finish(nil, &exitError{2, err})
	}
	req, err := provision.ReadRequest(f.fromRequest, owner)
	// Read once: the path unit would start again while the file exists.
	if rmErr := os.Remove(f.fromRequest); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		fmt.Fprintf(stderr, "kioskctl provision: %v\n", rmErr)
	}
	res.RequestID = req.ID
	if err != nil {
		res.Update(provisioning.Step{Name: "request", Title: "读取开通请求", State: provisioning.StateFailed, Reason: zhOf(err), Detail: err.Error()})
		return finish(nil, err)
	}
	if cfg, lerr := config.Load(f.Config); lerr == nil && provision.Unprovisioned(cfg) == nil {
		err := &exitError{2, fmt.Errorf("%w (%s): re-provision with kioskctl provision --force as root", provision.ErrProvisioned, cfg.Station.Code+"-"+cfg.Station.Terminal)}
		res.Update(provisioning.Step{Name: "request", Title: "读取开通请求", State: provisioning.StateFailed, Reason: "本终端已开通，不能从触摸屏重新开通（请技术人员以 root 运行 kioskctl provision --force）", Detail: err.Error()})
		return finish(nil, err)
	}
	res.Terminal = req.Identity()
	res.Update(provisioning.Step{Name: "request", Title: "读取开通请求", State: provisioning.StateOK, Reason: req.Identity()})
	write()
	f.Apply(req)
	f.Progress = func(s provisioning.Step) {
		res.Update(s)
		write()
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	rep, err := provision.Run(ctx, f.Options, stderr)
	return finish(rep, err)
}

// zhOf is the Chinese part of a refused request's error.
func zhOf(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, provision.ErrRequestRefused.Error()+": ")
	zh, _, _ := strings.Cut(s, ": ")
	return zh
}

func printReport(w io.Writer, r *provisionReport) {
	fmt.Fprintf(w, "terminal %s\n", r.Terminal)
	if r.Enrolled {
		fmt.Fprintf(w, "enrolled: certificate valid until %s\n", r.NotAfter.Format("2006-01-02"))
	}
	for _, g := range r.Generated {
		fmt.Fprintf(w, "generated %s\n", g)
	}
	for _, d := range r.Devices {
		fmt.Fprintf(w, "device  %-8s %-8s %s %s\n", d.Role, d.Backend, d.Path, d.Note)
	}
	printResults(w, r.Checks)
	if r.Written {
		fmt.Fprintf(w, "configuration written: %s\n", r.Config)
	} else {
		fmt.Fprintf(w, "configuration NOT written (%s)\n", r.Config)
	}
}

// provisionInput is where --interactive reads the answers.
var provisionInput io.Reader = os.Stdin

// ask prompts for each required value left empty, one line each; a
// division code is asked again until it is valid.
func (f *provisionFlags) ask(in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	for _, q := range []struct {
		v        *string
		prompt   string
		valid    func(string) error
		optional bool // asked once; empty is an answer
	}{
		{&f.StationCode, "站点编码 station code", nil, false},
		{&f.StationName, "站点名称 station name", nil, false},
		{&f.TerminalNo, "终端编号 terminal number (T01)", nil, false},
		{&f.Division, "12 位区划代码 division code", provision.ValidDivision, false},
		{&f.Address, "安装地址 address", nil, true},
		{&f.Platform, "平台地址 platform URL (https://…)", nil, false},
		{&f.PlatformCA, "平台 CA 证书文件 platform CA file (empty: system roots)", nil, true},
		{&f.Code, "开通码 enrollment code (empty: keep this terminal's certificate)", nil, true},
	} {
		for asked := false; strings.TrimSpace(*q.v) == "" && !(q.optional && asked); asked = true {
			fmt.Fprintf(out, "%s: ", q.prompt)
			if !sc.Scan() {
				return errors.New("provision: input ended before every value was given")
			}
			v := strings.TrimSpace(sc.Text())
			if q.valid != nil && v != "" {
				if err := q.valid(v); err != nil {
					fmt.Fprintln(out, err)
					continue
				}
			}
			*q.v = v
		}
	}
	return nil
}
