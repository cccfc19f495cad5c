package mdns

import (
	"fmt"
	"net"
	"net/netip"
	"os"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"
)

// listenGroup joins the IPv4 group on ifi with a socket bound to the group
// address itself (SO_REUSEADDR), not to the wildcard address as
// net.ListenMulticastUDP binds it: the socket then gets only datagrams sent
// to the group, and unicast datagrams to the same port (an avahi-daemon's
// on port 5353) still reach their owner.
func listenGroup(ifi net.Interface, group netip.AddrPort) (*net.UDPConn, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.IPPROTO_UDP)
	if err != nil {
		return nil, fmt.Errorf("mdns: socket: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("mdns: SO_REUSEADDR: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrInet4{Port: int(group.Port()), Addr: group.Addr().As4()}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("mdns: bind %s: %w", group, err)
	}
	f := os.NewFile(uintptr(fd), "mdns-"+ifi.Name)
	pc, err := net.FilePacketConn(f)
	f.Close() // FilePacketConn holds its own descriptor
	if err != nil {
		return nil, fmt.Errorf("mdns: %w", err)
	}
	c := pc.(*net.UDPConn)
	p := ipv4.NewPacketConn(c)
	if err := p.JoinGroup(&ifi, &net.UDPAddr{IP: group.Addr().AsSlice()}); err != nil {
		c.Close()
		return nil, fmt.Errorf("mdns: join %s on %s: %w", group.Addr(), ifi.Name, err)
	}
	return c, nil
}
