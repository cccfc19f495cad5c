// Package mdns finds network (eSCL, "AirScan") scanners by DNS-SD over
// multicast DNS (RFC 6762, RFC 6763): a Browser sends one-shot PTR queries
// for _uscan._tcp and _uscans._tcp on every multicast interface (and
// loopback, where ipp-usb advertises USB scanners), collects the SRV, TXT and
// address records from answers and additional records, asks again for what
// is missing, and returns each scanner with its eSCL base URL. A Responder
// advertises services the same way (the eSCL emulator uses it, so
// provisioning can discover it end to end).
//
// It imports only the standard library and golang.org/x/net; cmd/ (kioskctl
// provision and scanner list) and the emulator import it. Messages are
// parsed by golang.org/x/net/dns/dnsmessage (a well-kept, fuzzed codec), not
// by hand.
package mdns
