package escpos

// Profile describes one printer model's capabilities. The field tags let a
// profile be read from the kiosk's TOML configuration.
type Profile struct {
	Name         string `toml:"name" json:"name"`
	PaperMM      int    `toml:"paper_mm" json:"paper_mm"`             // 58 or 80
	Dots         int    `toml:"dots" json:"dots"`                     // printable dots per line: 384 or 576
	CharsPerLine int    `toml:"chars_per_line" json:"chars_per_line"` // font A (12-dot) columns: 32 or 48
	NativeQR     bool   `toml:"native_qr" json:"native_qr"`           // GS ( k QR supported
	Cutter       bool   `toml:"cutter" json:"cutter"`                 // has an auto-cutter
	GB18030Full  bool   `toml:"gb18030_full" json:"gb18030_full"`     // font has 4-byte GB18030 glyphs, not only GBK
	BandRows     int    `toml:"band_rows" json:"band_rows"`           // max rows per GS v 0 band; 0 means 256
	QRModule     int    `toml:"qr_module" json:"qr_module"`           // QR module size in dots; 0 means 6
}

// Common profiles.
var (
	Profile80 = Profile{Name: "80mm", PaperMM: 80, Dots: 576, CharsPerLine: 48, NativeQR: true, Cutter: true, BandRows: 256, QRModule: 6}
	Profile58 = Profile{Name: "58mm", PaperMM: 58, Dots: 384, CharsPerLine: 32, NativeQR: true, Cutter: false, BandRows: 256, QRModule: 5}
)

// ProfileFor returns Profile80 or Profile58 by paper width in mm.
func ProfileFor(mm int) Profile {
	if mm == 58 {
		return Profile58
	}
	return Profile80
}

// withDefaults fills zero fields from the paper width.
func (p Profile) withDefaults() Profile {
	if p.Dots <= 0 {
		if p.PaperMM == 58 {
			p.Dots = 384
		} else {
			p.Dots = 576
		}
	}
	if p.Dots > 2048 {
		p.Dots = 2048
	}
	if p.CharsPerLine <= 0 {
		p.CharsPerLine = p.Dots / 12
	}
	if p.BandRows <= 0 {
		p.BandRows = 256
	}
	if p.QRModule <= 0 {
		p.QRModule = 6
	}
	return p
}

// Normalize returns p with zero fields filled in from its paper width.
func (p Profile) Normalize() Profile { return p.withDefaults() }
