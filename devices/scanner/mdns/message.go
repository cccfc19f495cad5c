package mdns

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// classMask clears mDNS's cache-flush (answers) or unicast-response
// (questions) bit from a class (RFC 6762 §10.2, §5.4).
const classMask = 0x7fff

// record is one resource record of a response, reduced to what browsing
// uses. Name and Target are lower-cased for lookups; Instance keeps the
// PTR target's original spelling (instance names are shown to people).
type record struct {
	Name     string // owner name, lower-cased, with the trailing dot
	Type     dnsmessage.Type
	TTL      uint32
	Target   string // PTR target or SRV target, lower-cased
	Instance string // PTR target as sent
	Port     uint16 // SRV
	TXT      []string
	Addr     netip.Addr // A, AAAA
}

// message is a parsed mDNS packet.
type message struct {
	Response  bool
	ID        uint16
	Questions []dnsmessage.Question
	Records   []record // answers, then additional records
}

// errNotDNS wraps every parse failure.
var errNotDNS = errors.New("mdns: malformed message")

// parseMessage parses a packet from the network. Malformed input gives an
// error, never a panic (FuzzParseMessage). The authority section (probes'
// proposed records) is skipped; unknown record types are skipped.
func parseMessage(b []byte) (message, error) {
	var p dnsmessage.Parser
	h, err := p.Start(b)
	if err != nil {
		return message{}, fmt.Errorf("%w: header: %w", errNotDNS, err)
	}
	m := message{Response: h.Response, ID: h.ID}
	qs, err := p.AllQuestions()
	if err != nil {
		return message{}, fmt.Errorf("%w: questions: %w", errNotDNS, err)
	}
	m.Questions = qs
	if err := m.section(&p, p.AnswerHeader, p.SkipAnswer); err != nil {
		return message{}, fmt.Errorf("%w: answers: %w", errNotDNS, err)
	}
	if err := p.SkipAllAuthorities(); err != nil {
		return message{}, fmt.Errorf("%w: authorities: %w", errNotDNS, err)
	}
	if err := m.section(&p, p.AdditionalHeader, p.SkipAdditional); err != nil {
		return message{}, fmt.Errorf("%w: additional: %w", errNotDNS, err)
	}
	return m, nil
}

// section reads one section's records with its header and skip functions.
func (m *message) section(p *dnsmessage.Parser, next func() (dnsmessage.ResourceHeader, error), skip func() error) error {
	for {
		h, err := next()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			return nil
		}
		if err != nil {
			return err
		}
		r := record{Name: strings.ToLower(h.Name.String()), Type: h.Type, TTL: h.TTL}
		if h.Class&classMask != dnsmessage.ClassINET {
			if err := skip(); err != nil {
				return err
			}
			continue
		}
		switch h.Type {
		case dnsmessage.TypePTR:
			rr, err := p.PTRResource()
			if err != nil {
				return err
			}
			r.Instance = rr.PTR.String()
			r.Target = strings.ToLower(r.Instance)
		case dnsmessage.TypeSRV:
			rr, err := p.SRVResource()
			if err != nil {
				return err
			}
			r.Target, r.Port = strings.ToLower(rr.Target.String()), rr.Port
		case dnsmessage.TypeTXT:
			rr, err := p.TXTResource()
			if err != nil {
				return err
			}
			r.TXT = rr.TXT
		case dnsmessage.TypeA:
			rr, err := p.AResource()
			if err != nil {
				return err
			}
			r.Addr = netip.AddrFrom4(rr.A)
		case dnsmessage.TypeAAAA:
			rr, err := p.AAAAResource()
			if err != nil {
				return err
			}
			r.Addr = netip.AddrFrom16(rr.AAAA)
		default:
			if err := skip(); err != nil {
				return err
			}
			continue
		}
		m.Records = append(m.Records, r)
	}
}

// buildQuery packs a one-shot query (RFC 6762 §5.1) for each name and type.
func buildQuery(qs []dnsmessage.Question) ([]byte, error) {
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), dnsmessage.Header{})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, fmt.Errorf("mdns: query: %w", err)
	}
	for _, q := range qs {
		if err := b.Question(q); err != nil {
			return nil, fmt.Errorf("mdns: query %s: %w", q.Name, err)
		}
	}
	out, err := b.Finish()
	if err != nil {
		return nil, fmt.Errorf("mdns: query: %w", err)
	}
	return out, nil
}

// question is a question for name (absolute, with the trailing dot) and t.
func question(name string, t dnsmessage.Type) (dnsmessage.Question, error) {
	n, err := dnsmessage.NewName(name)
	if err != nil {
		return dnsmessage.Question{}, fmt.Errorf("mdns: name %q: %w", name, err)
	}
	return dnsmessage.Question{Name: n, Type: t, Class: dnsmessage.ClassINET}, nil
}

// parseTXT turns TXT strings into a map with lower-cased keys (keys are
// case-insensitive, the first occurrence counts, a key without "=" is a
// boolean attribute with the empty value: RFC 6763 §6.4). Empty strings and
// strings starting with "=" are ignored.
func parseTXT(txt []string) map[string]string {
	out := map[string]string{}
	for _, s := range txt {
		k, v, _ := strings.Cut(s, "=")
		if k == "" {
			continue
		}
		k = strings.ToLower(k)
		if _, dup := out[k]; dup {
			continue
		}
		out[k] = v
	}
	return out
}
