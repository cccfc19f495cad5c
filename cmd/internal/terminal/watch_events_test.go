package terminal

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/cmd/internal/config"
)

// TestWatcherFollowsPrinterEvents: the degraded-mode watcher polls nothing
// but the disk (here once an hour), yet a printer running out of paper
// reaches the session as printer_out and the status line's channel: it
// wakes on the printer service's state changes. Kills: the watcher not
// subscribed to the printer (it would learn only at its next disk check);
// no status-line signal on a shown change.
func TestWatcherFollowsPrinterEvents(t *testing.T) {
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	cfg.IDCard.Backend = config.BackendNone
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	waitFor(t, "the printer ready", 20*time.Second, func() bool { return term.Printer.State().State == "ready" })

	// A watcher of the same devices feeding a session of its own, with no
	// disk to measure (Store nil) and its disk check an hour away.
	w := &Terminal{Printer: term.Printer, Relay: term.Relay, log: slog.New(slog.DiscardHandler),
		Session: session.New(session.Config{DegradedSettle: 50 * time.Millisecond}, session.Deps{Catalog: term.Catalog})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go w.Session.Run(ctx)
	go w.watchDegraded(ctx, time.Hour, 50*time.Millisecond)
	waitFor(t, "reader_missing settled", 10*time.Second, func() bool { return w.Session.Snapshot().Degraded.ReaderMissing })
	select { // what the first evaluation signalled
	case <-w.StatusChanged():
	default:
	}

	term.Sims.Printer.SetPaperOut(true)
	waitFor(t, "printer_out in the session", 10*time.Second, func() bool { return w.Session.Snapshot().Degraded.PrinterOut })
	select {
	case <-w.StatusChanged():
	case <-time.After(5 * time.Second):
		t.Fatal("the status line was not told the printer's state changed")
	}
}
