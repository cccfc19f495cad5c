// Package cups prints A4 documents through the local CUPS server: IPP
// Get-Printer-Attributes for the printer's state (mapped onto the same
// small state set as receipt printers), IPP Print-Job of PDFs, an `lp`
// fallback, and PDF generation of the application form and of receipts in
// Chinese with github.com/signintech/gopdf.
//
// cmd/ and the app's wiring import it; it imports devices/printer for the
// state set and the Printer interface.
package cups

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strings"

	"github.com/OpenPrinting/goipp"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/printer"
)

// ErrIPP is wrapped by errors carrying a non-OK IPP status.
var ErrIPP = errors.New("ipp error")

// Client talks IPP to one CUPS queue.
type Client struct {
	Host  string // host:port of cupsd; default localhost:631
	Queue string // CUPS queue name
	User  string // requesting-user-name; default "kiosk"
	HTTP  *http.Client
	Font  []byte // TTF/TTC for generated PDFs (Print)
}

var _ printer.Printer = (*Client)(nil)

func (c *Client) host() string {
	if c.Host == "" {
		return "localhost:631"
	}
	return c.Host
}

// PrinterURI is the queue's ipp:// URI.
func (c *Client) PrinterURI() string {
	return "ipp://" + c.host() + "/printers/" + url.PathEscape(c.Queue)
}

func (c *Client) request(op goipp.Op) *goipp.Message {
	m := goipp.NewRequest(goipp.DefaultVersion, op, 1)
	m.Operation.Add(goipp.MakeAttribute("attributes-charset", goipp.TagCharset, goipp.String("utf-8")))
	m.Operation.Add(goipp.MakeAttribute("attributes-natural-language", goipp.TagLanguage, goipp.String("zh-cn")))
	m.Operation.Add(goipp.MakeAttribute("printer-uri", goipp.TagURI, goipp.String(c.PrinterURI())))
	user := c.User
	if user == "" {
		user = "kiosk"
	}
	m.Operation.Add(goipp.MakeAttribute("requesting-user-name", goipp.TagName, goipp.String(user)))
	return m
}

// do posts an IPP request (followed by an optional document) and decodes
// the response.
func (c *Client) do(ctx context.Context, m *goipp.Message, doc []byte) (*goipp.Message, error) {
	body, err := m.EncodeBytes()
	if err != nil {
		return nil, err
	}
	var r io.Reader = bytes.NewReader(body)
	if doc != nil {
		r = io.MultiReader(r, bytes.NewReader(doc))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+c.host()+"/printers/"+url.PathEscape(c.Queue), r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", goipp.ContentType)
	req.Header.Set("Accept", goipp.ContentType)
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("http %s", resp.Status)
	}
	var out goipp.Message
	if err := out.Decode(io.LimitReader(resp.Body, 1<<20)); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if st := goipp.Status(out.Code); st != goipp.StatusOk && st != goipp.StatusOkIgnoredOrSubstituted && st != goipp.StatusOkConflicting {
		return &out, fmt.Errorf("%w: %s", ErrIPP, st)
	}
	return &out, nil
}

// Status asks for printer-state and printer-state-reasons. An unreachable
// cupsd or unknown queue gives DeviceDisconnected and an error.
func (c *Client) Status(ctx context.Context) (printer.Status, error) {
	m := c.request(goipp.OpGetPrinterAttributes)
	m.Operation.Add(goipp.MakeAttr("requested-attributes", goipp.TagKeyword,
		goipp.String("printer-state"), goipp.String("printer-state-reasons"), goipp.String("printer-is-accepting-jobs")))
	resp, err := c.do(ctx, m, nil)
	if err != nil {
		return printer.Disconnected(err.Error()), fmt.Errorf("cups status: %w: %w", printer.ErrDisconnected, err)
	}
	state, reasons := 0, []string(nil)
	for _, a := range resp.Printer {
		switch a.Name {
		case "printer-state":
			if len(a.Values) > 0 {
				if v, ok := a.Values[0].V.(goipp.Integer); ok {
					state = int(v)
				}
			}
		case "printer-state-reasons":
			for _, v := range a.Values {
				reasons = append(reasons, v.V.String())
			}
		}
	}
	return MapState(state, reasons), nil
}

// MapState is the one place where IPP printer-state (3 idle, 4 processing,
// 5 stopped) and printer-state-reasons become a printer state.
func MapState(state int, reasons []string) printer.Status {
	has := func(prefixes ...string) bool {
		for _, r := range reasons {
			if strings.HasSuffix(r, "-report") {
				continue
			}
			for _, p := range prefixes {
				if r == p || strings.HasPrefix(r, p+"-") {
					return true
				}
			}
		}
		return false
	}
	detail := fmt.Sprintf("ipp state %d reasons %s", state, strings.Join(reasons, ","))
	var s kiosk.DeviceState
	switch {
	case has("cover-open", "door-open", "interlock-open"):
		s = kiosk.DeviceCoverOpen
	case has("media-jam"):
		s = kiosk.DeviceJam
	case has("media-empty", "media-needed"):
		s = kiosk.DevicePaperOut
	case has("offline", "shutdown", "connecting-to-device", "timed-out") && state == 5:
		s = kiosk.DeviceDisconnected
	case state == 5 || has("toner-empty", "marker-supply-empty", "output-area-full", "paused"):
		s = kiosk.DeviceError
	case has("media-low", "toner-low", "marker-supply-low"):
		s = kiosk.DevicePaperLow
	case state == 4:
		s = kiosk.DeviceBusy
	case state == 3:
		s = kiosk.DeviceReady
	default:
		s = kiosk.DeviceDisconnected
	}
	return printer.Status{State: s, Detail: detail}
}

// PrintPDF submits a PDF as a Print-Job and returns the job id. It checks
// the printer state first and refuses early like receipt printers do.
func (c *Client) PrintPDF(ctx context.Context, jobName string, pdf []byte) (int, error) {
	st, err := c.Status(ctx)
	if err != nil {
		return 0, err
	}
	if !printer.CanPrint(st.State) {
		return 0, &printer.StateError{Status: st}
	}
	m := c.request(goipp.OpPrintJob)
	m.Operation.Add(goipp.MakeAttribute("job-name", goipp.TagName, goipp.String(jobName)))
	m.Operation.Add(goipp.MakeAttribute("document-format", goipp.TagMimeType, goipp.String("application/pdf")))
	resp, err := c.do(ctx, m, pdf)
	if err != nil {
		return 0, fmt.Errorf("cups print: %w", err)
	}
	for _, a := range resp.Job {
		if a.Name == "job-id" && len(a.Values) > 0 {
			if v, ok := a.Values[0].V.(goipp.Integer); ok {
				return int(v), nil
			}
		}
	}
	return 0, nil
}

// Print prints a receipt as an A4 page.
func (c *Client) Print(ctx context.Context, r kiosk.Receipt) error {
	pdf, err := FormPDF(ReceiptForm(r), c.Font)
	if err != nil {
		return err
	}
	_, err = c.PrintPDF(ctx, string(r.Kind), pdf)
	return err
}

// LP prints a PDF with the `lp` command, the fallback when IPP is not
// reachable directly (e.g. a remote queue configured only in client.conf).
func LP(ctx context.Context, queue string, pdf []byte) error {
	cmd := exec.CommandContext(ctx, "lp", "-d", queue, "-t", "kiosk", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("lp: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
