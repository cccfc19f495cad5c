package idcard

import (
	"errors"
	"image"
)

// PhotoDecoder turns a card's WLT photo into an image (102×126). WLT is a
// patented format with no open decoder; a vendor library can be wrapped
// behind this interface where licensed.
type PhotoDecoder interface {
	Decode(wlt []byte) (image.Image, error)
}

// ErrNoDecoder is returned by NoDecoder.
var ErrNoDecoder = errors.New("no wlt photo decoder available")

// NoDecoder is the PhotoDecoder shipped: it always fails with ErrNoDecoder.
type NoDecoder struct{}

// Decode implements PhotoDecoder.
func (NoDecoder) Decode([]byte) (image.Image, error) { return nil, ErrNoDecoder }

var _ PhotoDecoder = NoDecoder{}
