package escpos

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gzqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/bianmin/kiosk/assets"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// testFont is the bundled subset the kiosk prints with: goldens never
// depend on the machine's fonts.
func testFont(t testing.TB) *Font {
	t.Helper()
	f, err := ParseFont(assets.FontTTF())
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestBuilderCommands(t *testing.T) {
	tests := []struct {
		name string
		do   func(b *Builder)
		want []byte
	}{
		{"init", func(b *Builder) { b.Init() }, []byte{0x1B, 0x40, 0x1C, 0x26}},
		{"chinese off", func(b *Builder) { b.ChineseMode(false) }, []byte{0x1C, 0x2E}},
		{"bold", func(b *Builder) { b.Bold(true).Bold(false) }, []byte{0x1B, 0x45, 1, 0x1B, 0x45, 0}},
		{"size 2x3", func(b *Builder) { b.Size(2, 3) }, []byte{0x1D, 0x21, 0x12}},
		{"size clamps", func(b *Builder) { b.Size(0, 9) }, []byte{0x1D, 0x21, 0x07}},
		{"align centre", func(b *Builder) { b.Align(AlignCenter) }, []byte{0x1B, 0x61, 1}},
		{"line spacing", func(b *Builder) { b.LineSpacing(40).DefaultLineSpacing() }, []byte{0x1B, 0x33, 40, 0x1B, 0x32}},
		{"feed", func(b *Builder) { b.Feed(3) }, []byte{0x1B, 0x64, 3}},
		{"cut", func(b *Builder) { b.Cut() }, []byte{0x1D, 0x56, 66, 0}},
		{"ascii line", func(b *Builder) { b.Line("A1") }, []byte{'A', '1', '\n'}},
		{"gb18030", func(b *Builder) { b.Text("中文") }, []byte{0xD6, 0xD0, 0xCE, 0xC4}},
		{"control chars dropped", func(b *Builder) { b.Text("a\x1b@\x1dVb") }, []byte{'a', '@', 'V', 'b'}},
		{"pua without font", func(b *Builder) { b.Text("张\ue000") }, []byte{0xD5, 0xC5, 0xA1, 0xF5}},
		{"4-byte on GBK firmware", func(b *Builder) { b.Text("𠀀") }, []byte{0xA1, 0xF5}},
		{"euro on GBK firmware without font", func(b *Builder) { b.Text("10€") }, []byte("10EUR")},
		{"GB18030-only radical on GBK firmware", func(b *Builder) { b.Text("⿰") }, []byte{0xA1, 0xF5}},
		{"yen and circled one stay native", func(b *Builder) { b.Text("￥①") }, []byte{0xA3, 0xA4, 0xA2, 0xD9}},
		{"native qr", func(b *Builder) { b.QRNative("AB", 4) }, []byte{
			0x1D, 0x28, 0x6B, 4, 0, 0x31, 0x41, 0x32, 0,
			0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x43, 4,
			0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x45, 0x31,
			0x1D, 0x28, 0x6B, 5, 0, 0x31, 0x50, 0x30, 'A', 'B',
			0x1D, 0x28, 0x6B, 3, 0, 0x31, 0x51, 0x30}},
		{"raster", func(b *Builder) {
			img := image.NewGray(image.Rect(0, 0, 9, 2))
			for i := range img.Pix {
				img.Pix[i] = 255
			}
			img.Pix[0], img.Pix[8], img.Pix[9+1] = 0, 0, 0
			b.Raster(img)
		}, []byte{0x1D, 0x76, 0x30, 0, 2, 0, 2, 0, 0x80, 0x80, 0x40, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder(Profile80, nil)
			tt.do(b)
			got, err := b.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("got % x\nwant % x", got, tt.want)
			}
		})
	}
}

// TestEuroOnGBKFirmware: € (0xA2E3 exists only in GB18030) never reaches
// GBK firmware as a character code: with a font the text is a raster
// image, and on GB18030 firmware it is the native code.
func TestEuroOnGBKFirmware(t *testing.T) {
	font := testFont(t)
	got, err := NewBuilder(Profile80, font).Text("合计 €12").Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(got, []byte{0x1D, 0x76, 0x30}) { // GS v 0: the whole piece of text as an image
		t.Errorf("text with € on GBK firmware is not a raster image: % x", got[:min(len(got), 16)])
	}
	p := Profile80
	p.GB18030Full = true
	full, _ := NewBuilder(p, font).Text("€").Bytes()
	if !bytes.Equal(full, []byte{0xA2, 0xE3}) {
		t.Errorf("€ on GB18030 firmware: % x, want a2 e3", full)
	}
}

func TestBuilderFourByteOnFullFirmware(t *testing.T) {
	p := Profile80
	p.GB18030Full = true
	b := NewBuilder(p, nil).Text("𠀀")
	got, _ := b.Bytes()
	if len(got) != 4 || got[1] < 0x30 || got[1] > 0x39 {
		t.Errorf("got % x, want a 4-byte GB18030 sequence", got)
	}
}

func TestRasterBands(t *testing.T) {
	p := Profile58
	p.BandRows = 10
	img := image.NewGray(image.Rect(0, 0, 16, 25))
	b := NewBuilder(p, nil).Raster(img)
	got, _ := b.Bytes()
	// three bands: 10, 10, 5 rows of 2 bytes
	if want := 3*8 + 25*2; len(got) != want {
		t.Fatalf("len %d, want %d", len(got), want)
	}
	if got[6] != 10 || got[8+20+6] != 10 || got[2*(8+20)+6] != 5 {
		t.Errorf("band heights wrong: % x", got)
	}
}

func TestQRTooLong(t *testing.T) {
	b := NewBuilder(Profile80, nil).QRNative(string(make([]byte, 8000)), 4)
	if _, err := b.Bytes(); !errors.Is(err, ErrTooLong) {
		t.Errorf("err = %v, want ErrTooLong", err)
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		name string
		raw  [4]byte
		want Status
		err  error
	}{
		{"all clear", [4]byte{0x12, 0x12, 0x12, 0x12}, Status{}, nil},
		{"offline", [4]byte{0x1A, 0x12, 0x12, 0x12}, Status{Offline: true}, nil},
		{"cover open", [4]byte{0x12, 0x16, 0x12, 0x12}, Status{CoverOpen: true}, nil},
		{"paper stop + error", [4]byte{0x12, 0x72, 0x12, 0x12}, Status{PaperEndStop: true, ErrorOccurred: true}, nil},
		{"cutter", [4]byte{0x12, 0x12, 0x1A, 0x12}, Status{CutterError: true}, nil},
		{"near end", [4]byte{0x12, 0x12, 0x12, 0x1E}, Status{PaperNearEnd: true}, nil},
		{"paper end", [4]byte{0x12, 0x12, 0x12, 0x72}, Status{PaperEnd: true}, nil},
		{"bit 0 set", [4]byte{0x13, 0x12, 0x12, 0x12}, Status{}, ErrBadStatus},
		{"bit 4 clear", [4]byte{0x12, 0x12, 0x02, 0x12}, Status{}, ErrBadStatus},
		{"zero", [4]byte{0x12, 0x12, 0x12, 0x00}, Status{}, ErrBadStatus},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatus(tt.raw)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			tt.want.Raw = tt.raw
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if got.Encode() != tt.raw && tt.name != "near end" && tt.name != "paper end" {
				t.Errorf("Encode = % x, want % x", got.Encode(), tt.raw)
			}
		})
	}
}

// scripted answers each DLE EOT n written to it with replies[n-1], preceded
// by noise; a nil replies never answers (reads time out with (0, nil)).
type scripted struct {
	replies []byte
	noise   []byte
	out     []byte
	written []byte
}

func (s *scripted) Write(p []byte) (int, error) {
	s.written = append(s.written, p...)
	if s.replies != nil && len(p) == 3 && p[0] == DLE && p[1] == EOT {
		s.out = append(s.out, s.noise...)
		s.out = append(s.out, s.replies[p[2]-1])
	}
	return len(p), nil
}

func (s *scripted) Read(p []byte) (int, error) {
	if len(s.out) == 0 {
		time.Sleep(time.Millisecond)
		return 0, nil
	}
	n := copy(p, s.out[:1]) // one byte at a time, like a slow line
	s.out = s.out[n:]
	return n, nil
}

func TestQueryStatus(t *testing.T) {
	tests := []struct {
		name    string
		rw      *scripted
		wantErr error
		check   func(Status) bool
	}{
		{"clear", &scripted{replies: []byte{0x12, 0x12, 0x12, 0x12}}, nil, func(s Status) bool { return s == Status{Raw: [4]byte{0x12, 0x12, 0x12, 0x12}} }},
		{"xon xoff skipped", &scripted{replies: []byte{0x12, 0x16, 0x12, 0x12}, noise: []byte{0x11, 0x13}}, nil, func(s Status) bool { return s.CoverOpen }},
		{"bad byte", &scripted{replies: []byte{0x12, 0x12, 0xFF, 0x12}}, ErrBadStatus, nil},
		{"silent", &scripted{}, ErrNoReply, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			s, err := QueryStatus(ctx, tt.rw)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.check != nil && !tt.check(s) {
				t.Errorf("status %+v", s)
			}
			if tt.wantErr == nil && !bytes.Equal(tt.rw.written, []byte{DLE, EOT, 1, DLE, EOT, 2, DLE, EOT, 3, DLE, EOT, 4}) {
				t.Errorf("wrote % x", tt.rw.written)
			}
		})
	}
}

// samplePage exercises every feature of the Builder.
func samplePage(f *Font, rasterQR bool) []byte {
	b := NewBuilder(Profile80, f)
	b.ForceRasterQR = rasterQR
	b.Init().Align(AlignCenter).Size(2, 2).Bold(true).Line("受理回执").Size(1, 1).Bold(false)
	b.Line("某某村便民服务站").Align(AlignLeft)
	b.Line("ASCII 0123456789 abcdefghij").Bold(true).Line("粗体 Bold").Bold(false)
	b.Align(AlignRight).Line("右对齐").Align(AlignLeft)
	b.Line("生僻字：张\ue000（PUA，按图打印）")
	b.LineSpacing(40).Line("行距 40").DefaultLineSpacing()
	b.Align(AlignCenter).QR("https://zwfw.example.gov.cn/q?no=3301062026112300001")
	b.Feed(2).Cut()
	b.Init().Line("第二张").Cut()
	out, _ := b.Bytes()
	return out
}

func TestRenderGolden(t *testing.T) {
	f := testFont(t)
	imgs := Render(samplePage(f, false), Profile80, f)
	if len(imgs) != 2 {
		t.Fatalf("%d receipts, want 2", len(imgs))
	}
	golden(t, "testpage.png", imgs[0])
}

func golden(t *testing.T, name string, img image.Image) {
	t.Helper()
	path := filepath.Join("testdata", name)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	wimg, err := png.Decode(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if !sameImage(img, wimg) {
		got := filepath.Join(t.TempDir(), name)
		os.WriteFile(got, buf.Bytes(), 0o644)
		t.Errorf("%s differs from golden; got written to %s", name, got)
	}
}

func sameImage(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			ar, _, _, _ := a.At(x, y).RGBA()
			br, _, _, _ := b.At(x, y).RGBA()
			if ar != br {
				return false
			}
		}
	}
	return true
}

// DecodeQR finds and decodes the QR code in img.
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gzqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]interface{}{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

func TestRenderQRDecodes(t *testing.T) {
	const payload = "https://zwfw.example.gov.cn/q?no=3301062026112300001"
	for _, raster := range []bool{false, true} {
		name := "native"
		if raster {
			name = "raster"
		}
		t.Run(name, func(t *testing.T) {
			b := NewBuilder(Profile58, nil)
			b.ForceRasterQR = raster
			b.Init().Line("QR").Align(AlignCenter).QR(payload).Feed(2).Cut()
			data, _ := b.Bytes()
			imgs := Render(data, Profile58, nil)
			if len(imgs) != 1 {
				t.Fatalf("%d receipts", len(imgs))
			}
			if got := decodeQR(t, padded(imgs[0])); got != payload {
				t.Errorf("QR = %q, want %q", got, payload)
			}
		})
	}
}

// padded adds a white quiet zone around img.
func padded(img *image.Gray) *image.Gray {
	r := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, r.Dx()+80, r.Dy()+80))
	for i := range out.Pix {
		out.Pix[i] = 255
	}
	for y := 0; y < r.Dy(); y++ {
		copy(out.Pix[(y+40)*out.Stride+40:], img.Pix[y*img.Stride:y*img.Stride+r.Dx()])
	}
	return out
}

func TestTextRasterFallback(t *testing.T) {
	f := testFont(t)
	b := NewBuilder(Profile80, f).Init().Line("张\ue000")
	data, _ := b.Bytes()
	if !bytes.Contains(data, []byte{GS, 'v', '0'}) {
		t.Fatalf("PUA line not sent as raster: % x", data)
	}
	if bytes.Contains(data, []byte{0xD5, 0xC5}) {
		t.Errorf("PUA line also sent as text")
	}
}

func TestInterpreterSplitWrites(t *testing.T) {
	data := samplePage(nil, false)
	whole := Render(data, Profile80, nil)
	var parts []*image.Gray
	it := NewInterpreter(Profile80, nil)
	it.OnReceipt = func(img *image.Gray) { parts = append(parts, img) }
	for i := range data {
		it.Write(data[i : i+1])
	}
	it.Flush()
	if len(parts) != len(whole) {
		t.Fatalf("%d receipts byte by byte, %d whole", len(parts), len(whole))
	}
	for i := range whole {
		if !sameImage(whole[i], parts[i]) {
			t.Errorf("receipt %d differs when fed byte by byte", i)
		}
	}
}

func TestInterpreterStatusCallback(t *testing.T) {
	var got []byte
	it := NewInterpreter(Profile80, nil)
	it.OnStatus = func(n byte) { got = append(got, n) }
	// DLE EOT inside raster data must not count.
	it.Write([]byte{DLE, EOT, 1, GS, 'v', '0', 0, 1, 0, 3, 0, DLE, EOT, 2, DLE, EOT, 4})
	if !bytes.Equal(got, []byte{1, 4}) {
		t.Errorf("status queries %v, want [1 4]", got)
	}
}

func FuzzRender(f *testing.F) {
	f.Add(samplePage(nil, false))
	f.Add(samplePage(nil, true))
	f.Add([]byte{GS, 'v', '0', 0, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Add([]byte{GS, '(', 'k', 0xFF, 0xFF, 0x31, 0x50, 0x30})
	f.Add([]byte{0x81, 0x30, 0x81, 0x30, LF, 0xFE})
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		it := NewInterpreter(Profile58, nil)
		it.OnReceipt = func(img *image.Gray) {
			n++
			if img.Bounds().Dy() > MaxReceiptHeight || img.Bounds().Dx() != 384 {
				t.Fatalf("receipt %v out of bounds", img.Bounds())
			}
		}
		it.Write(data)
		it.Flush()
		if len(it.pending) > maxPending {
			t.Fatalf("pending %d bytes", len(it.pending))
		}
	})
}

func FuzzParseStatus(f *testing.F) {
	f.Add([]byte{0x12, 0x12, 0x12, 0x12})
	f.Add([]byte{0x1A, 0x76, 0x7A, 0x7E})
	f.Add([]byte{0x11, 0x12, 0x13, 0x12, 0x12, 0x12})
	f.Fuzz(func(t *testing.T, data []byte) {
		rw := &scripted{out: append([]byte(nil), data...)}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		s, err := QueryStatus(ctx, rw)
		if err != nil {
			return
		}
		for _, b := range s.Raw {
			if !ValidStatusByte(b) {
				t.Fatalf("accepted bad byte %#x", b)
			}
		}
		if s2, _ := ParseStatus(s.Raw); s2 != s {
			t.Fatalf("reparse differs")
		}
	})
}
