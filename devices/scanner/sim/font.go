package sim

import (
	"encoding/binary"
	"errors"
)

// extractTTC copies font i out of a TrueType collection into a standalone
// font file with every table on a four-byte boundary. wqy-microhei.ttc has
// tables at unaligned offsets, which golang.org/x/image/font/sfnt rejects
// ("invalid table offset"); repacking is cheaper than shipping another font.
func extractTTC(b []byte, i int) ([]byte, error) {
	be := binary.BigEndian
	if len(b) < 12 || string(b[:4]) != "ttcf" {
		return nil, errors.New("not a font collection")
	}
	n := int(be.Uint32(b[8:12]))
	if i < 0 || i >= n || len(b) < 12+4*n {
		return nil, errors.New("font index out of range")
	}
	off := int(be.Uint32(b[12+4*i:]))
	if off+12 > len(b) {
		return nil, errors.New("bad font offset")
	}
	numTables := int(be.Uint16(b[off+4:]))
	dir := off + 12
	if dir+16*numTables > len(b) {
		return nil, errors.New("bad table directory")
	}
	out := make([]byte, 12+16*numTables)
	copy(out, b[off:off+12])
	for t := 0; t < numTables; t++ {
		rec := b[dir+16*t : dir+16*t+16]
		to, tl := int(be.Uint32(rec[8:])), int(be.Uint32(rec[12:]))
		if to < 0 || tl < 0 || to+tl > len(b) {
			return nil, errors.New("bad table")
		}
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
		newOff := len(out)
		out = append(out, b[to:to+tl]...)
		r := out[12+16*t : 12+16*t+16]
		copy(r, rec)
		be.PutUint32(r[8:], uint32(newOff))
	}
	for len(out)%4 != 0 {
		out = append(out, 0)
	}
	return out, nil
}
