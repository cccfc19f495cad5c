package kiosk

import (
	"strings"
	"unicode/utf8"
)

// CardType is the kind of document an identity was read from.
type CardType string

// Card types. The first four are the ones a GA 467 reader returns; the JSON
// names are those of `kioskctl idcard read --json`.
const (
	CardResident    CardType = "resident"     // 居民身份证
	CardHKMOTW      CardType = "hkmotw"       // 港澳台居民居住证 ('J')
	CardForeignOld  CardType = "foreign_old"  // 外国人永久居留证, old ('I')
	CardForeign2023 CardType = "foreign_2023" // 外国人永久居留身份证, 2023 ('Y')
)

// Source tells how an identity reached the terminal.
type Source string

// Identity sources.
const (
	SourceCard   Source = "card"   // read from the card by the reader
	SourceQR     Source = "qr"     // electronic ID QR code
	SourceManual Source = "manual" // typed by an assisting agent (帮办代办)
)

// Identity is what the terminal knows about a resident. All of it is personal
// data: never log it, mask it on screen, and Wipe it when the session ends.
type Identity struct {
	CardType      CardType
	Source        Source
	Name          string // Chinese name; may hold Private Use Area code points
	NameEN        string // foreign cards
	SexCode       string // GB/T 2261.1: 0 unknown, 1 male, 2 female, 9 unspecified
	EthnicityCode string // GB 3304, two digits; resident and 'J' cards
	Birth         Date
	Address       string
	IDNumber      string // ID number, or permanent-residence number on foreign cards
	Authority     string // issuing authority (or its code on 'I' cards)
	ValidFrom     Date
	ValidTo       Date // zero when LongTerm
	LongTerm      bool // 长期
	PassNumber    string
	IssueCount    string
	Nationality   string // ISO 3166 alpha-3 on foreign cards
	RareChars     []rune // PUA code points found in the name (生僻字), to be confirmed
	PhotoWLT      []byte // raw WLT photo as read from the card; no open decoder exists
	Agent         string // the assisting agent's staff number when Source is manual
}

// SexName returns the Chinese name of the sex code.
func SexName(code string) string {
	switch code {
	case "1":
		return "男"
	case "2":
		return "女"
	case "9":
		return "未说明"
	case "0":
		return "未知"
	}
	return ""
}

// Sex returns the Chinese name of the identity's sex code.
func (id *Identity) Sex() string { return SexName(id.SexCode) }

// Ethnicity returns the Chinese name of the ethnicity code, or "".
func (id *Identity) Ethnicity() string { return EthnicityName(id.EthnicityCode) }

// IDChecksumOK reports whether IDNumber passes GB 11643. Only meaningful for
// resident, 'J' and 2023 foreign cards, which carry 18-character numbers.
func (id *Identity) IDChecksumOK() bool { return CheckIDNumber(id.IDNumber) == nil }

// HasRareChars reports whether the name holds characters the card could only
// encode in the Private Use Area.
func (id *Identity) HasRareChars() bool { return len(id.RareChars) > 0 }

// DisplayName is the name to show: PUA code points replaced by the
// placeholder "□" so that the resident or an agent can confirm it.
func (id *Identity) DisplayName() string { return ReplacePUA(id.Name, "□") }

// Wipe clears every personal field. Strings cannot be zeroed in Go; dropping
// the references lets them be collected, and the photo bytes are zeroed.
func (id *Identity) Wipe() {
	for i := range id.PhotoWLT {
		id.PhotoWLT[i] = 0
	}
	*id = Identity{}
}

// IsPUA reports whether r lies in the BMP Private Use Area (U+E000–U+F8FF).
func IsPUA(r rune) bool { return r >= 0xE000 && r <= 0xF8FF }

// FindPUA returns the Private Use Area code points of s, in order, once each.
func FindPUA(s string) []rune {
	var out []rune
	for _, r := range s {
		if IsPUA(r) {
			dup := false
			for _, o := range out {
				dup = dup || o == r
			}
			if !dup {
				out = append(out, r)
			}
		}
	}
	return out
}

// ReplacePUA replaces every Private Use Area code point of s by placeholder.
func ReplacePUA(s, placeholder string) string {
	var b strings.Builder
	for _, r := range s {
		if IsPUA(r) {
			b.WriteString(placeholder)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MaskName keeps the first character and, for names of three or more, the
// last: 张三 → 张*, 欧阳娜娜 → 欧**娜. Latin names keep their first letter of
// each word.
func MaskName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" {
		return ""
	}
	if strings.ContainsRune(name, ' ') || isLatin(name) {
		words := strings.Fields(name)
		for i, w := range words {
			r, n := utf8.DecodeRuneInString(w)
			words[i] = string(r) + strings.Repeat("*", utf8.RuneCountInString(w[n:]))
		}
		return strings.Join(words, " ")
	}
	rs := []rune(name)
	switch len(rs) {
	case 1:
		return "*"
	case 2:
		return string(rs[0]) + "*"
	}
	return string(rs[0]) + strings.Repeat("*", len(rs)-2) + string(rs[len(rs)-1])
}

func isLatin(s string) bool {
	for _, r := range s {
		if r >= 0x2E80 {
			return false
		}
	}
	return true
}

// MaskID keeps the first three and the last four characters of an ID number:
// 110***********123X. Shorter numbers keep their first and last character.
func MaskID(s string) string {
	n := len(s)
	switch {
	case n == 0:
		return ""
	case n <= 4:
		return strings.Repeat("*", n)
	case n < 10:
		return s[:1] + strings.Repeat("*", n-2) + s[n-1:]
	}
	return s[:3] + strings.Repeat("*", n-7) + s[n-4:]
}

// MaskMobile keeps the first three and last four digits: 138****1234.
func MaskMobile(s string) string {
	if len(s) != 11 {
		return MaskID(s)
	}
	return s[:3] + "****" + s[7:]
}

var ethnicities = map[string]string{
	"01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔", "06": "苗", "07": "彝",
	"08": "壮", "09": "布依", "10": "朝鲜", "11": "满", "12": "侗", "13": "瑶", "14": "白",
	"15": "土家", "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳", "21": "佤",
	"22": "畲", "23": "高山", "24": "拉祜", "25": "水", "26": "东乡", "27": "纳西", "28": "景颇",
	"29": "柯尔克孜", "30": "土", "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗",
	"35": "撒拉", "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米",
	"41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克", "46": "德昂",
	"47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔", "51": "独龙", "52": "鄂伦春",
	"53": "赫哲", "54": "门巴", "55": "珞巴", "56": "基诺", "97": "其他", "98": "外国血统中国籍人士",
}

// EthnicityName returns the name of a GB 3304 ethnicity code ("01" → "汉"), or
// "" for an unknown code.
func EthnicityName(code string) string { return ethnicities[code] }
