package terminal

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/selftest"
)

// TestSelfTestOfTheRunningKiosk: the touchscreen's self-test goes through
// the kiosk's own services (it holds the ports): on the simulators every
// check passes and the printer prints a test slip; with the printer out of
// paper the receipt check fails saying so, the others still pass.
func TestSelfTestOfTheRunningKiosk(t *testing.T) {
	term := start(t)
	waitFor(t, "devices ready", 20*time.Second, func() bool {
		for _, d := range term.DeviceStates() {
			if d.State != "ready" {
				return false
			}
		}
		return len(term.DeviceStates()) == 4
	})
	before := len(term.Sims.Printer.Receipts())
	rs := term.SelfTest(context.Background())
	got := map[string]bool{}
	for _, r := range rs {
		got[r.Name] = r.OK
		if !r.OK {
			t.Errorf("%s: %s (%s)", r.Name, r.Reason, r.Detail)
		}
	}
	for _, n := range []string{"idcard", "receipt", "scan", "qr", "store", "disk", "platform", "clock", "catalog"} {
		if _, ok := got[n]; !ok {
			t.Errorf("no %s check", n)
		}
	}
	if len(term.Sims.Printer.Receipts()) != before+1 {
		t.Error("no test slip printed")
	}
	term.Sims.Printer.SetPaperOut(true)
	for _, r := range term.SelfTest(context.Background()) {
		if r.Name == "receipt" && (r.OK || !strings.Contains(r.Reason, "缺纸")) {
			t.Errorf("paper out: %+v", r)
		}
		if r.Name != "receipt" && (!r.OK || r.Reason != selftest.ReasonPass) {
			t.Errorf("%s failed with the printer out of paper: %s", r.Name, r.Reason)
		}
	}
}
