package mdns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// The DNS-SD service types of eSCL (Mopria/Apple AirScan): plain HTTP and
// HTTPS.
const (
	ServiceESCL  = "_uscan._tcp"
	ServiceESCLS = "_uscans._tcp"
)

// The mDNS groups (RFC 6762 §3).
var (
	DefaultGroup4 = netip.MustParseAddrPort("224.0.0.251:5353")
	DefaultGroup6 = netip.MustParseAddrPort("[ff02::fb]:5353")
)

// Scanner is one eSCL scanner found on the network.
type Scanner struct {
	Instance  string            `json:"instance"`            // the service instance name, "Brother MFC-L2750DW series"
	Service   string            `json:"service"`             // _uscan._tcp or _uscans._tcp
	Host      string            `json:"host"`                // the SRV target, "brn3c2af4.local."
	Port      int               `json:"port"`                // the SRV port
	Addrs     []netip.Addr      `json:"addrs,omitempty"`     // the host's addresses, IPv4 first
	Interface string            `json:"interface,omitempty"` // where the answer came in
	TXT       map[string]string `json:"txt,omitempty"`       // every TXT key, lower-cased
	URL       string            `json:"url"`                 // the eSCL base URL, "http://192.168.1.20:80/eSCL"

	// The TXT keys eSCL defines (Mopria eSCL specification, "Bonjour"):
	RS           string   `json:"rs"`                  // resource path ("eSCL" when absent)
	Model        string   `json:"ty,omitempty"`        // make and model
	UUID         string   `json:"uuid,omitempty"`      // the device's UUID
	Formats      []string `json:"pdl,omitempty"`       // document formats (pdl)
	ColorSpaces  []string `json:"cs,omitempty"`        // color, grayscale, binary (cs)
	InputSources []string `json:"is,omitempty"`        // platen, adf, camera (is)
	Duplex       bool     `json:"duplex,omitempty"`    // duplex=T
	AdminURL     string   `json:"admin_url,omitempty"` // adminurl
	Note         string   `json:"note,omitempty"`      // the location the owner set
	Complete     bool     `json:"complete"`            // SRV, TXT and an address were all seen
}

// Browser browses for eSCL scanners. The zero value browses both eSCL
// services on every up interface that has multicast or is loopback, over
// IPv4 and IPv6.
type Browser struct {
	Services   []string        // service types; nil: ServiceESCL and ServiceESCLS
	Interfaces []net.Interface // nil: every up multicast or loopback interface
	Group4     netip.AddrPort  // zero: DefaultGroup4 (tests use another port)
	Group6     netip.AddrPort  // zero: DefaultGroup6
	NoIPv6     bool            // query over IPv4 only
	Log        *slog.Logger
}

// Browse queries until ctx is done (its deadline is the normal end) or
// found returns true, and returns every scanner whose SRV record was seen,
// sorted by instance name. found (may be nil) is called once for each
// scanner when it is complete. The error is not nil only when no query could
// be sent at all.
func (b *Browser) Browse(ctx context.Context, found func(Scanner) bool) ([]Scanner, error) {
	log := b.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	services := b.Services
	if len(services) == 0 {
		services = []string{ServiceESCL, ServiceESCLS}
	}
	ifaces := b.Interfaces
	if ifaces == nil {
		var err error
		if ifaces, err = Interfaces(); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns, err := b.open(ctx, ifaces, log)
	if err != nil {
		return nil, err
	}
	packets := make(chan packet, 64)
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Add(1)
		go func() { defer wg.Done(); c.read(ctx, packets) }()
	}
	defer func() {
		cancel()
		for _, c := range conns {
			c.pc.Close()
		}
		wg.Wait()
	}()

	st := newState(services)
	var ptrs []dnsmessage.Question
	for _, s := range services {
		q, err := question(s+".local.", dnsmessage.TypePTR)
		if err != nil {
			return nil, err
		}
		ptrs = append(ptrs, q)
	}
	send := func(qs []dnsmessage.Question) int {
		msg, err := buildQuery(qs)
		if err != nil {
			log.Debug("mdns query", "err", err)
			return 0
		}
		sent := 0
		for _, c := range conns {
			if c.listen {
				continue
			}
			if err := c.send(ctx, msg); err != nil {
				log.Debug("mdns send", "iface", c.ifi.Name, "err", err)
				continue
			}
			sent++
		}
		return sent
	}
	if send(ptrs) == 0 {
		return nil, errors.New("mdns: no interface could send a query")
	}
	// Resend the PTR query at 1 s, 2 s, 4 s... (RFC 6762 §5.2) for
	// responders that missed one.
	resend := time.NewTimer(time.Second)
	defer resend.Stop()
	wait := time.Second
	for {
		select {
		case <-ctx.Done():
			return st.scanners(true), nil
		case <-resend.C:
			send(ptrs)
			wait *= 2
			resend.Reset(wait)
		case p := <-packets:
			m, err := parseMessage(p.data)
			if err != nil {
				log.Debug("mdns packet", "iface", p.iface, "err", err)
				continue
			}
			if !m.Response {
				continue
			}
			st.add(m.Records, p.iface)
			if qs := st.missing(time.Now()); len(qs) > 0 {
				send(qs)
			}
			for _, s := range st.newlyComplete() {
				if found != nil && found(s) {
					return st.scanners(true), nil
				}
			}
		}
	}
}

// Interfaces lists the interfaces a zero Browser uses: up, and multicast
// or loopback (ipp-usb advertises USB scanners on loopback).
func Interfaces() ([]net.Interface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("mdns: interfaces: %w", err)
	}
	var out []net.Interface
	for _, i := range all {
		if i.Flags&net.FlagUp != 0 && i.Flags&(net.FlagMulticast|net.FlagLoopback) != 0 {
			out = append(out, i)
		}
	}
	return out, nil
}

type packet struct {
	data  []byte
	iface string
}

// conn is one socket for one interface and family. Queries leave from an
// ephemeral port: queries from a port other than 5353 are one-shot
// queries, answered by unicast to that port (RFC 6762 §5.1, §6.7). The
// listen-only sockets that hear multicast answers are bound to the group
// address (listenGroup), so an avahi-daemon on the same machine keeps
// every unicast datagram to its port 5353.
type conn struct {
	pc     *net.UDPConn
	ifi    net.Interface
	group  *net.UDPAddr
	listen bool // joined to the group to hear multicast answers; sends nothing
}

func (b *Browser) open(ctx context.Context, ifaces []net.Interface, log *slog.Logger) ([]*conn, error) {
	g4, g6 := b.Group4, b.Group6
	if !g4.IsValid() {
		g4 = DefaultGroup4
	}
	if !g6.IsValid() {
		g6 = DefaultGroup6
	}
	var conns []*conn
	var errs []error
	var lc net.ListenConfig
	for _, ifi := range ifaces {
		pc, err := lc.ListenPacket(ctx, "udp4", "0.0.0.0:0")
		if err == nil {
			p := ipv4.NewPacketConn(pc)
			if err = p.SetMulticastInterface(&ifi); err == nil {
				_ = p.SetMulticastTTL(255)
				_ = p.SetMulticastLoopback(true)
				conns = append(conns, &conn{pc: pc.(*net.UDPConn), ifi: ifi, group: net.UDPAddrFromAddrPort(g4)})
			} else {
				pc.Close()
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s ipv4: %w", ifi.Name, err))
		}
		if b.NoIPv6 || !hasIPv6(ifi) {
			continue
		}
		pc, err = lc.ListenPacket(ctx, "udp6", "[::]:0")
		if err == nil {
			p := ipv6.NewPacketConn(pc)
			if err = p.SetMulticastInterface(&ifi); err == nil {
				_ = p.SetMulticastHopLimit(255)
				_ = p.SetMulticastLoopback(true)
				ga := net.UDPAddrFromAddrPort(g6)
				ga.Zone = ifi.Name
				conns = append(conns, &conn{pc: pc.(*net.UDPConn), ifi: ifi, group: ga})
			} else {
				pc.Close()
			}
		}
		if err != nil {
			log.Debug("mdns ipv6", "iface", ifi.Name, "err", err)
		}
	}
	if len(conns) == 0 {
		return nil, fmt.Errorf("mdns: no usable interface: %w", errors.Join(errs...))
	}
	// Hear answers sent to the group too: a responder that answers a
	// one-shot query by multicast (against RFC 6762 §6.7) is found as
	// well. Best effort: without it only unicast answers are heard.
	for _, ifi := range ifaces {
		c, err := listenGroup(ifi, g4)
		if err != nil {
			log.Debug("mdns group", "iface", ifi.Name, "err", err)
			continue
		}
		conns = append(conns, &conn{pc: c, ifi: ifi, listen: true})
	}
	return conns, nil
}

// hasIPv6 tells whether the interface has an IPv6 address to send from.
func hasIPv6(ifi net.Interface) bool {
	addrs, err := ifi.Addrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() == nil {
			return true
		}
	}
	return false
}

func (c *conn) send(ctx context.Context, msg []byte) error {
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Now().Add(time.Second)
	}
	if err := c.pc.SetWriteDeadline(dl); err != nil {
		return err
	}
	_, err := c.pc.WriteToUDP(msg, c.group)
	return err
}

// read hands every packet to out until ctx is done (Browse closes the
// socket then, which ends the blocked read).
func (c *conn) read(ctx context.Context, out chan<- packet) {
	buf := make([]byte, 9000)
	for {
		n, _, err := c.pc.ReadFromUDP(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		select {
		case out <- packet{data: append([]byte(nil), buf[:n]...), iface: c.ifi.Name}:
		case <-ctx.Done():
			return
		}
	}
}

// state is what the answers told so far.
type state struct {
	services map[string]string       // "_uscan._tcp.local." → "_uscan._tcp"
	ptr      map[string]string       // instance FQDN (lower) → its spelling as sent
	srv      map[string]record       // instance → SRV
	txt      map[string][]string     // instance → TXT
	addrs    map[string][]netip.Addr // host (lower) → addresses
	iface    map[string]string       // instance → interface of its PTR
	asked    map[dnsmessage.Question]time.Time
	done     map[string]bool // instances reported complete
}

func newState(services []string) *state {
	st := &state{
		services: map[string]string{}, ptr: map[string]string{}, srv: map[string]record{},
		txt: map[string][]string{}, addrs: map[string][]netip.Addr{}, iface: map[string]string{},
		asked: map[dnsmessage.Question]time.Time{}, done: map[string]bool{},
	}
	for _, s := range services {
		st.services[strings.ToLower(s)+".local."] = s
	}
	return st
}

// add takes in the records of one response: answers and additional records
// alike (responders put SRV, TXT and addresses in the additional section,
// RFC 6763 §12). A TTL of 0 is a goodbye (RFC 6762 §10.1).
func (st *state) add(rs []record, iface string) {
	for _, r := range rs {
		switch r.Type {
		case dnsmessage.TypePTR:
			if _, ok := st.services[r.Name]; !ok || !strings.HasSuffix(r.Target, "."+r.Name) {
				continue
			}
			if r.TTL == 0 {
				delete(st.ptr, r.Target)
				continue
			}
			if _, ok := st.ptr[r.Target]; !ok {
				st.ptr[r.Target], st.iface[r.Target] = r.Instance, iface
			}
		case dnsmessage.TypeSRV:
			if r.TTL == 0 {
				delete(st.srv, r.Name)
				continue
			}
			st.srv[r.Name] = r
		case dnsmessage.TypeTXT:
			st.txt[r.Name] = r.TXT
		case dnsmessage.TypeA, dnsmessage.TypeAAAA:
			if r.TTL == 0 {
				st.addrs[r.Name] = slices.DeleteFunc(st.addrs[r.Name], func(a netip.Addr) bool { return a == r.Addr })
				continue
			}
			if !slices.Contains(st.addrs[r.Name], r.Addr) {
				st.addrs[r.Name] = append(st.addrs[r.Name], r.Addr)
			}
		}
	}
}

// missing returns the follow-up questions for instances without SRV or TXT
// and hosts without an address, each asked at most once a second.
func (st *state) missing(now time.Time) []dnsmessage.Question {
	var qs []dnsmessage.Question
	ask := func(name string, t dnsmessage.Type) {
		q, err := question(name, t)
		if err != nil {
			return
		}
		if last, ok := st.asked[q]; ok && now.Sub(last) < time.Second {
			return
		}
		st.asked[q] = now
		qs = append(qs, q)
	}
	for inst := range st.ptr {
		srv, ok := st.srv[inst]
		if !ok {
			ask(inst, dnsmessage.TypeSRV)
		}
		if _, ok := st.txt[inst]; !ok {
			ask(inst, dnsmessage.TypeTXT)
		}
		if ok && len(st.addrs[srv.Target]) == 0 {
			ask(srv.Target, dnsmessage.TypeA)
			ask(srv.Target, dnsmessage.TypeAAAA)
		}
	}
	return qs
}

// newlyComplete returns the scanners that became complete since the last
// call.
func (st *state) newlyComplete() []Scanner {
	var out []Scanner
	for _, s := range st.scanners(false) {
		key := strings.ToLower(s.Instance + "." + s.Service + ".local.")
		if s.Complete && !st.done[key] {
			st.done[key] = true
			out = append(out, s)
		}
	}
	return out
}

// scanners builds the scanners seen; partial includes those with an SRV
// record but no TXT or address yet.
func (st *state) scanners(partial bool) []Scanner {
	var out []Scanner
	for inst, spelled := range st.ptr {
		srv, ok := st.srv[inst]
		if !ok {
			continue
		}
		var service string
		for suffix, s := range st.services {
			if strings.HasSuffix(inst, "."+suffix) {
				service = s
			}
		}
		txt, hasTXT := st.txt[inst]
		addrs := slices.Clone(st.addrs[srv.Target])
		sortAddrs(addrs)
		name := spelled
		if cut := len(service) + len(".local.") + 1; len(name) > cut && strings.EqualFold(name[len(name)-cut:], "."+service+".local.") {
			name = name[:len(name)-cut]
		}
		s := Scanner{
			Instance:  name,
			Service:   service,
			Host:      srv.Target,
			Port:      int(srv.Port),
			Addrs:     addrs,
			Interface: st.iface[inst],
			TXT:       parseTXT(txt),
			Complete:  hasTXT && len(addrs) > 0,
		}
		if !s.Complete && !partial {
			continue
		}
		s.fill()
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b Scanner) int {
		return cmp.Or(cmp.Compare(a.Instance, b.Instance), cmp.Compare(a.Service, b.Service))
	})
	return out
}

// sortAddrs puts IPv4 first, then global IPv6, then link-local addresses.
func sortAddrs(a []netip.Addr) {
	rank := func(x netip.Addr) int {
		switch {
		case x.Is4() && !x.IsLinkLocalUnicast():
			return 0
		case x.Is4():
			return 1
		case !x.IsLinkLocalUnicast():
			return 2
		}
		return 3
	}
	slices.SortStableFunc(a, func(x, y netip.Addr) int { return cmp.Or(cmp.Compare(rank(x), rank(y)), x.Compare(y)) })
}

// fill sets the eSCL fields from the TXT keys and builds the URL.
func (s *Scanner) fill() {
	list := func(k string) []string {
		v := strings.TrimSpace(s.TXT[k])
		if v == "" {
			return nil
		}
		parts := strings.Split(v, ",")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		return parts
	}
	rs, ok := s.TXT["rs"]
	if !ok {
		rs = "eSCL" // what scanners and sane-airscan assume without the key
	}
	s.RS = strings.Trim(rs, "/")
	s.Model, s.UUID, s.AdminURL, s.Note = s.TXT["ty"], s.TXT["uuid"], s.TXT["adminurl"], s.TXT["note"]
	s.Formats, s.ColorSpaces, s.InputSources = list("pdl"), list("cs"), list("is")
	s.Duplex = strings.EqualFold(s.TXT["duplex"], "T")
	scheme := "http"
	if s.Service == ServiceESCLS {
		scheme = "https"
	}
	host := strings.TrimSuffix(s.Host, ".")
	if len(s.Addrs) > 0 {
		a := s.Addrs[0]
		if a.Is6() && a.IsLinkLocalUnicast() && s.Interface != "" {
			a = a.WithZone(s.Interface)
		}
		host = a.String()
	}
	s.URL = scheme + "://" + net.JoinHostPort(host, strconv.Itoa(s.Port)) + "/" + s.RS
	if a, err := netip.ParseAddr(host); err == nil && a.Zone() != "" {
		// A zone is written %25zone in a URL (RFC 6874).
		s.URL = scheme + "://[" + a.WithZone("").String() + "%25" + a.Zone() + "]:" + strconv.Itoa(s.Port) + "/" + s.RS
	}
}
