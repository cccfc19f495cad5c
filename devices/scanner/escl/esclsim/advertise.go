package esclsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/bianmin/kiosk/devices/scanner/mdns"
)

// Advert says how the emulator advertises itself by mDNS.
type Advert struct {
	Instance   string          // the DNS-SD instance name, "Bianmin eSCL Emulator"
	Interfaces []net.Interface // nil: loopback when the emulator listens on a loopback address, else mdns.Interfaces()
	Group      netip.AddrPort  // zero: mdns.DefaultGroup4 (tests give a free port)
}

// TXT is what the emulator advertises in its TXT record: the keys the
// eSCL specification lists, matching CapabilitiesXML.
var TXT = []string{
	"txtvers=1", "vers=2.63", "rs=eSCL", "ty=Bianmin eSCL Emulator",
	"UUID=4509a320-00a0-008f-00b6-002507510eca",
	"pdl=image/jpeg", "cs=color,grayscale", "is=platen,adf", "duplex=T",
}

// Advertise answers mDNS queries for _uscan._tcp with the emulator started
// by Start (its address and port) until ctx is done; the returned responder
// can be closed earlier.
func (s *Server) Advertise(ctx context.Context, a Advert) (*mdns.Responder, error) {
	s.mu.Lock()
	addr := s.addr
	s.mu.Unlock()
	if addr == "" {
		return nil, errors.New("esclsim: advertise before Start")
	}
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return nil, fmt.Errorf("esclsim: advertise %s: %w", addr, err)
	}
	ifaces := a.Interfaces
	if ifaces == nil {
		if ifaces, err = mdns.Interfaces(); err != nil {
			return nil, fmt.Errorf("esclsim: advertise: %w", err)
		}
		if ap.Addr().IsLoopback() {
			var lo []net.Interface
			for _, i := range ifaces {
				if i.Flags&net.FlagLoopback != 0 {
					lo = append(lo, i)
				}
			}
			ifaces = lo
		}
	}
	addrs := []netip.Addr{ap.Addr().Unmap()}
	if ap.Addr().IsUnspecified() {
		addrs = addrs[:0]
		for _, i := range ifaces {
			ias, _ := i.Addrs()
			for _, ia := range ias {
				if n, ok := ia.(*net.IPNet); ok {
					if x, ok := netip.AddrFromSlice(n.IP); ok && x.Unmap().Is4() {
						addrs = append(addrs, x.Unmap())
					}
				}
			}
		}
	}
	if a.Instance == "" {
		a.Instance = "Bianmin eSCL Emulator"
	}
	r := &mdns.Responder{
		Services: []mdns.Service{{
			Instance: a.Instance,
			Type:     mdns.ServiceESCL,
			Host:     "bianmin-esclsim-" + strconv.Itoa(int(ap.Port())) + ".local.",
			Port:     int(ap.Port()),
			TXT:      TXT,
			Addrs:    addrs,
		}},
		Interfaces: ifaces,
		Group4:     a.Group,
		Log:        s.log,
	}
	if err := r.Start(ctx); err != nil {
		return nil, fmt.Errorf("esclsim: advertise: %w", err)
	}
	return r, nil
}
