package main

// kioskctl printer …: receipt printer and A4 (CUPS) commands. See
// docs/printing.md.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/printer"
	"github.com/bianmin/kiosk/devices/printer/cups"
	"github.com/bianmin/kiosk/devices/printer/escpos"
	"github.com/bianmin/kiosk/devices/printer/escpos/sim"
	"github.com/bianmin/kiosk/devices/printer/usb"
	"github.com/bianmin/kiosk/devices/printer/usblp"
	"github.com/bianmin/kiosk/devices/usbid"
)

func init() {
	register("printer", "status", "query a printer's state (exit 3 when it cannot print, 4 when it does not answer)", printerStatus)
	register("printer", "test", "print a test page with every feature", printerTest)
	register("printer", "receipt", "print a receipt from a kiosk.Receipt JSON file", printerReceipt)
	register("printer", "reprint", "list or reprint receipts kept in the spool", printerReprint)
	register("printer", "render", "render a receipt JSON file to PNG without a printer", printerRender)
	register("printer", "sim", "run the receipt printer emulator on a pty", printerSim)
}

// printerFlags are the transport and layout flags shared by the verbs.
type printerFlags struct {
	port     string
	baud     int
	lp       string
	usbID    string
	cupsQ    string
	cupsHost string
	paper    int
	rasterQR bool
	timeout  time.Duration
	spool    string
	fontPath string
}

func newPrinterFlags(name string, stderr io.Writer) (*flag.FlagSet, *printerFlags) {
	fs := flag.NewFlagSet("printer "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &printerFlags{}
	fs.StringVar(&f.port, "port", "", "serial port of the receipt printer (/dev/ttyS1, /dev/ttyUSB0, a pty)")
	fs.IntVar(&f.baud, "baud", 115200, "serial speed")
	fs.StringVar(&f.lp, "lp", "", "usblp device file, e.g. /dev/usb/lp0")
	fs.StringVar(&f.usbID, "usb", "", "USB printer by VID:PID (hex), through libusb")
	fs.StringVar(&f.cupsQ, "cups", "", "CUPS queue name (A4 printer)")
	fs.StringVar(&f.cupsHost, "cups-host", "localhost:631", "cupsd host:port")
	fs.IntVar(&f.paper, "paper", 80, "receipt paper width in mm: 80 or 58")
	fs.BoolVar(&f.rasterQR, "raster-qr", false, "draw QR codes as images (printers without a QR engine)")
	fs.DurationVar(&f.timeout, "timeout", 30*time.Second, "overall time limit")
	fs.StringVar(&f.spool, "spool", "", "reprint spool directory (failed receipts are kept there)")
	fs.StringVar(&f.fontPath, "font", printer.SystemFontPath, "CJK TTF/TTC for characters the printer lacks")
	return fs, f
}

func (f *printerFlags) profile() escpos.Profile { return escpos.ProfileFor(f.paper) }

func (f *printerFlags) font() ([]byte, *escpos.Font) {
	b, err := os.ReadFile(f.fontPath)
	if err != nil {
		return nil, nil
	}
	ft, err := escpos.ParseFont(b)
	if err != nil {
		return nil, nil
	}
	return b, ft
}

// target is what a verb prints on.
type target struct {
	p     printer.Printer
	raw   func(ctx context.Context, data []byte) error // ESC/POS only
	cups  *cups.Client
	close func() error
}

func (f *printerFlags) open(ctx context.Context) (*target, error) {
	n := 0
	for _, s := range []string{f.port, f.lp, f.usbID, f.cupsQ} {
		if s != "" {
			n++
		}
	}
	if n != 1 {
		return nil, &exitError{2, errors.New("give exactly one of --port, --lp, --usb, --cups")}
	}
	fontBytes, ft := f.font()
	if f.cupsQ != "" {
		c := &cups.Client{Host: f.cupsHost, Queue: f.cupsQ, Font: fontBytes}
		return &target{p: c, cups: c, close: func() error { return nil }}, nil
	}
	var rwc io.ReadWriteCloser
	var err error
	switch {
	case f.port != "":
		rwc, err = printer.SerialOpener(f.port, f.baud)(ctx)
	case f.lp != "":
		rwc, err = usblp.Open(ctx, usblp.Config{Path: f.lp})
	default:
		var id usb.ID
		if id, err = usbid.Parse(f.usbID); err == nil {
			rwc, err = usb.Open(ctx, usb.Config{ID: id, AllowVendor: true})
		}
	}
	if errors.Is(err, printer.ErrDisconnected) {
		return nil, &exitError{4, fmt.Errorf("printer does not answer: %w", err)}
	}
	if err != nil {
		return nil, err
	}
	dev := printer.NewESCPOS(rwc, printer.Config{Profile: f.profile(), RasterQR: f.rasterQR, Font: ft})
	return &target{p: dev, raw: dev.PrintRaw, close: rwc.Close}, nil
}

func printerStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newPrinterFlags("status", stderr)
	asJSON := fs.Bool("json", false, "print the status as JSON")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	t, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer t.close()
	st, qerr := t.p.Status(ctx)
	if *asJSON {
		json.NewEncoder(stdout).Encode(st)
	} else {
		fmt.Fprintf(stdout, "state:   %s\n", st.State)
		if st.Detail != "" {
			fmt.Fprintf(stdout, "detail:  %s\n", st.Detail)
		}
	}
	switch {
	case st.State == kiosk.DeviceDisconnected:
		return &exitError{4, fmt.Errorf("printer does not answer: %v", qerr)}
	case !printer.CanPrint(st.State):
		return &exitError{3, fmt.Errorf("printer cannot print: %s", st.State)}
	}
	return nil
}

func printerTest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newPrinterFlags("test", stderr)
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	t, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer t.close()
	if t.cups != nil {
		form := cups.Form{Title: "A4 打印测试页", Subtitle: "Bianmin Kiosk", Fields: []cups.Field{
			{Label: "队列", Value: f.cupsQ}, {Label: "中文", Value: "便民服务 政务 受理回执 申请表"},
			{Label: "时间", Value: time.Now().In(printer.PrintZone).Format("2006-01-02 15:04")}},
			Signature: true}
		pdf, err := cups.FormPDF(form, t.cups.Font)
		if err != nil {
			return err
		}
		id, err := t.cups.PrintPDF(ctx, "test page", pdf)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "test page sent as job %d\n", id)
		return nil
	}
	_, ft := f.font()
	data, err := printer.TestPage(f.profile(), ft)
	if err != nil {
		return err
	}
	if err := t.raw(ctx, data); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "test page printed (%d bytes)\n", len(data))
	return nil
}

func readReceipt(path string) (kiosk.Receipt, error) {
	var r kiosk.Receipt
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("receipt json: %w", err)
	}
	return r, nil
}

func printerReceipt(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newPrinterFlags("receipt", stderr)
	file := fs.String("json", "", "kiosk.Receipt JSON file (- for stdin)")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	if *file == "" {
		return &exitError{2, errors.New("--json FILE is required")}
	}
	path := *file
	if path == "-" {
		path = "/dev/stdin"
	}
	r, err := readReceipt(path)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	t, err := f.open(ctx)
	if err != nil {
		return keep(f, r, err, stdout)
	}
	defer t.close()
	if err := t.p.Print(ctx, r); err != nil {
		return keep(f, r, err, stdout)
	}
	fmt.Fprintln(stdout, "receipt printed")
	return nil
}

// keep puts a receipt that failed into the spool when one is given.
func keep(f *printerFlags, r kiosk.Receipt, cause error, stdout io.Writer) error {
	if f.spool == "" {
		return cause
	}
	sp, err := printer.OpenSpool(f.spool)
	if err != nil {
		return errors.Join(cause, err)
	}
	e, err := sp.Add(r, cause)
	if err != nil {
		return errors.Join(cause, err)
	}
	fmt.Fprintf(stdout, "receipt kept for reprint: %s\n", e.ID)
	return &exitError{3, cause}
}

func printerReprint(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newPrinterFlags("reprint", stderr)
	id := fs.String("id", "", "reprint this entry (a unique prefix is enough)")
	all := fs.Bool("all", false, "reprint every entry, oldest first")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	if f.spool == "" {
		return &exitError{2, errors.New("--spool DIR is required")}
	}
	sp, err := printer.OpenSpool(f.spool)
	if err != nil {
		return err
	}
	list := sp.List()
	if *id == "" && !*all {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tADDED\tKIND\tACCEPTANCE/TICKET\tREASON")
		for _, e := range list {
			no := e.Receipt.AcceptanceNo
			if no == "" {
				no = e.Receipt.TicketNo
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.ID, e.Added.In(printer.PrintZone).Format("2006-01-02 15:04:05"), e.Receipt.Kind, no, e.Reason)
		}
		return tw.Flush()
	}
	var todo []printer.Spooled
	if *all {
		todo = list
	} else {
		e, err := sp.Get(*id)
		if err != nil {
			return err
		}
		todo = []printer.Spooled{e}
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	t, err := f.open(ctx)
	if err != nil {
		return err
	}
	defer t.close()
	for _, e := range todo {
		if err := t.p.Print(ctx, e.Receipt); err != nil {
			return fmt.Errorf("reprint %s: %w", e.ID, err)
		}
		if err := sp.Remove(e.ID); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "reprinted %s\n", e.ID)
	}
	return nil
}

func printerRender(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newPrinterFlags("render", stderr)
	file := fs.String("json", "", "kiosk.Receipt JSON file; empty renders the test page")
	out := fs.String("png", "receipt.png", "output PNG")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	_, ft := f.font()
	var data []byte
	var err error
	if *file == "" {
		data, err = printer.TestPage(f.profile(), ft)
	} else {
		var r kiosk.Receipt
		if r, err = readReceipt(*file); err == nil {
			data, err = printer.Encode(r, f.profile(), ft, f.rasterQR)
		}
	}
	if err != nil {
		return err
	}
	imgs := escpos.Render(data, f.profile(), ft)
	if len(imgs) == 0 {
		return errors.New("nothing rendered")
	}
	w, err := os.Create(*out)
	if err != nil {
		return err
	}
	if err := png.Encode(w, imgs[0]); err != nil {
		w.Close()
		return err
	}
	fmt.Fprintf(stdout, "%s: %dx%d dots, %d bytes of ESC/POS\n", *out, imgs[0].Bounds().Dx(), imgs[0].Bounds().Dy(), len(data))
	return w.Close()
}

func printerSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, f := newPrinterFlags("sim", stderr)
	dir := fs.String("save", "", "directory to save every receipt as PNG")
	nearEnd := fs.Int("near-end-after", 0, "report paper near end after N receipts")
	paperOut := fs.Int("paper-out-after", 0, "report paper out after N receipts")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	fontBytes, _ := f.font()
	if *dir != "" {
		*dir, _ = filepath.Abs(*dir)
	}
	s, path, err := sim.StartPTY(ctx, sim.Config{Profile: f.profile(), Font: fontBytes, SaveDir: *dir, NearEndAfter: *nearEnd, PaperOutAfter: *paperOut})
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(stdout, "receipt printer emulator on %s (Ctrl-C to stop)\n", path)
	<-ctx.Done()
	n, dropped := s.Printed()
	fmt.Fprintf(stdout, "%d receipts printed, %d refused\n", n, dropped)
	return nil
}
