package relay

import (
	"errors"
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
