package terminal

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/scanner"
)

// sharedScanner serialises the session's scans and the status poller on
// one device (a Scanner serves one goroutine at a time): a poll while a
// job runs does not touch the device and reports it busy.
type sharedScanner struct {
	scanner.Scanner
	mu sync.Mutex
}

func (s *sharedScanner) Capabilities(ctx context.Context) (scanner.Caps, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Scanner.Capabilities(ctx)
}

func (s *sharedScanner) Scan(ctx context.Context, st scanner.Settings) ([]scanner.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Scanner.Scan(ctx, st)
}

func (s *sharedScanner) Status(ctx context.Context) (scanner.Status, error) {
	if !s.mu.TryLock() {
		return scanner.Status{State: kiosk.DeviceBusy, Detail: "scanning"}, nil
	}
	defer s.mu.Unlock()
	return s.Scanner.Status(ctx)
}

// startScannerStatus runs the scanner's status poller (devloop's loop)
// under the supervisor; its last state is in t.scanState for heartbeats.
func (t *Terminal) startScannerStatus(ctx context.Context, s *sharedScanner, fast bool) {
	iv := 30 * time.Second // scanimage -n is a process: keep the attract screen quiet
	if fast {
		iv = 200 * time.Millisecond
	}
	t.scanState = new(atomic.Value)
	t.scanState.Store(scanner.Status{State: kiosk.DeviceDisconnected, Detail: "not polled yet"})
	t.sv.Go(ctx, "scanner-status", &scanner.Poller{Scanner: s, Interval: iv, Log: t.log,
		OnChange: func(st scanner.Status) { t.scanState.Store(st) }})
}

// scannerState is the scanner's last polled state ("" without a scanner).
func (t *Terminal) scannerState() kiosk.DeviceState {
	if t.scanState == nil {
		return ""
	}
	return t.scanState.Load().(scanner.Status).State
}
