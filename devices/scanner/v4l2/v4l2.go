// Package v4l2 captures still pages from UVC document cameras (高拍仪)
// through Video4Linux2: it sets the camera to MJPEG or YUYV at the largest
// asked size, streams a few frames so that exposure settles, and keeps one.
// It implements scanner.Scanner (platen only: a camera has no feeder). The
// ioctl code is Linux-only (capture_linux.go); format conversion and state
// mapping are portable and unit-tested. Only cmd/ should import it.
//
// Capture itself cannot be tested without a camera; it has been written
// against the kernel's videodev2.h layouts, which capture_linux_test.go
// checks (struct sizes and ioctl numbers).
package v4l2

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"path/filepath"
	"sort"
	"syscall"

	"github.com/bianmin/kiosk/devices/scanner"
)

// Pixel formats, as V4L2 fourcc codes.
const (
	FormatMJPEG uint32 = 'M' | 'J'<<8 | 'P'<<16 | 'G'<<24
	FormatYUYV  uint32 = 'Y' | 'U'<<8 | 'Y'<<16 | 'V'<<24
)

// FourCC prints a pixel format code.
func FourCC(f uint32) string {
	return string([]byte{byte(f), byte(f >> 8), byte(f >> 16), byte(f >> 24)})
}

// Config describes one camera.
type Config struct {
	Device string // e.g. /dev/video0
	Width  int    // asked frame size; the driver picks the nearest (2592×1944 when zero)
	Height int
	// Format is FormatMJPEG (default: what document cameras deliver at full
	// size) or FormatYUYV.
	Format uint32
	// PaperWidthMM is the width of the field of view on the document
	// plate, to give pages a resolution (A4 portrait, 210 mm, when zero).
	PaperWidthMM float64
	// Warmup is the number of frames dropped before the one kept, while
	// exposure and focus settle (5 when zero).
	Warmup int
	Log    *slog.Logger
}

// Camera is a UVC document camera.
type Camera struct {
	c Config
}

var _ scanner.Scanner = (*Camera)(nil)

// New returns a camera. Nothing is opened until it is used.
func New(c Config) *Camera {
	if c.Width <= 0 || c.Height <= 0 {
		c.Width, c.Height = 2592, 1944
	}
	if c.Format == 0 {
		c.Format = FormatMJPEG
	}
	if c.PaperWidthMM <= 0 {
		c.PaperWidthMM = 210
	}
	if c.Warmup <= 0 {
		c.Warmup = 5
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Camera{c: c}
}

// List returns the video device nodes present (/dev/video*). Not every node
// is a capture device: UVC cameras also expose metadata nodes.
func List() []string {
	m, _ := filepath.Glob("/dev/video*")
	sort.Strings(m)
	return m
}

// DPI is the nominal resolution of a frame w pixels wide across the paper.
func DPI(w int, paperWidthMM float64) int {
	if paperWidthMM <= 0 {
		return 0
	}
	return int(float64(w)/(paperWidthMM/25.4) + 0.5)
}

// Frame is one captured frame as the driver delivered it.
type Frame struct {
	Format       uint32
	Width        int
	Height       int
	BytesPerLine int
	Data         []byte
}

// Decode converts a frame to an image.
func (f Frame) Decode() (image.Image, error) {
	switch f.Format {
	case FormatMJPEG:
		return DecodeMJPEG(f.Data)
	case FormatYUYV:
		return YUYVToImage(f.Data, f.Width, f.Height, f.BytesPerLine)
	}
	return nil, fmt.Errorf("pixel format %s: %w", FourCC(f.Format), scanner.ErrUnsupported)
}

// MapErrno turns an errno from open or ioctl into a sentinel error.
func MapErrno(op string, err error) error {
	var en syscall.Errno
	if !errors.As(err, &en) {
		return fmt.Errorf("%s: %w", op, err)
	}
	switch en {
	case syscall.ENOENT, syscall.ENODEV, syscall.ENXIO:
		return fmt.Errorf("%s: %v: %w", op, en, scanner.ErrDisconnected)
	case syscall.EBUSY:
		return fmt.Errorf("%s: %v: %w", op, en, scanner.ErrBusy)
	case syscall.EACCES, syscall.EPERM:
		return fmt.Errorf("%s: %v (add the kiosk user to group video)", op, en)
	}
	return fmt.Errorf("%s: %w", op, en)
}

// Capabilities reports a platen-only, colour and grey device whose
// resolution follows from the frame size.
func (c *Camera) Capabilities(ctx context.Context) (scanner.Caps, error) {
	name, err := probe(c.c.Device)
	if err != nil {
		return scanner.Caps{}, fmt.Errorf("v4l2 capabilities: %w", err)
	}
	return scanner.Caps{
		MakeAndModel: name,
		Sources:      []scanner.Source{scanner.Platen},
		ColorModes:   []scanner.ColorMode{scanner.Color, scanner.Gray},
		Resolutions:  []int{DPI(c.c.Width, c.c.PaperWidthMM)},
		MaxWidthMM:   c.c.PaperWidthMM,
		MaxHeightMM:  c.c.PaperWidthMM * float64(c.c.Height) / float64(c.c.Width),
	}, nil
}

// Status opens the device and asks what it is.
func (c *Camera) Status(ctx context.Context) (scanner.Status, error) {
	_, err := probe(c.c.Device)
	return scanner.Summarise(scanner.RawFromError(err)), nil
}

// Scan captures one frame. The DPI of the settings is ignored (the frame
// size decides it); grey is left to the image pipeline.
func (c *Camera) Scan(ctx context.Context, s scanner.Settings) ([]scanner.Page, error) {
	s = s.WithDefaults()
	if s.Source != scanner.Platen {
		return nil, fmt.Errorf("v4l2 scan: source %s: %w", s.Source, scanner.ErrUnsupported)
	}
	f, err := capture(ctx, c.c)
	if err != nil {
		return nil, fmt.Errorf("v4l2 scan: %w", err)
	}
	img, err := f.Decode()
	if err != nil {
		return nil, fmt.Errorf("v4l2 scan: %w", err)
	}
	c.c.Log.Info("v4l2 frame", "device", c.c.Device, "format", FourCC(f.Format), "width", f.Width, "height", f.Height)
	return []scanner.Page{{Image: img, DPI: DPI(f.Width, c.c.PaperWidthMM)}}, nil
}
