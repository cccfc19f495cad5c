package v4l2

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"syscall"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/scanner"
)

func TestYUYV(t *testing.T) {
	// Two pixels per 4 bytes; a stride with padding.
	w, h, stride := 4, 2, 10
	b := []byte{
		16, 128, 235, 128, 81, 90, 145, 240, 0, 0,
		41, 240, 41, 110, 170, 166, 170, 16, 0, 0,
	}
	img, err := YUYVToImage(b, w, h, stride)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		x, y int
		want color.YCbCr
	}{
		{0, 0, color.YCbCr{0, 128, 128}},
		{1, 0, color.YCbCr{255, 128, 128}},
		{2, 0, color.YCbCr{76, 85, 255}},
		{3, 1, color.YCbCr{179, 171, 1}},
	} {
		if got := img.YCbCrAt(tc.x, tc.y); got != tc.want {
			t.Errorf("(%d,%d) = %v, want %v", tc.x, tc.y, got, tc.want)
		}
	}
	// Black and white convert as expected.
	if r, _, _, _ := img.At(0, 0).RGBA(); r>>8 > 2 {
		t.Errorf("black is %d", r>>8)
	}
	if r, _, _, _ := img.At(1, 0).RGBA(); r>>8 < 253 {
		t.Errorf("white is %d", r>>8)
	}
	if _, err := YUYVToImage(b[:15], w, h, stride); !errors.Is(err, ErrShortFrame) {
		t.Errorf("short frame: %v", err)
	}
	if _, err := YUYVToImage(b, 3, 2, 0); err == nil {
		t.Error("odd width accepted")
	}
}

// stripDHT removes every DHT segment, as UVC cameras send MJPEG.
func stripDHT(t *testing.T, b []byte) []byte {
	out := append([]byte(nil), b[:2]...)
	i := 2
	for i+4 <= len(b) && b[i+1] != 0xDA {
		n := int(b[i+2])<<8 | int(b[i+3])
		if b[i+1] != 0xC4 {
			out = append(out, b[i:i+2+n]...)
		}
		i += 2 + n
	}
	return append(out, b[i:]...)
}

func TestDecodeMJPEGWithoutHuffmanTables(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			src.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 5), uint8(x ^ y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, src, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	full := buf.Bytes()
	want, _ := jpeg.Decode(bytes.NewReader(full))
	bare := stripDHT(t, full)
	if len(bare) >= len(full) {
		t.Fatal("no DHT stripped")
	}
	if _, err := jpeg.Decode(bytes.NewReader(bare)); err == nil {
		t.Fatal("image/jpeg decoded a frame without Huffman tables; test is moot")
	}
	got, err := DecodeMJPEG(bare)
	if err != nil {
		t.Fatal(err)
	}
	// Go's encoder uses the Annex K tables, so the pixels are identical.
	for y := 0; y < 48; y += 7 {
		for x := 0; x < 64; x += 5 {
			if got.At(x, y) != want.At(x, y) {
				t.Fatalf("(%d,%d) %v, want %v", x, y, got.At(x, y), want.At(x, y))
			}
		}
	}
	// A frame with tables passes through untouched.
	if same, _ := InsertHuffmanTables(full); !bytes.Equal(same, full) {
		t.Error("frame with DHT changed")
	}
	for _, bad := range [][]byte{nil, {0xFF}, {0xFF, 0xD8, 0x00, 0x00}, {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01}} {
		if _, err := DecodeMJPEG(bad); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

func FuzzDecodeMJPEG(f *testing.F) {
	var buf bytes.Buffer
	jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 16, 16)), nil)
	f.Add(buf.Bytes())
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02})
	f.Fuzz(func(t *testing.T, b []byte) {
		if out, err := InsertHuffmanTables(b); err == nil && len(out) < len(b) {
			t.Fatal("output shorter than input")
		}
		DecodeMJPEG(b)
	})
}

func TestMapErrno(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want kiosk.DeviceState
	}{
		{syscall.ENOENT, kiosk.DeviceDisconnected},
		{syscall.ENODEV, kiosk.DeviceDisconnected},
		{syscall.EBUSY, kiosk.DeviceBusy},
		{syscall.EACCES, kiosk.DeviceError},
		{syscall.EIO, kiosk.DeviceError},
	} {
		if got := scanner.StateOf(MapErrno("open", tc.err)); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.err, got, tc.want)
		}
	}
}

func TestDPIAndFourCC(t *testing.T) {
	if d := DPI(2592, 210); d != 314 {
		t.Errorf("DPI %d", d)
	}
	if FourCC(FormatMJPEG) != "MJPG" || FourCC(FormatYUYV) != "YUYV" {
		t.Error("fourcc")
	}
}
