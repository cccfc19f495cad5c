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

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/devices/idcard"
	"github.com/bianmin/kiosk/devices/idcard/sim"
	"github.com/bianmin/kiosk/devices/idcard/usb"
	"github.com/bianmin/kiosk/devices/usbid"
)

// Exit statuses of the idcard commands.
const (
	exitNoCard       = 3 // no card within --timeout
	exitReaderFailed = 4 // reader absent, silent or faulty
)

func init() {
	register("idcard", "read", "wait for an ID card and print it (--json for one object)", idcardRead)
	register("idcard", "samid", "print the reader's SAM ID", idcardSAMID)
	register("idcard", "discover", "probe serial ports and USB for GA 467 readers", idcardDiscover)
	register("idcard", "sim", "run a simulated reader on a pty until interrupted", idcardSim)
}

type readerFlags struct {
	port string
	baud int
	usb  string
}

func (r *readerFlags) add(fs *flag.FlagSet) {
	fs.StringVar(&r.port, "port", "", "serial port of the reader (e.g. /dev/ttyUSB0)")
	fs.IntVar(&r.baud, "baud", 115200, "baud rate; 0 probes 115200…9600")
	fs.StringVar(&r.usb, "usb", "", "vendor-bulk USB reader as VID:PID in hex (e.g. 0400:C35A)")
}

// open returns the reader's stream.
func (r *readerFlags) open(ctx context.Context) (io.ReadWriteCloser, error) {
	switch {
	case r.usb != "" && r.port != "":
		return nil, &exitError{2, errors.New("give --port or --usb, not both")}
	case r.usb != "":
		id, err := usbid.Parse(r.usb)
		if err != nil {
			return nil, &exitError{2, fmt.Errorf("--usb: %w", err)}
		}
		c, err := usb.Open(usb.Config{VID: id.Vendor, PID: id.Product})
		if err != nil {
			return nil, &exitError{exitReaderFailed, err}
		}
		return c, nil
	case r.port == "":
		return nil, &exitError{2, errors.New("--port or --usb is required (see 'kioskctl idcard discover')")}
	}
	// The kiosk's opener: SAM status probe, baud 0 tries every rate.
	rwc, err := idcard.SerialOpener(r.port, r.baud)(ctx)
	if err != nil {
		return nil, &exitError{exitReaderFailed, err}
	}
	return rwc, nil
}

// connect opens the reader and checks its SAM.
func (r *readerFlags) connect(ctx context.Context) (*idcard.Client, func(), error) {
	rwc, err := r.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	c := idcard.NewClient(rwc)
	done := func() { c.Close(); rwc.Close() }
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.SAMStatus(cctx); err != nil {
		done()
		return nil, nil, &exitError{exitReaderFailed, fmt.Errorf("reader: %w", err)}
	}
	return c, done, nil
}

func idcardRead(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("idcard read", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf readerFlags
	rf.add(fs)
	asJSON := fs.Bool("json", false, "print one JSON object")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for a card")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	c, done, err := rf.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	var last error
	for {
		cctx, ccancel := context.WithTimeout(ctx, 3*time.Second)
		id, err := c.ReadCard(cctx)
		ccancel()
		if err == nil {
			return printIdentity(stdout, stderr, id, *asJSON)
		}
		var se *idcard.StatusError
		switch {
		case idcard.IsSAMFault(err):
			return &exitError{exitReaderFailed, err}
		case errors.As(err, &se), errors.Is(err, idcard.ErrChecksum):
			last = err // no card yet, or a card-level failure: try again
		case ctx.Err() != nil:
		default:
			return &exitError{exitReaderFailed, err}
		}
		select {
		case <-ctx.Done():
			if errors.Is(last, idcard.ErrNoCard) || last == nil {
				return &exitError{exitNoCard, fmt.Errorf("no card within %v", *timeout)}
			}
			return &exitError{exitNoCard, fmt.Errorf("no card read within %v: last error: %w", *timeout, last)}
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func printIdentity(stdout, stderr io.Writer, id *kiosk.Identity, asJSON bool) error {
	rec := idcard.NewRecord(id)
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		return enc.Encode(rec)
	}
	fmt.Fprintln(stderr, "WARNING: personal data follows, for testing the reader only; do not keep, photograph or paste it anywhere.")
	rows := [][2]string{
		{"card type", rec.CardType}, {"name", rec.Name}, {"name (display)", id.DisplayName()}, {"name (English)", rec.NameEN},
		{"sex", rec.SexCode + " " + rec.Sex}, {"ethnicity", rec.EthnicityCode + " " + rec.Ethnicity},
		{"birth", rec.Birth}, {"address", rec.Address}, {"id number", rec.IDNumber},
		{"id checksum", map[bool]string{true: "ok", false: "MISMATCH (reported, not trusted)"}[rec.IDChecksumOK]},
		{"authority", rec.Authority}, {"valid from", rec.ValidFrom}, {"valid to", rec.ValidTo},
		{"pass number", rec.PassNumber}, {"issue count", rec.IssueCount}, {"nationality", rec.Nationality},
		{"rare chars", strings.Join(rec.RareChars, " ")}, {"photo", fmt.Sprintf("%d bytes WLT (not decoded)", len(id.PhotoWLT))},
	}
	for _, r := range rows {
		if strings.TrimSpace(r[1]) != "" {
			fmt.Fprintf(stdout, "%-15s %s\n", r[0]+":", r[1])
		}
	}
	return nil
}

func idcardSAMID(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("idcard samid", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var rf readerFlags
	rf.add(fs)
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	c, done, err := rf.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	id, err := c.SAMID(cctx)
	if err != nil {
		return &exitError{exitReaderFailed, err}
	}
	fmt.Fprintln(stdout, id)
	return nil
}

func idcardDiscover(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("idcard discover", flag.ContinueOnError)
	fs.SetOutput(stderr)
	vidpid := fs.String("usb", "0400:C35A", "USB VID:PID to look for")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	found := idcard.Discover(ctx, fs.Args())
	for _, f := range found {
		fmt.Fprintf(stdout, "serial\t%s\t%d\n", f.Path, f.Baud)
	}
	id, err := usbid.Parse(*vidpid)
	if err != nil {
		return &exitError{2, fmt.Errorf("--usb: %w", err)}
	}
	devs, err := usb.Find(usb.Config{VID: id.Vendor, PID: id.Product})
	if err != nil {
		fmt.Fprintf(stderr, "usb: %v\n", err)
	}
	for _, d := range devs {
		fmt.Fprintf(stdout, "usb\t%s\n", d)
	}
	if len(found)+len(devs) == 0 {
		return &exitError{exitReaderFailed, errors.New("no reader found")}
	}
	return nil
}

func idcardSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("idcard sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	label := fs.String("card", "", "test card to place (empty: none); one of the labels of assets/testcards")
	baud := fs.Int("baud", 115200, "pace replies to this rate (0: no pacing)")
	samTime := fs.Duration("sam-time", 0, "simulated SAM processing time per read")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: *baud, SAMTime: *samTime})
	if err != nil {
		return err
	}
	if *label != "" {
		id, err := testcards.Get(*label)
		if err != nil {
			return &exitError{2, err}
		}
		if err := r.PlaceCard(id); err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, path)
	<-ctx.Done()
	return nil
}
