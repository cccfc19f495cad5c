package systemd

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/journal"
)

// Personal data that a careless caller might log: none of it may reach the
// journal's fields or message.
const (
	testID     = "11010519491231002X"
	testMobile = "13800138000"
)

func TestJournalHandlerFieldsWithoutPersonalData(t *testing.T) {
	type entry struct {
		msg  string
		pri  journal.Priority
		vars map[string]string
	}
	var got []entry
	h := newJournalHandler(slog.LevelInfo)
	h.send = func(msg string, p journal.Priority, vars map[string]string) error {
		got = append(got, entry{msg, p, vars})
		return nil
	}
	log := slog.New(h).With("service", "relay").WithGroup("app")
	log.Error("submit failed for "+testID, "id_number", testID, "phone", testMobile, "attempt", 3, "err", errors.New("timeout"))
	log.Debug("not shown")
	if len(got) != 1 {
		t.Fatalf("%d entries, want 1 (debug is below the level)", len(got))
	}
	e := got[0]
	if e.pri != journal.PriErr {
		t.Errorf("priority %d, want %d", e.pri, journal.PriErr)
	}
	want := map[string]string{"KIOSK_SERVICE": "relay", "KIOSK_APP_ATTEMPT": "3", "KIOSK_APP_ERR": "timeout", "SYSLOG_IDENTIFIER": "bianmin-kiosk"}
	for k, v := range want {
		if e.vars[k] != v {
			t.Errorf("field %s = %q, want %q (all: %v)", k, e.vars[k], v, e.vars)
		}
	}
	all := e.msg
	for k, v := range e.vars {
		all += " " + k + "=" + v
	}
	for _, secret := range []string{testID, testMobile} {
		if strings.Contains(all, secret) {
			t.Errorf("journal entry carries personal data %s: %s", secret, all)
		}
	}
	if e.vars["KIOSK_APP_ID_NUMBER"] != "110***********002X" {
		t.Errorf("masked ID number = %q", e.vars["KIOSK_APP_ID_NUMBER"])
	}
}

func TestTextLoggerMasks(t *testing.T) {
	var b strings.Builder
	Logger(slog.LevelInfo, &b).Info("card", "id", testID, "phone", testMobile, "acceptance", "110105001-01-20261201-0001")
	out := b.String()
	if strings.Contains(out, testID) || strings.Contains(out, testMobile) {
		t.Fatalf("text log carries personal data: %s", out)
	}
	if !strings.Contains(out, "110105001-01-20261201-0001") {
		t.Fatalf("an acceptance number is not personal data and must stay readable: %s", out)
	}
}

// notifySocket is the service manager's end of NOTIFY_SOCKET, as systemd has it.
func notifySocket(t *testing.T) (Notifier, <-chan string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	msgs := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			if err != nil {
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	t.Setenv("NOTIFY_SOCKET", path)
	return SdNotify, msgs
}

func TestWatchdogStopsWhenNotAlive(t *testing.T) {
	notify, msgs := notifySocket(t)
	var blocked atomic.Bool
	release := make(chan struct{})
	w := &Watchdog{
		Interval: 20 * time.Millisecond,
		Notify:   notify,
		Alive: func(ctx context.Context) error {
			if blocked.Load() {
				<-release // a UI loop that never comes back
			}
			return nil
		},
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Serve(ctx); close(done) }()
	defer func() { cancel(); close(release); <-done }()
	if err := Ready(notify); err != nil {
		t.Fatal(err)
	}
	expect := func(want string) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case m := <-msgs:
				if m == want {
					return
				}
			case <-deadline:
				t.Fatalf("no %q from the kiosk", want)
			}
		}
	}
	expect("READY=1")
	expect("WATCHDOG=1")
	blocked.Store(true)
	// Drain what was in flight, then no ping may come while blocked: wait
	// for several intervals' worth of alive checks to time out.
	drainUntilQuiet := time.After(5 * w.Interval)
	for quiet := false; !quiet; {
		select {
		case <-msgs:
		case <-drainUntilQuiet:
			quiet = true
		}
	}
	select {
	case m := <-msgs:
		t.Fatalf("watchdog pinged %q while the UI loop was blocked", m)
	case <-time.After(10 * w.Interval):
	}
}

func TestWatchdogDisabledWithoutEnv(t *testing.T) {
	os.Unsetenv("WATCHDOG_USEC")
	os.Unsetenv("WATCHDOG_PID")
	if d := FromEnv(); d != 0 {
		t.Fatalf("FromEnv = %v without WATCHDOG_USEC", d)
	}
	t.Setenv("WATCHDOG_USEC", "30000000")
	if d := FromEnv(); d != 15*time.Second {
		t.Fatalf("FromEnv = %v, want 15s (half of WatchdogSec=30)", d)
	}
}
