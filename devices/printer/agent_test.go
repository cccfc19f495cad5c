package printer_test

import (
	"testing"

	"github.com/bianmin/kiosk/devices/printer/escpos"
)

// TestLayoutAgentLine: a 帮办代办 receipt names the assisting staff member
// (the golden image shows the 帮办人员 line); a resident's own has none.
func TestLayoutAgentLine(t *testing.T) {
	_, f := testFont(t)
	r := sampleReceipt()
	r.Agent = "G0012 王芳"
	with := receiptsFor(t, r, escpos.Profile80, f, false)
	golden(t, "acceptance-agent-80.png", with[0])
	without := receiptsFor(t, sampleReceipt(), escpos.Profile80, f, false)
	if with[0].Bounds().Dy() <= without[0].Bounds().Dy() {
		t.Fatalf("the agent's receipt is %d dots long, the resident's %d: no agent line", with[0].Bounds().Dy(), without[0].Bounds().Dy())
	}
}
