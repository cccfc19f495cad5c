package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"

	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/offline"
)

// defaultConfigPath is the appliance's configuration: kioskctl on a terminal
// reads it when no --config is given, so that it opens what the kiosk opens.
var defaultConfigPath = "/etc/bianmin-kiosk/kiosk.toml"

// ctlPlan resolves the configuration exactly as the kiosk does
// (terminal.Resolve), with --data and --key laid over it. cfgPath "" means
// the appliance's file when it exists, else the simulation defaults (the
// kiosk without --config).
func ctlPlan(cfgPath, data, key string) (*terminal.Plan, error) {
	if cfgPath == "" {
		if _, err := os.Stat(defaultConfigPath); err == nil {
			cfgPath = defaultConfigPath
		}
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		return nil, &terminal.Failure{Class: terminal.ClassConfig, What: "configuration", Path: cfgPath, Err: err,
			Fix: "fix the file, or give --config FILE"}
	}
	if data != "" {
		cfg.Store.DataDir = data
	}
	plan, err := terminal.Resolve(cfg)
	if err != nil {
		return nil, err
	}
	if key != "" {
		plan.KeyFile, plan.KeyFromCredential = key, false
	}
	return plan, nil
}

// storeVerb is a kioskctl verb on the kiosk's store (queue …, sync now).
// Its flag set carries the store flags every such verb takes (--config,
// --data, --key: addQueueStoreFlags) beside the verb's own, which the verb
// declares on it before calling withStore.
type storeVerb struct {
	*flag.FlagSet
	store  *queueStoreFlags
	stderr io.Writer
	// Before, when set, runs once the flags are parsed and before the store
	// is resolved and opened: usage checks (exit 2), and what must happen
	// while kioskctl may still be root (the output on the technician's
	// stick, the transfer key).
	Before func() error
	// Create makes the store when there is none (queue demo only).
	Create bool
}

func newStoreVerb(name string, stderr io.Writer) *storeVerb {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	return &storeVerb{FlagSet: fs, store: addQueueStoreFlags(fs), stderr: stderr}
}

// parse parses args: -h prints the usage and returns flag.ErrHelp (main
// exits 0), a bad flag is exit 2.
func (v *storeVerb) parse(args []string) error {
	return queueParseFlags(v.FlagSet, args, v.stderr)
}

// withStore parses args, runs Before, opens the store the kiosk with the
// same configuration opens (ctlPlan, ctlOpenStore: never a new empty one
// unless Create), runs fn on it and closes it.
func (v *storeVerb) withStore(ctx context.Context, args []string, fn func(st *offline.Store) error) error {
	if err := v.parse(args); err != nil {
		return err
	}
	if v.Before != nil {
		if err := v.Before(); err != nil {
			return err
		}
	}
	if err := v.store.resolve(); err != nil {
		return err
	}
	st, err := ctlOpenStore(ctx, v.store.plan, v.Create)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// ctlOpenStore opens the plan's store. It never creates one unless create
// (queue demo): a tool that makes an empty store where it expected the
// kiosk's reports success on nothing. Run as root against a data directory
// owned by the service user, it reads the key first (root may be the only
// one who can read /etc/bianmin-kiosk/store.key) and then becomes that user,
// so that every file it creates (WAL, attachment folders) stays the kiosk's.
func ctlOpenStore(ctx context.Context, plan *terminal.Plan, create bool) (*offline.Store, error) {
	if !create && !plan.StoreExists() {
		return plan.OpenStore(ctx, terminal.StoreOptions{}) // the one-line "no store (PATH)" failure
	}
	var key offline.Key
	if _, err := os.Stat(plan.KeyFile); create && errors.Is(err, fs.ErrNotExist) {
		if err := dropToOwner(plan.DataDir); err != nil {
			return nil, err
		}
		if key, err = plan.LoadKey(true); err != nil {
			return nil, err
		}
	} else {
		if key, err = plan.LoadKey(false); err != nil {
			return nil, err
		}
		if err := dropToOwner(plan.DataDir); err != nil {
			return nil, err
		}
	}
	return plan.OpenStore(ctx, terminal.StoreOptions{Create: create, Key: &key})
}

// dropToOwner makes a root process the owner of dir (the service user)
// when dir belongs to someone else. Nothing happens for other users, or when
// dir does not exist yet.
func dropToOwner(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || st.Uid == 0 {
		return nil
	}
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("drop to the data directory's owner: setgroups: %w", err)
	}
	if err := syscall.Setgid(int(st.Gid)); err != nil {
		return fmt.Errorf("drop to the data directory's owner: setgid %d: %w", st.Gid, err)
	}
	if err := syscall.Setuid(int(st.Uid)); err != nil {
		return fmt.Errorf("drop to the data directory's owner: setuid %d: %w", st.Uid, err)
	}
	return nil
}
