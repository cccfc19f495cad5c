package offline

import (
	"bytes"
	"errors"
	"testing"
)

// TestSealedBlobCutShort: a sealed blob cut at any length (a damaged row, a
// file cut by a power loss) opens as ErrSealed, never as a panic nor as
// data; an empty plaintext (the shortest real blob) still opens; a blob
// under other additional data or with one bit flipped is ErrSealed.
// Mutations killed (gremlins, seal.go open): the length check's boundary
// (< to <=) and its sums (+ to -), which let a short blob reach the nonce
// slice.
func TestSealedBlobCutShort(t *testing.T) {
	s, err := newSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	ad := adForm("id-1")
	empty := s.seal(nil, ad)
	if p, err := s.open(empty, ad); err != nil || len(p) != 0 {
		t.Fatalf("an empty plaintext does not open: %q %v", p, err)
	}
	full := s.seal([]byte("欧阳秀英 11010519491231002X"), ad)
	for n := 0; n < len(full); n++ {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("open of a blob cut to %d bytes panics: %v", n, r)
				}
			}()
			if p, err := s.open(full[:n], ad); !errors.Is(err, ErrSealed) {
				t.Fatalf("a blob cut to %d bytes opens: %q %v", n, p, err)
			}
		}()
	}
	if _, err := s.open(full, adForm("id-2")); !errors.Is(err, ErrSealed) {
		t.Errorf("a blob opens under another record's additional data: %v", err)
	}
	flipped := append([]byte(nil), full...)
	flipped[len(flipped)-1] ^= 1
	if _, err := s.open(flipped, ad); !errors.Is(err, ErrSealed) {
		t.Errorf("a tampered blob opens: %v", err)
	}
	notMagic := append([]byte("XXXX"), full[4:]...)
	if _, err := s.open(notMagic, ad); !errors.Is(err, ErrSealed) {
		t.Errorf("a blob without the magic opens: %v", err)
	}
}
