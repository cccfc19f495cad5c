//go:build linux

package v4l2

import (
	"context"
	"errors"
	"testing"
	"unsafe"

	"github.com/bianmin/kiosk/devices/scanner"
)

// The ioctl numbers as linux/videodev2.h defines them on 64-bit Linux; they
// encode the struct sizes, so they check the Go layouts.
func TestIoctlNumbers(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("layouts checked on 64-bit only")
	}
	for name, tc := range map[string][2]uintptr{
		"VIDIOC_QUERYCAP":  {vidiocQueryCap, 0x80685600},
		"VIDIOC_S_FMT":     {vidiocSFmt, 0xc0d05605},
		"VIDIOC_REQBUFS":   {vidiocReqBufs, 0xc0145608},
		"VIDIOC_QUERYBUF":  {vidiocQueryBuf, 0xc0585609},
		"VIDIOC_QBUF":      {vidiocQBuf, 0xc058560f},
		"VIDIOC_DQBUF":     {vidiocDQBuf, 0xc0585611},
		"VIDIOC_STREAMON":  {vidiocStreamOn, 0x40045612},
		"VIDIOC_STREAMOFF": {vidiocStreamOff, 0x40045613},
	} {
		if tc[0] != tc[1] {
			t.Errorf("%s = %#x, want %#x", name, tc[0], tc[1])
		}
	}
	if off := unsafe.Offsetof(buffer{}.Offset); off != 64 {
		t.Errorf("v4l2_buffer.m at %d, want 64", off)
	}
	if off := unsafe.Offsetof(buffer{}.Timestamp); off != 24 {
		t.Errorf("v4l2_buffer.timestamp at %d, want 24", off)
	}
	if off := unsafe.Offsetof(format{}.Pix); off != 8 {
		t.Errorf("v4l2_format.fmt at %d, want 8", off)
	}
}

func TestMissingCamera(t *testing.T) {
	c := New(Config{Device: "/dev/video-does-not-exist"})
	st, err := c.Status(context.Background())
	if err != nil || st.State != "disconnected" {
		t.Fatalf("status %+v %v", st, err)
	}
	if _, err := c.Scan(context.Background(), scanner.Settings{}); !errors.Is(err, scanner.ErrDisconnected) {
		t.Fatalf("scan: %v", err)
	}
	if _, err := c.Scan(context.Background(), scanner.Settings{Source: scanner.Feeder}); !errors.Is(err, scanner.ErrUnsupported) {
		t.Fatalf("feeder: %v", err)
	}
}
