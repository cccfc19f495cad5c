package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/provision"
	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/devices/serialport"
	"github.com/bianmin/kiosk/offline"
)

// kioskctl selftest: every device and the platform, as the configuration
// names them, each pass or fail with the reason in Chinese; exit 1 when
// anything failed. It opens the devices itself: a port the running kiosk
// holds fails with 终端正在使用该设备 (the serial opener's lock), never
// shared. The touchscreen's maintenance page runs the same checks
// (cmd/internal/selftest) through the kiosk's own devices.

func init() {
	register("selftest", "", "test every device and the platform; reasons in Chinese; exit 1 on any failure", selftestCmd)
}

// Exit status of selftest when a check failed.
const exitSelftestFailed = 1

func selftestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("selftest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "the kiosk's configuration (default "+defaultConfigPath+")")
	data := fs.String("data", "", "the state directory, over the configuration's")
	key := fs.String("key", "", "the store key file")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	skip := fs.String("skip", "", "checks to leave out, comma-separated (idcard,receipt,a4,scan,qr,voice,store,disk,platform,clock,catalog)")
	cardWait := fs.Duration("card-wait", 30*time.Second, "how long to wait for the test card")
	qrWait := fs.Duration("qr-wait", 30*time.Second, "how long to wait for a QR code (scan the test receipt's)")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	plan, err := ctlPlan(*cfgPath, *data, *key)
	if err != nil {
		return err
	}
	if plan.Config.Simulated() {
		return &exitError{2, errors.New("a simulated terminal's devices run inside the kiosk: use the touchscreen's maintenance page, or give --config with the production configuration")}
	}
	checks, closeAll, err := checksFor(ctx, plan.Config, checkOptions{plan: plan, key: *key, cardWait: *cardWait, qrWait: *qrWait, skip: strings.Split(*skip, ",")})
	if err != nil {
		return err
	}
	defer closeAll()
	rs := selftest.Run(ctx, checks)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		enc.Encode(rs)
	} else {
		printResults(stdout, rs)
	}
	if failed := selftest.Failed(rs); len(failed) > 0 {
		return &exitError{exitSelftestFailed, fmt.Errorf("%d of %d checks failed", len(failed), len(rs))}
	}
	return nil
}

func printResults(w io.Writer, rs []selftest.Result) {
	for _, r := range rs {
		mark := "PASS"
		if !r.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s  %-9s %s：%s", mark, r.Name, r.Title, r.Reason)
		if r.Detail != "" {
			fmt.Fprintf(w, "  (%s)", r.Detail)
		}
		fmt.Fprintln(w)
	}
}

type checkOptions struct {
	plan         *terminal.Plan // nil: resolved from the configuration
	key          string
	provisioning bool // presence checks for the reader and the QR scanner (no test card at hand yet), no store
	cardWait     time.Duration
	qrWait       time.Duration
	skip         []string
}

// checksFor builds the self-test plan of the configuration's devices and
// platform (provision.Checks, the plan provisioning runs too). The returned
// function closes what the plan opened.
func checksFor(ctx context.Context, cfg config.Config, o checkOptions) (selftest.Plan, func(), error) {
	p, closeAll, err := provision.Checks(ctx, cfg, provision.CheckOptions{Plan: o.plan, Provisioning: o.provisioning,
		CardWait: o.cardWait, QRWait: o.qrWait, Skip: o.skip,
		OpenStore: func(ctx context.Context, plan *terminal.Plan) (*offline.Store, error) {
			return ctlOpenStore(ctx, plan, false)
		}})
	return p, closeAll, exitOf(err)
}

// useTerminalLocks points the serial port locks at the data directory of
// the configuration the verb works on (its --config/--data, else the
// appliance's file), so that every kioskctl verb sees the ports the running
// kiosk holds.
func useTerminalLocks(verbArgs []string) {
	cfgPath, data := "", ""
	for _, a := range verbArgs {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			cfgPath = v
		}
		if v, ok := strings.CutPrefix(a, "--data="); ok {
			data = v
		}
	}
	plan, err := ctlPlan(cfgPath, data, "")
	if err != nil {
		return // the verb reports a bad configuration itself
	}
	serialport.SetLockDir(plan.LockDir)
}
