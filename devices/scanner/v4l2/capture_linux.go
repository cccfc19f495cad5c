//go:build linux

package v4l2

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Layouts from linux/videodev2.h (64-bit). capture_linux_test.go checks
// their sizes against the ioctl numbers the kernel defines.

type capability struct {
	Driver       [16]byte
	Card         [32]byte
	BusInfo      [32]byte
	Version      uint32
	Capabilities uint32
	DeviceCaps   uint32
	Reserved     [3]uint32
}

type pixFormat struct {
	Width, Height, PixelFormat, Field, BytesPerLine, SizeImage uint32
	Colorspace, Priv, Flags, YCbCrEnc, Quantization, XferFunc  uint32
}

type format struct {
	Type uint32
	_    uint32 // the union is 8-byte aligned (it holds pointers)
	Pix  pixFormat
	_    [200 - 48]byte
}

type requestBuffers struct {
	Count, Type, Memory, Capabilities uint32
	Flags                             uint8
	Reserved                          [3]uint8
}

type buffer struct {
	Index, Type, BytesUsed, Flags, Field uint32
	_                                    uint32
	Timestamp                            unix.Timeval
	Timecode                             [16]byte
	Sequence, Memory                     uint32
	Offset                               uint32 // union m: offset for MMAP
	_                                    uint32
	Length, Reserved2, RequestFD         uint32
	_                                    uint32
}

const (
	bufTypeVideoCapture = 1
	memoryMMAP          = 1
	capVideoCapture     = 0x00000001
	capStreaming        = 0x04000000
	capDeviceCaps       = 0x80000000
)

func ioc(dir, nr, size uintptr) uintptr { return dir<<30 | size<<16 | 'V'<<8 | nr }

var (
	vidiocQueryCap  = ioc(2, 0, unsafe.Sizeof(capability{}))
	vidiocSFmt      = ioc(3, 5, unsafe.Sizeof(format{}))
	vidiocReqBufs   = ioc(3, 8, unsafe.Sizeof(requestBuffers{}))
	vidiocQueryBuf  = ioc(3, 9, unsafe.Sizeof(buffer{}))
	vidiocQBuf      = ioc(3, 15, unsafe.Sizeof(buffer{}))
	vidiocDQBuf     = ioc(3, 17, unsafe.Sizeof(buffer{}))
	vidiocStreamOn  = ioc(1, 18, 4)
	vidiocStreamOff = ioc(1, 19, 4)
)

func ioctl(fd int, req uintptr, arg unsafe.Pointer) error {
	for {
		_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), req, uintptr(arg))
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return e
		}
		return nil
	}
}

func cstr(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// probe opens the device and checks it captures video by streaming.
func probe(dev string) (string, error) {
	fd, err := unix.Open(dev, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", MapErrno("open "+dev, err)
	}
	defer unix.Close(fd)
	return queryCap(fd)
}

func queryCap(fd int) (string, error) {
	var c capability
	if err := ioctl(fd, vidiocQueryCap, unsafe.Pointer(&c)); err != nil {
		return "", MapErrno("querycap", err)
	}
	caps := c.Capabilities
	if caps&capDeviceCaps != 0 {
		caps = c.DeviceCaps
	}
	if caps&capVideoCapture == 0 || caps&capStreaming == 0 {
		return "", fmt.Errorf("%s (%s) is not a streaming capture device", cstr(c.Card[:]), cstr(c.Driver[:]))
	}
	return cstr(c.Card[:]), nil
}

// capture streams frames with two mmap buffers and returns a copy of the
// frame after the warm-up ones.
func capture(ctx context.Context, c Config) (Frame, error) {
	fd, err := unix.Open(c.Device, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return Frame{}, MapErrno("open "+c.Device, err)
	}
	defer unix.Close(fd)
	if _, err := queryCap(fd); err != nil {
		return Frame{}, err
	}
	f := format{Type: bufTypeVideoCapture}
	f.Pix.Width, f.Pix.Height, f.Pix.PixelFormat = uint32(c.Width), uint32(c.Height), c.Format
	if err := ioctl(fd, vidiocSFmt, unsafe.Pointer(&f)); err != nil {
		return Frame{}, MapErrno("set format", err)
	}
	if f.Pix.PixelFormat != FormatMJPEG && f.Pix.PixelFormat != FormatYUYV {
		return Frame{}, fmt.Errorf("camera offers %s, want MJPG or YUYV", FourCC(f.Pix.PixelFormat))
	}
	rb := requestBuffers{Count: 2, Type: bufTypeVideoCapture, Memory: memoryMMAP}
	if err := ioctl(fd, vidiocReqBufs, unsafe.Pointer(&rb)); err != nil {
		return Frame{}, MapErrno("request buffers", err)
	}
	if rb.Count == 0 {
		return Frame{}, errors.New("request buffers: none granted")
	}
	var maps [][]byte
	defer func() {
		for _, m := range maps {
			unix.Munmap(m)
		}
		free := requestBuffers{Count: 0, Type: bufTypeVideoCapture, Memory: memoryMMAP}
		ioctl(fd, vidiocReqBufs, unsafe.Pointer(&free))
	}()
	for i := uint32(0); i < rb.Count; i++ {
		b := buffer{Index: i, Type: bufTypeVideoCapture, Memory: memoryMMAP}
		if err := ioctl(fd, vidiocQueryBuf, unsafe.Pointer(&b)); err != nil {
			return Frame{}, MapErrno("query buffer", err)
		}
		m, err := unix.Mmap(fd, int64(b.Offset), int(b.Length), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
		if err != nil {
			return Frame{}, MapErrno("mmap", err)
		}
		maps = append(maps, m)
		if err := ioctl(fd, vidiocQBuf, unsafe.Pointer(&b)); err != nil {
			return Frame{}, MapErrno("queue buffer", err)
		}
	}
	typ := uint32(bufTypeVideoCapture)
	if err := ioctl(fd, vidiocStreamOn, unsafe.Pointer(&typ)); err != nil {
		return Frame{}, MapErrno("stream on", err)
	}
	defer ioctl(fd, vidiocStreamOff, unsafe.Pointer(&typ))

	for n := 0; ; n++ {
		if err := waitReadable(ctx, fd); err != nil {
			return Frame{}, err
		}
		b := buffer{Type: bufTypeVideoCapture, Memory: memoryMMAP}
		if err := ioctl(fd, vidiocDQBuf, unsafe.Pointer(&b)); err != nil {
			if err == unix.EAGAIN {
				continue
			}
			return Frame{}, MapErrno("dequeue buffer", err)
		}
		if n >= c.Warmup && int(b.Index) < len(maps) && b.BytesUsed > 0 {
			data := make([]byte, b.BytesUsed)
			copy(data, maps[b.Index][:b.BytesUsed])
			return Frame{Format: f.Pix.PixelFormat, Width: int(f.Pix.Width), Height: int(f.Pix.Height),
				BytesPerLine: int(f.Pix.BytesPerLine), Data: data}, nil
		}
		if err := ioctl(fd, vidiocQBuf, unsafe.Pointer(&b)); err != nil {
			return Frame{}, MapErrno("queue buffer", err)
		}
		if n > c.Warmup+60 {
			return Frame{}, errors.New("no usable frame")
		}
	}
}

// waitReadable polls in short slices so that ctx is honoured.
func waitReadable(ctx context.Context, fd int) error {
	for waited := 0; ; waited += 200 {
		if err := ctx.Err(); err != nil {
			return err
		}
		if waited > 10000 {
			return errors.New("no frame within 10 s")
		}
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(p, 200)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return MapErrno("poll", err)
		}
		if n > 0 {
			if p[0].Revents&(unix.POLLERR|unix.POLLHUP) != 0 {
				return MapErrno("poll", unix.ENODEV)
			}
			return nil
		}
	}
}
