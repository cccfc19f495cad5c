package mdns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/net/ipv4"
)

// Service is one DNS-SD service a Responder advertises.
type Service struct {
	Instance string       // "Bianmin eSCL Emulator"
	Type     string       // ServiceESCL
	Host     string       // "bianmin-esclsim.local." (the SRV target)
	Port     int          // the SRV port
	TXT      []string     // "rs=eSCL", "ty=...", ...
	Addrs    []netip.Addr // the host's A and AAAA records
}

// Responder answers mDNS queries for its services over IPv4: PTR questions
// for the service type with the PTR, and the SRV, TXT and address records
// in the additional section; SRV, TXT, A and AAAA questions directly.
// Queries from a port other than the group's (one-shot, legacy) are
// answered by unicast to the querier with the query's ID and questions
// (RFC 6762 §6.7); others by multicast. It does not probe or announce: it
// is the emulator's advertiser and the tests' peer, not a full mDNS stack.
type Responder struct {
	Services   []Service
	Interfaces []net.Interface // nil: Interfaces()
	Group4     netip.AddrPort  // zero: DefaultGroup4; port 0: any free port, the same on every interface (see Group)
	Log        *slog.Logger

	// Knobs for tests of the browser.
	NoAdditional   bool // never put records in the additional section: queriers must ask for SRV, TXT and addresses
	OnlyAdditional bool // answer PTR questions only: SRV, TXT and addresses come only as additional records
	Multicast      bool // answer every query by multicast to the group, one-shot ones too (as responders that ignore RFC 6762 §6.7 do)

	mu    sync.Mutex
	group netip.AddrPort
	conns []*net.UDPConn
	wg    sync.WaitGroup
	seen  int // queries answered
}

// Start joins the group on each interface and answers until ctx is done or
// Close is called. It returns once the sockets listen.
func (r *Responder) Start(ctx context.Context) error {
	if r.Log == nil {
		r.Log = slog.New(slog.DiscardHandler)
	}
	ifaces := r.Interfaces
	if ifaces == nil {
		var err error
		if ifaces, err = Interfaces(); err != nil {
			return err
		}
	}
	g := r.Group4
	if !g.IsValid() {
		g = DefaultGroup4
	}
	var errs []error
	for _, ifi := range ifaces {
		c, err := listenGroup(ifi, g)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ifi.Name, err))
			continue
		}
		if g.Port() == 0 {
			g = netip.AddrPortFrom(g.Addr(), c.LocalAddr().(*net.UDPAddr).AddrPort().Port())
		}
		r.mu.Lock()
		r.group = g // before serve reads it
		r.mu.Unlock()
		// Answers leave from a socket of their own on an ephemeral port:
		// the group-bound one has a multicast address to send from.
		out, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4zero})
		if err != nil {
			c.Close()
			errs = append(errs, fmt.Errorf("%s: %w", ifi.Name, err))
			continue
		}
		p := ipv4.NewPacketConn(out)
		_ = p.SetMulticastInterface(&ifi)
		_ = p.SetMulticastTTL(255)
		_ = p.SetMulticastLoopback(true)
		r.mu.Lock()
		r.conns = append(r.conns, c, out)
		r.mu.Unlock()
		r.wg.Add(1)
		go func() { defer r.wg.Done(); r.serve(ctx, c, out, ifi.Name) }()
	}
	r.mu.Lock()
	r.group = g
	n := len(r.conns)
	r.mu.Unlock()
	if n == 0 {
		return fmt.Errorf("mdns: respond: no interface: %w", errors.Join(errs...))
	}
	context.AfterFunc(ctx, r.closeConns)
	return nil
}

// Group is the group address and port the responder listens on.
func (r *Responder) Group() netip.AddrPort {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.group
}

// Answered is how many queries were answered.
func (r *Responder) Answered() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.seen
}

// Close stops answering and waits for the sockets to close.
func (r *Responder) Close() {
	r.closeConns()
	r.wg.Wait()
}

func (r *Responder) closeConns() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range r.conns {
		c.Close()
	}
}

func (r *Responder) serve(ctx context.Context, c, send *net.UDPConn, iface string) {
	buf := make([]byte, 9000)
	for {
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		m, err := parseMessage(buf[:n])
		if err != nil || m.Response {
			continue
		}
		legacy := from.Port() != r.Group().Port() && !r.Multicast
		out, err := r.answer(m, legacy)
		if err != nil {
			r.Log.Debug("mdns answer", "err", err)
			continue
		}
		if out == nil {
			continue
		}
		to := from
		if !legacy {
			to = r.Group()
		}
		if _, err := send.WriteToUDPAddrPort(out, to); err != nil {
			r.Log.Debug("mdns reply", "iface", iface, "err", err)
			continue
		}
		r.mu.Lock()
		r.seen++
		r.mu.Unlock()
	}
}

// answer builds the response to a query, nil when nothing is ours.
func (r *Responder) answer(q message, legacy bool) ([]byte, error) {
	ttl := uint32(120)
	class := dnsmessage.Class(0x8000) | dnsmessage.ClassINET // cache-flush for unique records
	if legacy {
		ttl, class = 10, dnsmessage.ClassINET
	}
	h := dnsmessage.Header{Response: true, Authoritative: true}
	if legacy {
		h.ID = q.ID
	}
	type rr struct {
		name string
		t    dnsmessage.Type
		svc  Service
	}
	var answers, extra []rr
	for _, qu := range q.Questions {
		name := strings.ToLower(qu.Name.String())
		for _, s := range r.Services {
			inst := s.Instance + "." + s.Type + ".local."
			switch {
			case name == strings.ToLower(s.Type)+".local." && (qu.Type == dnsmessage.TypePTR || qu.Type == dnsmessage.TypeALL):
				answers = append(answers, rr{s.Type + ".local.", dnsmessage.TypePTR, s})
				extra = append(extra, rr{inst, dnsmessage.TypeSRV, s}, rr{inst, dnsmessage.TypeTXT, s}, rr{s.Host, dnsmessage.TypeA, s}, rr{s.Host, dnsmessage.TypeAAAA, s})
			case r.OnlyAdditional:
			case name == strings.ToLower(inst) && (qu.Type == dnsmessage.TypeSRV || qu.Type == dnsmessage.TypeTXT || qu.Type == dnsmessage.TypeALL):
				if qu.Type != dnsmessage.TypeTXT {
					answers = append(answers, rr{inst, dnsmessage.TypeSRV, s})
					extra = append(extra, rr{s.Host, dnsmessage.TypeA, s}, rr{s.Host, dnsmessage.TypeAAAA, s})
				}
				if qu.Type != dnsmessage.TypeSRV {
					answers = append(answers, rr{inst, dnsmessage.TypeTXT, s})
				}
			case name == strings.ToLower(s.Host) && (qu.Type == dnsmessage.TypeA || qu.Type == dnsmessage.TypeAAAA || qu.Type == dnsmessage.TypeALL):
				if qu.Type != dnsmessage.TypeAAAA {
					answers = append(answers, rr{s.Host, dnsmessage.TypeA, s})
				}
				if qu.Type != dnsmessage.TypeA {
					answers = append(answers, rr{s.Host, dnsmessage.TypeAAAA, s})
				}
			}
		}
	}
	if len(answers) == 0 {
		return nil, nil
	}
	if r.NoAdditional {
		extra = nil
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, 1024), h)
	b.EnableCompression()
	if legacy {
		if err := b.StartQuestions(); err != nil {
			return nil, err
		}
		for _, qu := range q.Questions {
			if err := b.Question(qu); err != nil {
				return nil, err
			}
		}
	}
	put := func(x rr, shared bool) error {
		n, err := dnsmessage.NewName(x.name)
		if err != nil {
			return err
		}
		rh := dnsmessage.ResourceHeader{Name: n, Class: class, TTL: ttl}
		if shared { // PTR records are shared: no cache-flush bit
			rh.Class = dnsmessage.ClassINET
		}
		switch x.t {
		case dnsmessage.TypePTR:
			t, err := dnsmessage.NewName(x.svc.Instance + "." + x.svc.Type + ".local.")
			if err != nil {
				return err
			}
			return b.PTRResource(rh, dnsmessage.PTRResource{PTR: t})
		case dnsmessage.TypeSRV:
			t, err := dnsmessage.NewName(x.svc.Host)
			if err != nil {
				return err
			}
			return b.SRVResource(rh, dnsmessage.SRVResource{Target: t, Port: uint16(x.svc.Port)})
		case dnsmessage.TypeTXT:
			txt := x.svc.TXT
			if len(txt) == 0 {
				txt = []string{""}
			}
			return b.TXTResource(rh, dnsmessage.TXTResource{TXT: txt})
		case dnsmessage.TypeA:
			for _, a := range x.svc.Addrs {
				if a.Is4() {
					if err := b.AResource(rh, dnsmessage.AResource{A: a.As4()}); err != nil {
						return err
					}
				}
			}
		case dnsmessage.TypeAAAA:
			for _, a := range x.svc.Addrs {
				if a.Is6() && !a.Is4In6() {
					if err := b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := b.StartAnswers(); err != nil {
		return nil, err
	}
	for _, x := range answers {
		if err := put(x, x.t == dnsmessage.TypePTR); err != nil {
			return nil, fmt.Errorf("mdns: answer %s: %w", x.name, err)
		}
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	for _, x := range extra {
		if err := put(x, false); err != nil {
			return nil, fmt.Errorf("mdns: additional %s: %w", x.name, err)
		}
	}
	return b.Finish()
}
