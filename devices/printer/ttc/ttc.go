// Package ttc turns one font of a TrueType collection (.ttc) into a
// standalone TrueType file, because both golang.org/x/image/font/sfnt (on
// some collections, e.g. wqy-microhei) and gopdf need a single .ttf.
//
// Used by devices/printer and its subpackages.
package ttc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// ErrFormat means the bytes are not a font this package understands.
var ErrFormat = errors.New("ttc: not a TrueType font or collection")

// IsCollection reports whether b starts with a TTC header.
func IsCollection(b []byte) bool { return len(b) >= 12 && string(b[:4]) == "ttcf" }

// TTF returns b itself for a single font, or font 0 of a collection.
func TTF(b []byte) ([]byte, error) {
	if IsCollection(b) {
		return Extract(b, 0)
	}
	if len(b) < 12 {
		return nil, ErrFormat
	}
	return b, nil
}

// Extract returns font i of collection b as a standalone font file, with
// its tables copied after a fresh table directory.
func Extract(b []byte, i int) ([]byte, error) {
	if !IsCollection(b) {
		return nil, ErrFormat
	}
	n := int(binary.BigEndian.Uint32(b[8:]))
	if i < 0 || i >= n || 12+4*n > len(b) {
		return nil, fmt.Errorf("ttc: font %d of %d: %w", i, n, ErrFormat)
	}
	off := int(binary.BigEndian.Uint32(b[12+4*i:]))
	if off+12 > len(b) {
		return nil, ErrFormat
	}
	numTables := int(binary.BigEndian.Uint16(b[off+4:]))
	dir := off + 12
	if dir+16*numTables > len(b) {
		return nil, ErrFormat
	}
	type table struct {
		rec         []byte
		start, size int
	}
	tables := make([]table, numTables)
	for k := range tables {
		rec := b[dir+16*k : dir+16*(k+1)]
		start := int(binary.BigEndian.Uint32(rec[8:]))
		size := int(binary.BigEndian.Uint32(rec[12:]))
		if start < 0 || size < 0 || start+size > len(b) {
			return nil, fmt.Errorf("ttc: table %q out of range: %w", rec[:4], ErrFormat)
		}
		tables[k] = table{rec, start, size}
	}
	// Tables must stay sorted by tag in the directory.
	sort.Slice(tables, func(x, y int) bool { return string(tables[x].rec[:4]) < string(tables[y].rec[:4]) })
	head := 12 + 16*numTables
	out := make([]byte, head, len(b))
	copy(out, b[off:off+12])
	for k, t := range tables {
		pos := len(out)
		r := out[12+16*k : 12+16*(k+1)]
		copy(r, t.rec)
		binary.BigEndian.PutUint32(r[8:], uint32(pos))
		out = append(out, b[t.start:t.start+t.size]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out, nil
}
