package screens

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
)

// TestStatusLineFollowsChanges: the status line is refreshed when the
// terminal says the status changed (StatusChanged), with no polling: the
// attract screen shows 离线 after the link drops and nothing else happened
// in the session. Kills: Run ignoring StatusChanged (the line would keep
// its old text until the next session render).
func TestStatusLineFollowsChanges(t *testing.T) {
	var online atomic.Bool
	online.Store(true)
	changed := make(chan struct{}, 1)
	opt := Options{Status: func() Status { return Status{Online: online.Load(), Printer: "ready"} }, StatusChanged: changed}
	_, u, w, _ := setupWith(t, false, opt, portrait)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- u.Run(ctx) }()
	defer func() {
		cancel()
		<-done
	}()
	offline := u.T("app.offline")
	showing := func() bool {
		var ok bool
		fyne.DoAndWait(func() { ok = shows(w.Content(), offline) })
		return ok
	}
	if showing() {
		t.Fatal("offline shown while online")
	}
	online.Store(false)
	changed <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for !showing() {
		if time.Now().After(deadline) {
			t.Fatal("the status line did not follow the link going down")
		}
		time.Sleep(10 * time.Millisecond) // polling the screen, not synchronising
	}
}
