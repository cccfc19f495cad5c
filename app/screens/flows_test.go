package screens

import (
	"fmt"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
)

// every screen, in normal and elder mode, against golden images.
func TestGoldenEveryScreen(t *testing.T) {
	for _, elder := range []bool{false, true} {
		mode := "normal"
		if elder {
			mode = "elder"
		}
		t.Run(mode, func(t *testing.T) {
			s, _, w, _ := setup(t, elder)
			n := 0
			shot := func(name string) {
				t.Helper()
				n++
				assertGolden(t, fmt.Sprintf("every-%s/%02d-%s.png", mode, n, name), capture(w))
			}
			wait := func(cond func(session.Snapshot) bool) {
				t.Helper()
				for i := 0; i < 400 && !cond(s.Snapshot()); i++ {
					time.Sleep(5 * time.Millisecond)
				}
				if !cond(s.Snapshot()) {
					t.Fatalf("timed out on %s", s.Snapshot().Screen)
				}
			}
			s.StartManual()
			shot("manual-id")
			s.Back()
			s.OpenHelp()
			shot("help")
			s.Back()
			id := resident()
			id.Name = "王\ue8a1明"
			id.RareChars = []rune{0xe8a1}
			s.CardRead(id)
			shot("confirm-id")
			s.ConfirmIdentity()
			s.ChooseCategory(s.Catalog().Categories[0].ID)
			shot("category")
			s.Home()
			s.OpenSearch()
			s.SetSearchResults("ylbx", []string{s.Frequent()[0].Code, s.Frequent()[1].Code})
			shot("search")
			s.Home()
			if err := s.ChooseBundle(s.Catalog().Bundles[0].Code); err != nil {
				t.Fatal(err)
			}
			shot("bundle-guide")
			// An item whose materials allow a commitment and a deferral.
			var item *kiosk.ServiceItem
			for i := range s.Catalog().Items {
				it := &s.Catalog().Items[i]
				var c, d bool
				for _, m := range it.Materials {
					c = c || m.Committable
					d = d || m.Deferrable
				}
				if c && d && it.Kiosk {
					item = it
					break
				}
			}
			if item == nil {
				t.Fatal("the catalogue has no kiosk item with both 告知承诺 and 容缺: this flow cannot be shown")
			}
			s.Home()
			_ = s.ChooseItem(item.Code)
			s.StartForm()
			for _, f := range item.Form {
				v := s.Snapshot().Form[f.Key]
				if v != "" && kiosk.CheckField(f, v) == nil {
					continue
				}
				s.SetField(f.Key, kiosk.SampleValue(f))
			}
			if !s.SubmitForm() {
				t.Fatalf("form: %v", s.Snapshot().FieldErrors)
			}
			shot("materials")
			for i, m := range s.Snapshot().Materials {
				if m.Mode == "" && m.Spec.Committable {
					_ = s.SetMaterialMode(i, kiosk.MaterialCommitted)
					shot("sign")
					_ = s.Sign([]byte("sig"))
				}
			}
			for i, m := range s.Snapshot().Materials {
				if m.Mode == "" && m.Spec.Deferrable {
					_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
				}
			}
			for i, m := range s.Snapshot().Materials {
				if m.Mode == "" && m.Spec.ELicence != "" {
					_ = s.SetMaterialMode(i, kiosk.MaterialELicence)
				}
			}
			if err := s.Review(); err != nil {
				t.Fatalf("item %s cannot reach review without a scan: %v", item.Code, err)
			}
			shot("review")
			s.Submit()
			wait(func(sn session.Snapshot) bool { return sn.Screen == session.ScreenDone })
			shot("done")
			s.OpenRating()
			shot("rate")
			s.OpenProgress()
			wait(func(sn session.Snapshot) bool { return !sn.Busy && sn.Progress != nil })
			shot("progress")
			s.End()
			shot("end")
		})
	}
}

// TestIdleWarningShowsCountdown: the warning covers the screen with the
// seconds left and a button that gives more time.
func TestIdleWarningShowsCountdown(t *testing.T) {
	s, _, w, _ := setup(t, false)
	s.CardRead(resident())
	clk.Add(91 * time.Second)
	s.Tick()
	if !s.Snapshot().Warning {
		t.Fatal("no warning")
	}
	assertGolden(t, "idle-warning.png", capture(w))
	tapButton(t, w, "需要更多时间")
	if s.Snapshot().Warning {
		t.Fatal("more time did not dismiss the warning")
	}
}
