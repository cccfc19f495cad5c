//go:build !linux

package mdns

import (
	"fmt"
	"net"
	"net/netip"
)

// listenGroup joins the IPv4 group on ifi (elsewhere than Linux: the
// standard library's socket, bound to the wildcard address).
func listenGroup(ifi net.Interface, group netip.AddrPort) (*net.UDPConn, error) {
	c, err := net.ListenMulticastUDP("udp4", &ifi, net.UDPAddrFromAddrPort(group))
	if err != nil {
		return nil, fmt.Errorf("mdns: join %s on %s: %w", group, ifi.Name, err)
	}
	return c, nil
}
