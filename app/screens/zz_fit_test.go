package screens

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/app/widgets"
)

// TestEveryScreenFits builds every screen (keyboards open where a resident
// opens them) in portrait and landscape, normal and 长辈模式, and checks that
// its minimum size fits the display: nothing is clipped or pushed off the
// side; what is taller than the display scrolls.
func TestEveryScreenFits(t *testing.T) {
	for _, size := range []fyne.Size{fyne.NewSize(1080, 1920), fyne.NewSize(1920, 1080)} {
		for _, elder := range []bool{false, true} {
			name := fmt.Sprintf("%.0fx%.0f-elder=%v", size.Width, size.Height, elder)
			t.Run(name, func(t *testing.T) {
				var pad *widgets.SignaturePad
				opt := Options{Keyboard: TouchKeyboard{}, Voice: func(bool) {},
					NewSignaturePad: func() SignaturePad { pad = widgets.NewSignaturePad(fyne.NewSize(1000, 400)); return sigPad{pad} }}
				s, u, w, _ := setupWith(t, elder, opt, size)
				check := func(what string) {
					t.Helper()
					min := w.Content().MinSize()
					if min.Width > size.Width+0.5 || min.Height > size.Height+0.5 {
						t.Errorf("%s: needs %.0f×%.0f on a %.0f×%.0f display%s", what, min.Width, min.Height, size.Width, size.Height, widest(w.Content(), size))
					}
				}
				check("attract")
				// The attract screen is the terminal's face: all of it on the
				// display, no scrolling.
				if sc := u.cur.scroll.Scroll(); sc.Content.MinSize().Height > sc.Size().Height+0.5 {
					t.Errorf("attract needs %.0f px high, the display gives it %.0f", sc.Content.MinSize().Height, sc.Size().Height)
				}
				s.StartManual()
				check("manual")
				tapButton(t, w, "请输入")
				check("manual with keyboard")
				s.Home()
				s.OpenHelp()
				check("help")
				s.Back()
				s.CardRead(resident())
				check("home")
				s.ChooseCategory(s.Catalog().Categories[0].ID)
				check("category")
				s.Home()
				s.OpenSearch()
				s.SetSearchResults("yl", []string{s.Frequent()[0].Code, s.Frequent()[1].Code})
				check("search")
				s.Home()
				_ = s.ChooseBundle(s.Catalog().Bundles[0].Code)
				check("bundle guide")
				s.Home()
				it := s.Frequent()[0]
				_ = s.ChooseItem(it.Code)
				check("guide")
				s.StartForm()
				check("form")
				for _, f := range it.Form {
					if f.Kind == kiosk.FieldText {
						tapButton(t, w, s.Snapshot().Form[f.Key])
						check("form with pinyin keyboard")
						break
					}
				}
				s.SetField("phone", "1")
				check("form with an error")
				s.Home()
				toSign(t, s)
				check("sign")
				_ = s.Sign([]byte("sig"))
				check("materials")
				for i, m := range s.Snapshot().Materials {
					if m.Mode == "" && m.Spec.Deferrable {
						_ = s.SetMaterialMode(i, kiosk.MaterialDeferred)
					}
				}
				if err := s.Review(); err == nil {
					check("review")
					s.Submit()
					for i := 0; i < 400 && s.Snapshot().Screen != session.ScreenDone; i++ {
						time.Sleep(5 * time.Millisecond)
					}
					check("done")
					s.OpenRating()
					check("rate")
				}
				s.OpenProgress()
				check("progress")
				clk.Add(95 * time.Second)
				s.Tick()
				check("idle warning")
				s.End()
				check("end")
			})
		}
	}
}

// widest names the chain of objects wider or taller than the display.
func widest(o fyne.CanvasObject, size fyne.Size) string {
	var b strings.Builder
	var rec func(o fyne.CanvasObject, depth int)
	rec = func(o fyne.CanvasObject, depth int) {
		m := o.MinSize()
		if m.Width <= size.Width+0.5 && m.Height <= size.Height+0.5 || depth > 30 {
			return
		}
		extra := ""
		switch v := o.(type) {
		case *widget.Label:
			extra = v.Text
		case *widget.Button:
			extra = v.Text
		}
		fmt.Fprintf(&b, "\n%*s%T %.0f×%.0f %q", depth, "", o, m.Width, m.Height, extra)
		switch v := o.(type) {
		case *fyne.Container:
			for _, c := range v.Objects {
				rec(c, depth+1)
			}
		case *container.Scroll:
			rec(v.Content, depth+1)
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(v).Objects() {
				rec(c, depth+1)
			}
		}
	}
	rec(o, 0)
	return b.String()
}
