package usbid

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want ID
		ok   bool
	}{
		{"0416:5011", ID{0x0416, 0x5011}, true},
		{"04b8:0e15", ID{0x04b8, 0x0e15}, true},
		{"0400:C35A", ID{0x0400, 0xc35a}, true},
		{"0x0400:0xc35a", ID{0x0400, 0xc35a}, true},
		{" 1:2 ", ID{1, 2}, true},
		{"0416", ID{}, false},
		{"zz:01", ID{}, false},
		{"10000:1", ID{}, false},
		{"00001:1", ID{}, false},
		{"0400:", ID{}, false},
		{":c35a", ID{}, false},
		{"0400:c35a:1", ID{}, false},
		{"-1:2", ID{}, false},
		{"+1:2", ID{}, false},
		{"", ID{}, false},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %v, %v", tt.in, got, err)
		}
		if err != nil && !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q): %v does not match ErrSyntax", tt.in, err)
		}
	}
	if s := (ID{0x0400, 0xc35a}).String(); s != "0400:c35a" {
		t.Errorf("String = %q", s)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"0400:C35A", "0x1:0x2", "", ":", "ffff:ffff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := Parse(s)
		if err != nil {
			return
		}
		// Whatever parses round-trips through String.
		if back, err := Parse(id.String()); err != nil || back != id {
			t.Errorf("Parse(%q) = %v; Parse(String) = %v, %v", s, id, back, err)
		}
	})
}
