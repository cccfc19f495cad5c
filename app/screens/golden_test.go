package screens

import (
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/session"
)

// TestGoldenScreens renders screens headless with Fyne's software painter and
// compares them with testdata/*.png (rewrite with -update... Fyne's helper
// writes failed/ next to testdata on a mismatch).
func TestGoldenScreens(t *testing.T) {
	for _, elder := range []bool{false, true} {
		mode := "normal"
		if elder {
			mode = "elder"
		}
		t.Run(mode, func(t *testing.T) {
			s, _, w, _ := setup(t, elder)
			assertGolden(t, mode+"/attract.png", capture(w))
			s.CardRead(resident())
			assertGolden(t, mode+"/home.png", capture(w))
			code := s.Frequent()[0].Code
			if err := s.ChooseItem(code); err != nil {
				t.Fatal(err)
			}
			assertGolden(t, mode+"/guide.png", capture(w))
			s.StartForm()
			s.SetField("phone", "1380013")
			assertGolden(t, mode+"/form.png", capture(w))
		})
	}
}

// TestTapsDriveTheSession taps real buttons and checks the session follows.
func TestTapsDriveTheSession(t *testing.T) {
	s, _, w, _ := setup(t, false)
	s.CardRead(resident())
	if s.Snapshot().Screen != session.ScreenHome {
		t.Fatal("not home")
	}
	first := s.Frequent()[0]
	tapButton(t, w, first.Name)
	if sn := s.Snapshot(); sn.Screen != session.ScreenGuide || sn.Item.Code != first.Code {
		t.Fatalf("tap on %s: %s", first.Name, sn.Screen)
	}
	tapButton(t, w, "开始办理")
	if s.Snapshot().Screen != session.ScreenForm {
		t.Fatal("start did not open the form")
	}
	tapButton(t, w, "长辈模式")
	if !s.Snapshot().Elder {
		t.Fatal("elder mode not switched on")
	}
	tapButton(t, w, "返回")
	if s.Snapshot().Screen != session.ScreenGuide {
		t.Fatal("back did not return to the guide")
	}
	tapButton(t, w, "退出")
	sn := s.Snapshot()
	if sn.Screen != session.ScreenEnd || sn.Identity != nil {
		t.Fatalf("exit left %s with identity %v", sn.Screen, sn.Identity)
	}
	_ = kiosk.StateQueued
}
