package usb

import (
	"errors"
	"testing"

	"github.com/google/gousb"
)

func bulk(num int, in bool) gousb.EndpointDesc {
	d := gousb.EndpointDirectionOut
	addr := gousb.EndpointAddress(num)
	if in {
		d = gousb.EndpointDirectionIn
		addr |= 0x80
	}
	return gousb.EndpointDesc{Address: addr, Number: num, Direction: d, TransferType: gousb.TransferTypeBulk}
}

func desc(alts ...gousb.InterfaceSetting) *gousb.DeviceDesc {
	var ifs []gousb.InterfaceDesc
	for _, a := range alts {
		ifs = append(ifs, gousb.InterfaceDesc{Number: a.Number, AltSettings: []gousb.InterfaceSetting{a}})
	}
	return &gousb.DeviceDesc{Configs: map[int]gousb.ConfigDesc{1: {Number: 1, Interfaces: ifs}}}
}

func eps(list ...gousb.EndpointDesc) map[gousb.EndpointAddress]gousb.EndpointDesc {
	m := map[gousb.EndpointAddress]gousb.EndpointDesc{}
	for _, e := range list {
		m[e.Address] = e
	}
	return m
}

func TestChoose(t *testing.T) {
	oneWay := gousb.InterfaceSetting{Number: 0, Class: gousb.ClassPrinter, SubClass: 1, Protocol: 1, Endpoints: eps(bulk(1, false))}
	bidi := gousb.InterfaceSetting{Number: 1, Class: gousb.ClassPrinter, SubClass: 1, Protocol: 2, Endpoints: eps(bulk(2, false), bulk(3, true))}
	ippusb := gousb.InterfaceSetting{Number: 2, Class: gousb.ClassPrinter, SubClass: 1, Protocol: 4, Endpoints: eps(bulk(4, false), bulk(4, true))}
	vendor := gousb.InterfaceSetting{Number: 3, Class: gousb.ClassVendorSpec, Endpoints: eps(bulk(5, false), bulk(6, true))}
	noOut := gousb.InterfaceSetting{Number: 4, Class: gousb.ClassPrinter, Protocol: 2, Endpoints: eps(bulk(7, true))}

	tests := []struct {
		name        string
		d           *gousb.DeviceDesc
		allowVendor bool
		want        choice
		err         error
	}{
		{"bidirectional preferred", desc(oneWay, bidi, ippusb), false, choice{1, 1, 0, 2, 3}, nil},
		{"one-way", desc(oneWay), false, choice{1, 0, 0, 1, -1}, nil},
		{"ipp-usb only", desc(ippusb), false, choice{}, ErrNoInterface},
		{"vendor refused", desc(vendor), false, choice{}, ErrNoInterface},
		{"vendor allowed", desc(vendor), true, choice{1, 3, 0, 5, 6}, nil},
		{"no out endpoint", desc(noOut), false, choice{}, ErrNoInterface},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := choose(tt.d, tt.allowVendor)
			if !errors.Is(err, tt.err) || got != tt.want {
				t.Errorf("choose = %+v, %v; want %+v, %v", got, err, tt.want, tt.err)
			}
		})
	}
}
