package main

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
)

// tourSignature draws a scribble for the tour's commitment.
func tourSignature() []byte {
	img := image.NewGray(image.Rect(0, 0, 400, 160))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for x := 20; x < 380; x++ {
		y := 80 + (x%60 - 30)
		img.SetGray(x, y, color.Gray{})
		img.SetGray(x, y+1, color.Gray{})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}
