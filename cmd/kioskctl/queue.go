package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/offline"
	"github.com/google/uuid"
)

// Exit status of the queue family beyond 1 (error), 2 (usage) and the
// start-up failure classes of terminal.ExitCodes (no store, store key…).
const exitQueueNotFound = 3 // no such application

func init() {
	register("queue", "list", "list the offline queue (no personal data)", queueList)
	register("queue", "show", "show one application (masked unless --reveal)", queueShow)
	register("queue", "retry", "make queued applications due now", queueRetry)
	register("queue", "stats", "queue depth, oldest age and bytes pending", queueStats)
	register("queue", "purge", "remove personal data of finished applications past retention", queuePurge)
	register("queue", "export", "write the unsynced queue to one encrypted transfer file", queueExport)
	register("queue", "import", "load a transfer file from a replaced terminal", queueImport)
	register("queue", "demo", "fill the queue with synthetic test applications (refused on production without --allow-test-data)", queueDemo)
}

// queueStoreFlags are the flags every queue verb takes.
type queueStoreFlags struct {
	data, key, config string
	retention         time.Duration
	plan              *terminal.Plan
}

func addQueueStoreFlags(fs *flag.FlagSet) *queueStoreFlags {
	f := &queueStoreFlags{}
	fs.StringVar(&f.data, "data", "", "state directory (default: the configuration's store.data_dir)")
	fs.StringVar(&f.key, "key", "", "store key file (default: the systemd credential, else store.key_file, else DATA/store.key)")
	fs.StringVar(&f.config, "config", "", "kiosk configuration file (default: "+defaultConfigPath+" when present, else simulation defaults)")
	return f
}

// resolve resolves the store as the kiosk does (terminal.Resolve), once.
func (f *queueStoreFlags) resolve() error {
	if f.plan != nil {
		return nil
	}
	plan, err := ctlPlan(f.config, f.data, f.key)
	if err != nil {
		return err
	}
	f.plan, f.data = plan, plan.DataDir
	f.retention = time.Duration(plan.Config.Store.RetentionDays) * 24 * time.Hour
	return nil
}

func queueParseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err // usage printed; main exits 0 without running the verb
		}
		return &exitError{2, err}
	}
	return nil
}

func queueNotFound(err error) error {
	if errors.Is(err, offline.ErrNotFound) {
		return &exitError{exitQueueNotFound, err}
	}
	return err
}

func queueList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue list", stderr)
	state := v.String("state", "", "only this state (queued, uploading, submitted, accepted, …)")
	pending := v.Bool("pending", false, "only queued and uploading")
	limit := v.Int("limit", 100, "at most this many, newest first")
	asJSON := v.Bool("json", false, "JSON lines instead of a table")
	return v.withStore(ctx, args, func(st *offline.Store) error {
		list, err := st.List(ctx, offline.ListFilter{State: kiosk.State(*state), Pending: *pending, Limit: *limit})
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			for _, s := range list {
				enc.Encode(s)
			}
			return nil
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "INSTANCE\tACCEPTANCE NO\tITEM\tSTATE\tATTEMPTS\tNEXT\tSIZE\tCREATED\tLAST ERROR")
		for _, s := range list {
			next := "-"
			if !s.NextAttemptAt.IsZero() {
				next = s.NextAttemptAt.Local().Format("01-02 15:04:05")
			}
			state := string(s.State)
			if s.Test {
				state += " (test)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\n", s.InstanceID, s.AcceptanceNo, s.ItemCode, state, s.Attempts,
				next, queueBytes(s.TotalSize), s.CreatedAt.Local().Format("2006-01-02 15:04"), queueOneLine(s.LastError, 60))
		}
		tw.Flush()
		fmt.Fprintf(stderr, "%d shown\n", len(list))
		return nil
	})
}

func queueShow(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue show", stderr)
	reveal := v.Bool("reveal", false, "print personal data unmasked (audited)")
	asJSON := v.Bool("json", false, "print JSON")
	v.Before = func() error {
		if v.NArg() != 1 {
			return &exitError{2, errors.New("usage: kioskctl queue show [flags] INSTANCE-ID|ACCEPTANCE-NO")}
		}
		return nil
	}
	return v.withStore(ctx, args, func(st *offline.Store) error {
		id := v.Arg(0)
		sum, err := st.Summary(ctx, id)
		if errors.Is(err, offline.ErrNotFound) {
			sum, err = st.FindByAcceptanceNo(ctx, id)
		}
		if err != nil {
			return queueNotFound(err)
		}
		app, err := st.Get(ctx, sum.InstanceID)
		if err != nil && !errors.Is(err, offline.ErrPurged) {
			return err
		}
		if app != nil && !*reveal {
			queueMaskApplication(app)
		}
		events, _ := st.StatusEvents(ctx, sum.InstanceID)
		if !*reveal {
			for i := range events {
				if events[i].Note != "" {
					events[i].Note = "(hidden; --reveal)"
				}
			}
		}
		if *reveal {
			if err := st.Audit(ctx, "revealed", sum.InstanceID, "kioskctl queue show --reveal"); err != nil {
				return err // no reveal without its audit record
			}
		}
		audit, _ := st.AuditLog(ctx, sum.InstanceID, 0)
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(struct {
				Summary     offline.Summary       `json:"summary"`
				Application *kiosk.Application    `json:"application,omitempty"`
				Events      []offline.StatusEvent `json:"status_events,omitempty"`
				Audit       []offline.AuditEntry  `json:"audit,omitempty"`
			}{sum, app, events, audit})
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
		row("instance", sum.InstanceID)
		row("acceptance no", sum.AcceptanceNo)
		row("item", sum.ItemCode)
		if sum.BundleCode != "" {
			row("bundle", sum.BundleCode)
		}
		row("state", fmt.Sprintf("%s (%s)", sum.State, sum.State.Label()))
		row("attempts", fmt.Sprint(sum.Attempts))
		if !sum.NextAttemptAt.IsZero() {
			row("next attempt", sum.NextAttemptAt.Local().Format(time.DateTime))
		}
		if sum.LastError != "" {
			row("last error", sum.LastError)
		}
		row("created", sum.CreatedAt.Local().Format(time.DateTime))
		row("size", queueBytes(sum.TotalSize))
		if sum.Test {
			row("test", "yes (synthetic)")
		}
		if app != nil {
			row("item name", app.ItemName)
			row("applicant", app.Applicant.Name)
			row("id number", app.Applicant.IDNumber)
			keys := make([]string, 0, len(app.Form))
			for k := range app.Form {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				row("form."+k, app.Form[k])
			}
			for _, a := range app.Attachments {
				row("attachment "+a.ID, fmt.Sprintf("%s %s %s sha256:%s", a.Name, a.MediaType, queueBytes(a.Size), a.SHA256[:min(12, len(a.SHA256))]))
			}
		} else {
			row("personal data", "purged")
		}
		for _, e := range events {
			row("status "+e.At.Local().Format(time.DateTime), strings.TrimSpace(string(e.State)+" "+e.Note))
		}
		for _, e := range audit {
			row("audit "+e.At.Local().Format(time.DateTime), strings.TrimSpace(e.Event+" "+e.Detail))
		}
		return tw.Flush()
	})
}

// queueMaskApplication masks the personal data shown by queue show.
func queueMaskApplication(app *kiosk.Application) {
	app.Applicant.Name = kiosk.MaskName(app.Applicant.Name)
	app.Applicant.IDNumber = kiosk.MaskID(app.Applicant.IDNumber)
	app.Applicant.Address = queueMaskRest(app.Applicant.Address, 6)
	app.Applicant.PhotoWLT = nil
	app.Applicant.NameEN = kiosk.MaskName(app.Applicant.NameEN)
	app.Applicant.PassNumber = kiosk.MaskID(app.Applicant.PassNumber)
	// Beside the masked ID number, the birth date, the issuing authority and
	// the card's validity narrow it to about one person: hidden.
	app.Applicant.Birth, app.Applicant.ValidFrom, app.Applicant.ValidTo = kiosk.Date{}, kiosk.Date{}, kiosk.Date{}
	app.Applicant.Authority = queueMaskRest(app.Applicant.Authority, 0)
	app.Applicant.IssueCount = ""
	for k, v := range app.Form {
		app.Form[k] = queueMaskValue(v)
	}
	for i := range app.Attachments {
		app.Attachments[i].Name = queueMaskRest(app.Attachments[i].Name, 0)
	}
}

// queueMaskValue masks a form value by its look: ID numbers, phone numbers,
// other digit strings, anything else keeping its first character.
func queueMaskValue(v string) string {
	switch {
	case v == "":
		return ""
	case kiosk.CheckIDNumber(v) == nil:
		return kiosk.MaskID(v)
	case kiosk.CheckMobile(v) == nil:
		return kiosk.MaskMobile(v)
	case strings.Trim(v, "0123456789-") == "":
		return kiosk.MaskID(v)
	}
	return queueMaskRest(v, 1)
}

// queueMaskRest keeps the first keep runes and stars the rest.
func queueMaskRest(s string, keep int) string {
	rs := []rune(s)
	if len(rs) <= keep {
		return s
	}
	return string(rs[:keep]) + strings.Repeat("*", len(rs)-keep)
}

func queueRetry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue retry", stderr)
	all := v.Bool("all", false, "every queued and uploading application")
	v.Before = func() error {
		if *all == (v.NArg() > 0) {
			return &exitError{2, errors.New("usage: kioskctl queue retry [flags] INSTANCE-ID… | --all")}
		}
		return nil
	}
	return v.withStore(ctx, args, func(st *offline.Store) error {
		ids := v.Args()
		if *all {
			list, err := st.List(ctx, offline.ListFilter{Pending: true, Limit: 1 << 30})
			if err != nil {
				return err
			}
			for _, s := range list {
				ids = append(ids, s.InstanceID)
			}
		}
		for _, id := range ids {
			if err := st.Retry(ctx, id); err != nil {
				return queueNotFound(err)
			}
		}
		fmt.Fprintf(stdout, "%d due now\n", len(ids))
		return nil
	})
}

func queueStats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue stats", stderr)
	asJSON := v.Bool("json", false, "print JSON")
	return v.withStore(ctx, args, func(st *offline.Store) error {
		s, err := st.Stats(ctx)
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(stdout).Encode(s)
		}
		fmt.Fprintf(stdout, "pending %d (%s)", s.Pending, queueBytes(s.BytesPending))
		if !s.OldestQueued.IsZero() {
			fmt.Fprintf(stdout, ", oldest %s ago", s.OldestAge.Round(time.Second))
		}
		fmt.Fprintln(stdout)
		states := make([]string, 0, len(s.ByState))
		for k := range s.ByState {
			states = append(states, string(k))
		}
		sort.Strings(states)
		for _, k := range states {
			fmt.Fprintf(stdout, "  %-17s %d\n", k, s.ByState[kiosk.State(k)])
		}
		return nil
	})
}

func queuePurge(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue purge", stderr)
	days := v.Int("retention-days", 0, "keep personal data this many days after the final state (default: configuration, else 7)")
	return v.withStore(ctx, args, func(st *offline.Store) error {
		ret := v.store.retention
		if *days > 0 {
			ret = time.Duration(*days) * 24 * time.Hour
		}
		n, err := st.Purge(ctx, time.Now(), ret)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%d purged\n", n)
		return nil
	})
}

// transferKey loads the transfer key file, or with create makes it first.
func queueTransferKey(path string, create bool, stderr io.Writer) (offline.Key, error) {
	if path == "" {
		return offline.Key{}, &exitError{2, errors.New("--transfer-key FILE is required (the same file on both terminals)")}
	}
	if create {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if err := offline.GenerateKeyFile(path); err != nil {
				return offline.Key{}, err
			}
			fmt.Fprintf(stderr, "made a new transfer key %s: carry it separately from the transfer file\n", path)
		}
	}
	k, err := offline.LoadKey(path)
	if err != nil {
		return k, &terminal.Failure{Class: terminal.ClassStoreKey, What: "transfer key", Path: path, Err: err, Fix: "give the key file used by export (mode 0600)"}
	}
	return k, nil
}

func queueExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue export", stderr)
	out := v.String("out", "", "transfer file to write (required)")
	tk := v.String("transfer-key", "", "transfer key file, made if absent (required)")
	var key offline.Key
	var f *outFile // made before the store is opened (outfile.go)
	defer func() { f.abort() }()
	v.Before = func() (err error) {
		if *out == "" {
			return &exitError{2, errors.New("--out FILE is required")}
		}
		if key, err = queueTransferKey(*tk, true, stderr); err != nil {
			return err
		}
		f, err = createOut(*out)
		return err
	}
	return v.withStore(ctx, args, func(st *offline.Store) error {
		res, err := st.Export(ctx, f, key)
		if err := f.finish(err); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "exported %d applications, %d attachments (%s) to %s\n", res.Applications, res.Attachments, queueBytes(res.Bytes), *out)
		queueListDamage(stdout, res.Damaged) // verify.go
		return queueDamageError(res.Damaged, "damaged, left out of the transfer file")
	})
}

func queueImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue import", stderr)
	tk := v.String("transfer-key", "", "transfer key file used by export (required)")
	var key offline.Key
	var f *os.File
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	v.Before = func() (err error) {
		if v.NArg() != 1 {
			return &exitError{2, errors.New("usage: kioskctl queue import [flags] --transfer-key KEY FILE")}
		}
		if key, err = queueTransferKey(*tk, false, stderr); err != nil {
			return err
		}
		f, err = os.Open(v.Arg(0))
		return err
	}
	return v.withStore(ctx, args, func(st *offline.Store) error {
		res, err := st.Import(ctx, f, key)
		fmt.Fprintf(stdout, "imported %d applications, %d attachments (%s); %d already here\n", res.Applications, res.Attachments, queueBytes(res.Bytes), res.Skipped)
		return err
	})
}

func queueDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	v := newStoreVerb("queue demo", stderr)
	v.Create = true
	count := v.Int("count", 10, "how many applications")
	kb := v.Int("attachment-kb", 64, "size of each random attachment in KiB (0: none)")
	allowTest := v.Bool("allow-test-data", false, "allow test applications in a production terminal's store")
	v.Before = func() error {
		if err := v.store.resolve(); err != nil {
			return err
		}
		if !v.store.plan.Config.Simulated() && !*allowTest {
			return &exitError{2, fmt.Errorf("the store in %s belongs to a production terminal: synthetic applications would be sent to the province; add --allow-test-data if that is meant (they are flagged test on the wire)", v.store.plan.StoreDir)}
		}
		return nil
	}
	return v.withStore(ctx, args, func(st *offline.Store) error {
		station := kiosk.Station{Code: "000000000", Terminal: "DEMO", Name: "演示终端"}
		for i := range *count {
			now := time.Now()
			seq, err := st.NextAcceptanceSeq(ctx, now)
			if err != nil {
				return err
			}
			app, files := queueDemoApplication(station, now, seq, i, *kb)
			if err := st.Enqueue(ctx, app, files); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s %s\n", app.InstanceID, app.AcceptanceNo)
		}
		return nil
	})
}

// queueDemoApplication makes a synthetic application (Test=true) with a made-up
// resident whose ID number passes the checksum.
func queueDemoApplication(st kiosk.Station, now time.Time, seq, i, kb int) (*kiosk.Application, map[string][]byte) {
	first17 := fmt.Sprintf("110101%04d0101%03d", 1950+i%50, seq%1000)
	c, _ := kiosk.IDCheckChar(first17)
	id := first17 + string(c)
	app := &kiosk.Application{
		InstanceID:   uuid.NewString(),
		AcceptanceNo: kiosk.AcceptanceNo(st, now, seq),
		ItemCode:     "DEMO-0001",
		ItemName:     "演示事项",
		Station:      st,
		Applicant:    kiosk.Identity{CardType: kiosk.CardResident, Source: kiosk.SourceCard, Name: fmt.Sprintf("测试%d", seq), IDNumber: id},
		Form:         map[string]string{"name": fmt.Sprintf("测试%d", seq), "id_number": id, "mobile": "13800000000"},
		CreatedAt:    now,
		Test:         true,
	}
	files := map[string][]byte{}
	if kb > 0 {
		b := make([]byte, kb<<10)
		rand.Read(b)
		sum := sha256.Sum256(b)
		app.Attachments = []kiosk.Attachment{{ID: "scan-1", MaterialID: "demo", Name: "scan-1.bin",
			MediaType: "application/octet-stream", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(b))}}
		app.Materials = []kiosk.MaterialSubmission{{SpecID: "demo", Name: "演示材料", Mode: kiosk.MaterialScanned, AttachmentIDs: []string{"scan-1"}}}
		files["scan-1"] = b
	}
	return app, files
}

func queueBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func queueOneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
