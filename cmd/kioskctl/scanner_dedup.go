package main

import (
	"context"
	"net"
	"net/url"
	"strings"
	"time"
)

// dedupSANE drops SANE devices that are one of the eSCL scanners already
// listed, reached again through SANE's eSCL backends: sane-airscan
// ("airscan:e0:NAME", type "ip=ADDR") and sane-backends' escl
// ("escl:http://ADDR:PORT"). The eSCL entry stays and names the SANE
// device in AlsoAs, so a scanner is listed once whichever way it is found.
func dedupSANE(ctx context.Context, out []listedScanner) []listedScanner {
	hosts := map[string]int{} // address of an eSCL URL → index in out
	for i, l := range out {
		if l.Backend != "escl" {
			continue
		}
		u, err := url.Parse(l.Device)
		if err != nil || u.Hostname() == "" {
			continue
		}
		hosts[u.Hostname()] = i
		lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		addrs, _ := net.DefaultResolver.LookupHost(lctx, u.Hostname())
		cancel()
		for _, a := range addrs {
			if _, ok := hosts[a]; !ok {
				hosts[a] = i
			}
		}
	}
	if len(hosts) == 0 {
		return out
	}
	kept := out[:0]
	for _, l := range out {
		if l.Backend == "sane" {
			if i, ok := hosts[saneESCLHost(l)]; ok {
				out[i].AlsoAs = append(out[i].AlsoAs, l.Device)
				continue
			}
		}
		kept = append(kept, l)
	}
	return kept
}

// saneESCLHost is the address of a SANE device served by an eSCL backend,
// "" for any other device.
func saneESCLHost(l listedScanner) string {
	switch {
	case strings.HasPrefix(l.Device, "airscan:"):
		if ip, ok := strings.CutPrefix(l.saneType, "ip="); ok {
			return strings.Trim(ip, "[]")
		}
	case strings.HasPrefix(l.Device, "escl:"):
		if u, err := url.Parse(strings.TrimPrefix(l.Device, "escl:")); err == nil {
			return u.Hostname()
		}
	}
	return ""
}
