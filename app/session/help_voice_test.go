package session

import (
	"testing"
)

// TestHelpAckIsSpoken: once staff acknowledge a help request the terminal
// also says so (a resident who cannot read the screen hears that someone is
// coming). Mutation killed (gremlins, help.go OpenHelp): speaking on
// failure instead of on the acknowledgement (err == nil negated).
func TestHelpAckIsSpoken(t *testing.T) {
	s, _, _, _ := newSession(t)
	sp := &recSpeaker{}
	s.deps.Speaker, s.deps.Prompt = sp, func(k string) string { return k }
	desk := &fakeDesk{ack: make(chan HelpAck, 1)}
	s.deps.Help = desk
	s.CardRead(card())
	desk.ack <- HelpAck{By: "大厅值班"}
	s.OpenHelp()
	waitFor(t, "acknowledged", func() bool { return s.Snapshot().Help.Status == HelpAcked })
	waitFor(t, "the acknowledgement spoken", func() bool { return sp.count("prompt.help_acked") == 1 })
}
