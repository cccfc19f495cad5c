package screens

import (
	"context"
	"errors"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/assets"
)

// heldDesk answers a help call when told: an acknowledgement or an error.
type heldDesk struct{ answer chan error }

func (d heldDesk) CallStaff(ctx context.Context, _ session.HelpRequest) (session.HelpAck, error) {
	select {
	case err := <-d.answer:
		if err != nil {
			return session.HelpAck{}, err
		}
		return session.HelpAck{By: "大厅值班"}, nil
	case <-ctx.Done():
		return session.HelpAck{}, ctx.Err()
	}
}

// TestHelpScreenTellsOnlyWhatIsTrue: 呼叫工作人员 on the attract screen
// says "calling" while the desk has not answered, "已收到" only after the
// acknowledgement, and "go to a window" when the call fails (offline).
// Kills: the help screen claiming staff were told before the ack, or
// saying nothing useful on a failed call.
func TestHelpScreenTellsOnlyWhatIsTrue(t *testing.T) {
	for _, fail := range []bool{false, true} {
		test.NewTempApp(t)
		cat, err := assets.Catalog()
		if err != nil {
			t.Fatal(err)
		}
		desk := heldDesk{answer: make(chan error)}
		s := session.New(session.Config{Station: kiosk.Station{Code: "330106001", Terminal: "T01"}},
			session.Deps{Catalog: cat, Store: &memStore{}, Printer: okPrinter{}, Clock: clk, Help: desk})
		w := test.NewWindow(nil)
		w.Resize(portrait)
		u := New(w, s, Options{})
		fyne.DoAndWait(func() {})
		tapButton(t, w, u.T("attract.help"))
		waitFor(t, func() bool { return shows(w.Content(), u.T("help.calling")) })
		if shows(w.Content(), u.T("help.called")) {
			t.Fatal("told that staff are coming before anyone acknowledged")
		}
		if fail {
			desk.answer <- errors.New("platform: link down")
			waitFor(t, func() bool { return shows(w.Content(), firstLine(u.T("help.failed"))) })
		} else {
			desk.answer <- nil
			waitFor(t, func() bool { return shows(w.Content(), firstLine(u.T("help.called"))) })
		}
		if shows(w.Content(), u.T("help.calling")) {
			t.Fatalf("fail=%v: still says calling", fail)
		}
	}
}
