package mdns

import (
	"context"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// loopback is the machine's loopback interface. The tests run the browser
// and an in-test responder over real multicast sockets on it: Linux
// delivers multicast on loopback (IP_MULTICAST_LOOP) whether or not the
// interface has the MULTICAST flag, so the test is the same on every
// machine and sends nothing to the network. The group keeps 224.0.0.251
// but on a free port of the responder's, so an mDNS daemon on the machine
// neither answers nor hears the test.
func loopback(t *testing.T) net.Interface {
	t.Helper()
	all, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range all {
		if i.Flags&net.FlagLoopback != 0 && i.Flags&net.FlagUp != 0 {
			return i
		}
	}
	t.Fatal("no loopback interface")
	return net.Interface{}
}

func startResponder(t *testing.T, r *Responder) {
	t.Helper()
	r.Interfaces = []net.Interface{loopback(t)}
	r.Group4 = netip.MustParseAddrPort("224.0.0.251:0")
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); r.Close() })
}

// browse browses the responder's group on loopback until want (an
// instance name) is complete, or 20 s.
func browse(t *testing.T, r *Responder, want string) []Scanner {
	t.Helper()
	b := &Browser{Interfaces: []net.Interface{loopback(t)}, Group4: r.Group(), NoIPv6: true}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got, err := b.Browse(ctx, func(s Scanner) bool { return s.Instance == want })
	if err != nil {
		t.Fatal(err)
	}
	return got
}

var testService = Service{
	Instance: "Test Scanner 客厅",
	Type:     ServiceESCL,
	Host:     "test-scanner.local.",
	Port:     8085,
	TXT: []string{"txtvers=1", "ty=Bianmin Test MFP", "RS=/scanner/eSCL/", "rs=ignored-second", "UUID=4509a320-00a0-008f-00b6-002507510eca",
		"pdl=application/pdf,image/jpeg", "cs=color,grayscale", "is=platen,adf", "duplex=T", "note=一楼大厅"},
	Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")},
}

// TestBrowseFindsScanner: a scanner advertised the three ways responders
// answer is found with its SRV port, its TXT keys and the eSCL URL built
// from its address, port and rs path.
//   - additional: SRV, TXT and A in the PTR answer's additional section
//     (avahi's way);
//   - follow-up: only the PTR, so the browser must ask SRV, TXT and A;
//   - additional-only: the responder answers nothing but PTR questions, so
//     the additional records are all there is (kills "additional section
//     dropped").
func TestBrowseFindsScanner(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    *Responder
	}{
		{"additional", &Responder{}},
		{"follow-up", &Responder{NoAdditional: true}},
		{"additional-only", &Responder{OnlyAdditional: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.r
			r.Services = []Service{testService}
			startResponder(t, r)
			got := browse(t, r, testService.Instance)
			if len(got) != 1 {
				t.Fatalf("found %d scanners, want 1: %+v", len(got), got)
			}
			s := got[0]
			if s.Instance != testService.Instance || s.Service != ServiceESCL || s.Host != "test-scanner.local." {
				t.Errorf("instance %q service %q host %q", s.Instance, s.Service, s.Host)
			}
			if s.Port != 8085 {
				t.Errorf("port %d, want the SRV port 8085", s.Port)
			}
			if s.RS != "scanner/eSCL" {
				t.Errorf("rs %q, want scanner/eSCL (the first rs, keys case-insensitive)", s.RS)
			}
			if want := "http://127.0.0.1:8085/scanner/eSCL"; s.URL != want {
				t.Errorf("URL %q, want %q", s.URL, want)
			}
			if !s.Complete || !slices.Equal(s.Addrs, testService.Addrs) || s.Interface != loopback(t).Name {
				t.Errorf("complete %v addrs %v iface %q", s.Complete, s.Addrs, s.Interface)
			}
			if s.Model != "Bianmin Test MFP" || s.UUID != "4509a320-00a0-008f-00b6-002507510eca" || s.Note != "一楼大厅" || !s.Duplex ||
				!slices.Equal(s.Formats, []string{"application/pdf", "image/jpeg"}) ||
				!slices.Equal(s.ColorSpaces, []string{"color", "grayscale"}) ||
				!slices.Equal(s.InputSources, []string{"platen", "adf"}) {
				t.Errorf("TXT fields: %+v", s)
			}
		})
	}
}

// TestBrowseHearsMulticastAnswers: a responder that answers one-shot
// queries by multicast to the group (against RFC 6762 §6.7, as some
// firmware does) is found through the browser's group socket (kills
// "group listener dropped").
func TestBrowseHearsMulticastAnswers(t *testing.T) {
	r := &Responder{Multicast: true, Services: []Service{testService}}
	startResponder(t, r)
	got := browse(t, r, testService.Instance)
	if len(got) != 1 || got[0].URL != "http://127.0.0.1:8085/scanner/eSCL" {
		t.Fatalf("found %+v", got)
	}
}

// TestBrowseBothServices: _uscans gives an https URL, a scanner without rs
// gets the eSCL default, and the browser waits for both.
func TestBrowseBothServices(t *testing.T) {
	r := &Responder{Services: []Service{
		{Instance: "Secure", Type: ServiceESCLS, Host: "secure.local.", Port: 443, TXT: []string{"rs=eSCL"}, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.2")}},
		{Instance: "Plain", Type: ServiceESCL, Host: "plain.local.", Port: 80, TXT: []string{"ty=Old"}, Addrs: []netip.Addr{netip.MustParseAddr("::1"), netip.MustParseAddr("127.0.0.3")}},
	}}
	startResponder(t, r)
	b := &Browser{Interfaces: []net.Interface{loopback(t)}, Group4: r.Group(), NoIPv6: true}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n := 0
	got, err := b.Browse(ctx, func(Scanner) bool { n++; return n == 2 })
	if err != nil {
		t.Fatal(err)
	}
	var urls []string
	for _, s := range got {
		urls = append(urls, s.Instance+" "+s.URL)
	}
	want := []string{"Plain http://127.0.0.3:80/eSCL", "Secure https://127.0.0.2:443/eSCL"}
	if !slices.Equal(urls, want) {
		t.Errorf("got %q, want %q", urls, want)
	}
}

// TestBrowseEndsAtDeadline: with nobody answering, Browse returns nothing
// and no error once the context ends.
func TestBrowseEndsAtDeadline(t *testing.T) {
	r := &Responder{} // listens, advertises nothing: gives a free group port
	startResponder(t, r)
	b := &Browser{Interfaces: []net.Interface{loopback(t)}, Group4: r.Group(), NoIPv6: true}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	got, err := b.Browse(ctx, nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestFillURL(t *testing.T) {
	for _, tc := range []struct {
		s    Scanner
		want string
	}{
		{Scanner{Service: ServiceESCL, Host: "a.local.", Port: 8080, TXT: map[string]string{"rs": ""}}, "http://a.local:8080/"},
		{Scanner{Service: ServiceESCL, Host: "a.local.", Port: 80, Addrs: []netip.Addr{netip.MustParseAddr("fe80::1")}, Interface: "eth0", TXT: map[string]string{}}, "http://[fe80::1%25eth0]:80/eSCL"},
		{Scanner{Service: ServiceESCLS, Host: "a.local.", Port: 443, Addrs: []netip.Addr{netip.MustParseAddr("fd00::5")}, TXT: map[string]string{"rs": "/x/"}}, "https://[fd00::5]:443/x"},
	} {
		tc.s.fill()
		if tc.s.URL != tc.want {
			t.Errorf("URL %q, want %q", tc.s.URL, tc.want)
		}
	}
}

func TestSortAddrs(t *testing.T) {
	a := []netip.Addr{netip.MustParseAddr("fe80::1"), netip.MustParseAddr("fd00::2"), netip.MustParseAddr("169.254.1.1"), netip.MustParseAddr("10.0.0.2")}
	sortAddrs(a)
	var got []string
	for _, x := range a {
		got = append(got, x.String())
	}
	if want := "10.0.0.2 169.254.1.1 fd00::2 fe80::1"; strings.Join(got, " ") != want {
		t.Errorf("order %v, want %s", got, want)
	}
}

// FuzzParseMessage: outside bytes give an error or records, never a panic,
// and whatever parses goes through the browser's state without a panic.
func FuzzParseMessage(f *testing.F) {
	r := &Responder{Services: []Service{testService}}
	for _, legacy := range []bool{false, true} {
		q, _ := question(ServiceESCL+".local.", dnsmessage.TypePTR)
		m, err := r.answer(message{Questions: nil}, legacy)
		if err == nil && m != nil {
			f.Add(m)
		}
		qm, _ := buildQuery(nil)
		f.Add(qm)
		full, err := r.answer(message{ID: 7, Questions: []dnsmessage.Question{q}}, legacy)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(full)
		f.Add(full[:len(full)/2])
	}
	f.Add([]byte{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0xc0, 0x0c})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMessage(b)
		if err != nil {
			return
		}
		st := newState([]string{ServiceESCL, ServiceESCLS})
		st.add(m.Records, "lo")
		st.missing(time.Now())
		st.newlyComplete()
		st.scanners(true)
	})
}

// TestGroupSocketTakesNoUnicast: the group socket gets what is sent to the
// group and not a unicast datagram to the same port, which stays with the
// port's owner (an avahi-daemon's 5353). Kills binding the wildcard
// address (net.ListenMulticastUDP's way).
func TestGroupSocketTakesNoUnicast(t *testing.T) {
	lo := loopback(t)
	c, err := listenGroup(lo, netip.MustParseAddrPort("224.0.0.251:0"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	port := c.LocalAddr().(*net.UDPAddr).Port
	owner, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	b := &Browser{Interfaces: []net.Interface{lo}, NoIPv6: true, Group4: netip.AddrPortFrom(netip.MustParseAddr("224.0.0.251"), uint16(port))}
	conns, err := b.open(t.Context(), []net.Interface{lo}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, x := range conns {
			x.pc.Close()
		}
	}()
	send := conns[0]
	if _, err := send.pc.WriteToUDP([]byte("unicast"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port}); err != nil {
		t.Fatal(err)
	}
	if err := send.send(t.Context(), []byte("group")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := c.ReadFromUDP(buf)
	if err != nil || string(buf[:n]) != "group" {
		t.Fatalf("group socket read %q, %v; want only the group's datagram", buf[:n], err)
	}
	owner.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err = owner.ReadFromUDP(buf)
	if err != nil || string(buf[:n]) != "unicast" {
		t.Fatalf("the port's owner read %q, %v", buf[:n], err)
	}
}
