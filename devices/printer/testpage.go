package printer

import (
	"fmt"
	"image"

	"github.com/bianmin/kiosk/devices/printer/escpos"
)

// TestPage returns the ESC/POS bytes of a technician's test page that uses
// every feature: sizes, bold, alignment, line spacing, GB18030 text, a rare
// character printed as an image, native and raster QR codes, a raster
// pattern, feed and cut.
func TestPage(p escpos.Profile, font *escpos.Font) ([]byte, error) {
	b := escpos.NewBuilder(p, font)
	p = b.Profile()
	b.Init().Align(escpos.AlignCenter).Bold(true).Size(2, 2).Line("打印测试页").Size(1, 1).Bold(false)
	b.Line(fmt.Sprintf("%s  %d 点/行  %d 字符/行", p.Name, p.Dots, p.CharsPerLine))
	b.Align(escpos.AlignLeft).Line("左对齐 Left").Align(escpos.AlignCenter).Line("居中 Centre").Align(escpos.AlignRight).Line("右对齐 Right").Align(escpos.AlignLeft)
	for s := 1; s <= 3; s++ {
		b.Size(s, s).Line(fmt.Sprintf("%d倍", s))
	}
	b.Size(1, 1).Bold(true).Line("粗体 Bold").Bold(false)
	b.LineSpacing(50).Line("行距 50 点").DefaultLineSpacing()
	b.Line("GB18030：便民服务 政务 受理回执 ①②③ ￥€")
	b.Line("生僻字（按图打印）：\ue000 𠀀")
	b.Line("0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ")
	b.Line("原生二维码 / native QR:").Align(escpos.AlignCenter).QRNative("https://example.gov.cn/test?native", p.QRModule).Align(escpos.AlignLeft)
	b.Line("位图二维码 / raster QR:").Align(escpos.AlignCenter).QRRaster("https://example.gov.cn/test?raster", p.QRModule).Align(escpos.AlignLeft)
	b.Line("位图 / raster:").Raster(checker(p.Dots, 48))
	b.Feed(3).Cut()
	return b.Bytes()
}

// checker is a test pattern of 8-dot squares.
func checker(w, h int) image.Image {
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if (x/8+y/8)%2 == 0 {
				img.Pix[y*img.Stride+x] = 255
			}
		}
	}
	return img
}
