package session

import (
	"sync"
	"testing"
	"time"
)

type paceCall struct {
	expect bool
	last   time.Time
}

type fakePace struct {
	mu    sync.Mutex
	calls []paceCall
}

func (f *fakePace) CardPace(expect bool, last time.Time) {
	f.mu.Lock()
	f.calls = append(f.calls, paceCall{expect, last})
	f.mu.Unlock()
}

func (f *fakePace) last(t *testing.T) paceCall {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("the reader was never told")
	}
	return f.calls[len(f.calls)-1]
}

// TestReaderToldWhenACardIsExpected: the session tells the ID card reader
// after each change whether a screen waits for a card and when the
// resident last acted, so that it polls fast then and slowly on an idle
// attract screen.
func TestReaderToldWhenACardIsExpected(t *testing.T) {
	s, _, _, clk := newSession(t)
	p := &fakePace{}
	s.deps.Reader = p
	clk.Add(time.Minute)
	s.Touch() // a tap on the attract screen
	if c := p.last(t); c.expect || !c.last.Equal(clk.Now()) {
		t.Fatalf("after a touch on the attract screen: %+v", c)
	}
	clk.Add(time.Minute)
	s.OpenProgress() // 进度查询: put the card or scan the receipt
	if c := p.last(t); !c.expect {
		t.Fatalf("progress screen: %+v", c)
	}
	s.Home()
	if c := p.last(t); c.expect {
		t.Fatalf("back on the attract screen: %+v", c)
	}
	s.CardRead(card())
	if c := p.last(t); c.expect || !c.last.Equal(clk.Now()) {
		t.Fatalf("session started: %+v", c)
	}
	clk.Add(time.Minute)
	s.CardRemoved() // the card taken off mid-session: it should come back
	if c := p.last(t); !c.expect {
		t.Fatalf("card out mid-session: %+v", c)
	}
	s.CardRead(card())
	s.End()
	if c := p.last(t); !c.expect || s.Snapshot().Screen != ScreenEnd {
		t.Fatalf("end screen (take your card): %+v on %s", c, s.Snapshot().Screen)
	}
}
