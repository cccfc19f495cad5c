package relay

import (
	"errors"
	"slices"
	"testing"

	"github.com/bianmin/kiosk/sync/client"
)

// TestObserveLinkState: a transport failure marks the link offline, the
// next successful exchange (a heartbeat, a status poll) marks it online
// again; an error answer from the platform itself (a 4xx) proves the link
// works and leaves it as it was; a 5xx counts as offline. Mutations killed
// (gremlins, relay.go observe): the Offline check on success negated, the
// StatusError and ErrServer checks negated.
func TestObserveLinkState(t *testing.T) {
	r := New(nil, nil, Config{}, nil)
	if got := r.Status().Conn; got != Offline {
		t.Fatalf("a new relay: %s", got)
	}
	r.observe(nil)
	if got := r.Status().Conn; got != Online {
		t.Fatalf("after a success: %s", got)
	}
	r.observe(errors.New("dial tcp: connection refused"))
	if got := r.Status().Conn; got != Offline {
		t.Fatalf("after a transport failure: %s", got)
	}
	r.observe(nil)
	if got := r.Status().Conn; got != Online {
		t.Fatalf("after the link came back: %s", got)
	}
	r.observe(&client.StatusError{Status: 409, Code: "conflict"})
	if got := r.Status().Conn; got != Online {
		t.Errorf("a 409 from the platform took the link down: %s", got)
	}
	r.observe(errors.Join(client.ErrServer, &client.StatusError{Status: 503}))
	if got := r.Status().Conn; got != Offline {
		t.Errorf("after a 5xx: %s", got)
	}
	r.setConn(Syncing)
	r.observe(nil)
	if got := r.Status().Conn; got != Syncing {
		t.Errorf("a success during a drain changed the link from syncing to %s", got)
	}
}

// TestOnConnTellsEachChange: Config.OnConn hears every change of the link
// state, once, and nothing when an exchange leaves it as it was (the status
// line follows the link without polling it). Kills: OnConn not called, or
// called on every exchange.
func TestOnConnTellsEachChange(t *testing.T) {
	var got []Conn
	r := New(nil, nil, Config{OnConn: func(c Conn) { got = append(got, c) }}, nil)
	r.observe(nil)
	r.observe(nil) // still online: nothing to tell
	r.observe(errors.New("dial tcp: connection refused"))
	r.observe(errors.New("dial tcp: connection refused"))
	r.setConn(Syncing)
	r.setConn(Syncing)
	want := []Conn{Online, Offline, Syncing}
	if !slices.Equal(got, want) {
		t.Fatalf("OnConn heard %v, want %v", got, want)
	}
}
