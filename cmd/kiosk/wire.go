package main

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"strings"
	"sync"

	"fyne.io/fyne/v2"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/dock"
	"github.com/bianmin/kiosk/app/handwriting"
	"github.com/bianmin/kiosk/app/screens"
	"github.com/bianmin/kiosk/app/search"
	"github.com/bianmin/kiosk/app/session"
	"github.com/bianmin/kiosk/app/voice"
	"github.com/bianmin/kiosk/app/widgets"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/cmd/internal/terminal"
	"github.com/bianmin/kiosk/sync/api"
)

// speaker is the voice, or nil when no audio player exists.
type speaker struct{ v *voice.Voice }

func newSpeaker(cfg config.Config, log *slog.Logger) *speaker {
	p, ok := voice.DefaultPlayer()
	if !ok {
		return nil // run logs it, once the terminal started
	}
	st := voice.DefaultSettings
	st.Enabled = cfg.UI.Voice
	if cfg.UI.Volume > 0 {
		st.Volume = min(100, cfg.UI.Volume)
	}
	return &speaker{v: voice.New(voice.ESpeak{}, p, st, log)}
}

func (s *speaker) Say(ctx context.Context, text string) error {
	if s == nil {
		return nil
	}
	return s.v.Say(ctx, text)
}

func (s *speaker) set(on bool) {
	st := s.v.Settings()
	st.Enabled = on
	s.v.SetSettings(st)
}

func uiOptions(cfg config.Config, term *terminal.Terminal, sp *speaker) screens.Options {
	opt := screens.Options{
		Lang:     cfg.UI.Language,
		Search:   &catalogSearch{cat: term.Session.Catalog},
		Keyboard: screens.TouchKeyboard{Handwriting: recognizer()},
		NewSignaturePad: func() screens.SignaturePad {
			return sigPad{widgets.NewSignaturePad(fyne.NewSize(1000, 400))}
		},
		StatusChanged: term.StatusChanged(), // the status line follows the devices and the link: no polling
		Status: func() screens.Status {
			st := screens.Status{Online: term.Online()}
			if term.Printer != nil {
				st.Printer = string(term.Printer.State().State)
			}
			return st
		},
	}
	if sp != nil {
		opt.Voice = sp.set
	}
	return opt
}

// recognizer finds the zinnia handwriting model, or returns nil (pinyin
// only) when it is not installed. The model (25 MB, read whole) is loaded
// when a keyboard opens and freed after handwriting.DefaultIdle unused, so
// the attract screen does not carry it (docs/bench.md, idle RSS).
func recognizer() widgets.Recognizer {
	r, err := handwriting.OpenLazy("", 0)
	if err != nil {
		slog.Warn("handwriting input off", "err", err)
		return nil
	}
	return r
}

// catalogSearch searches the session's current catalogue, rebuilding the
// index when a newer catalogue has taken over. One index per screen
// language: the English screen also finds items by their English names.
type catalogSearch struct {
	cat   func() *kiosk.Catalog
	mu    sync.Mutex
	of    *kiosk.Catalog
	index map[string]*search.Index // by language
}

func (c *catalogSearch) Search(lang, q string, limit int) []string {
	cur := c.cat()
	c.mu.Lock()
	if c.of != cur {
		c.index, c.of = map[string]*search.Index{}, cur
	}
	ix := c.index[lang]
	if ix == nil {
		ix = search.New(search.DocsIn(cur, lang))
		c.index[lang] = ix
	}
	c.mu.Unlock()
	return ix.Search(q, limit)
}

// sigPad adapts the widgets' signature pad to the screen's interface.
type sigPad struct{ *widgets.SignaturePad }

func (p sigPad) IsEmpty() bool { return p.Empty() }

var _ session.Speaker = (*speaker)(nil)

func newDock(term *terminal.Terminal, lang string) *dock.Dock {
	c := dock.Controls{}
	if r := term.Sims.Reader; r != nil {
		cards, _ := testcards.All()
		for _, card := range cards {
			card := card
			c.Cards = append(c.Cards, dock.Card{Label: card.Label, Place: func() {
				id, err := testcards.Get(card.Label)
				if err == nil {
					_ = r.PlaceCard(id)
				}
			}})
		}
		c.RemoveCard = r.RemoveCard
	}
	if p := term.Sims.Printer; p != nil {
		c.PaperOut = p.SetPaperOut
		c.CoverOpen = p.SetCoverOpen
		c.LastReceipt = func() image.Image { return p.LastReceipt() }
	}
	if n := term.Sims.Net; n != nil {
		c.Network = n.Set
	}
	if ps := term.Sims.Platform; ps != nil {
		c.AcceptAll = func() {
			rec, err := ps.Received()
			if err != nil {
				return
			}
			for _, r := range rec {
				if r.Submitted && r.State == "submitted" {
					_ = ps.Decide(api.Decision{InstanceID: r.InstanceID, State: "accepted", Note: "模拟受理"})
				}
			}
		}
	}
	if q := term.Sims.QR; q != nil {
		// Through the simulated scanner and the real line protocol.
		c.ScanLastQR = func() {
			if s := term.Session.Snapshot(); s.Receipt != nil && s.Receipt.QRPayload != "" {
				_ = q.Send(s.Receipt.QRPayload)
			}
		}
	}
	c.Summary = func() string {
		var parts []string
		for _, d := range term.DeviceStates() {
			parts = append(parts, d.Device+": "+string(d.State))
		}
		if n, err := term.Store.Depth(context.Background()); err == nil {
			parts = append(parts, fmt.Sprintf("queue: %d", n))
		}
		rs := term.Relay.Status()
		parts = append(parts, fmt.Sprintf("link: %s, submitted %d", rs.Conn, rs.Submitted))
		return strings.Join(parts, "\n")
	}
	return dock.New(c, lang)
}
