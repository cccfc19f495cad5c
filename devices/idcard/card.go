package idcard

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	kiosk "github.com/bianmin/kiosk"
)

// TextLen is the size of a card's text block; PhotoLen of its WLT photo.
const (
	TextLen  = 256
	PhotoLen = 1024
)

// LongTermText is what long-term cards carry instead of a valid-to date.
const LongTermText = "长期"

// Card-parsing errors.
var (
	ErrUnknownCardType = errors.New("unknown card type")
	ErrBadField        = errors.New("malformed field")
	ErrFieldTooLong    = errors.New("value too long for its field")
)

// typeOffset is where the card type character sits in the text block.
const typeOffset = 248

// field is one text-block field: byte offset and byte length.
type field struct{ off, n int }

// getRaw decodes a field as UCS-2 (GA 467): one character per 16-bit unit.
// A card cannot carry characters outside the Basic Multilingual Plane (rare
// name characters come as Private Use Area code points), so a surrogate
// unit never comes from a real reader: it decodes to U+FFFD here and
// checkUCS2 rejects the block.
func getRaw(t []byte, f field) string {
	r := make([]rune, f.n/2)
	for i := range r {
		c := rune(binary.LittleEndian.Uint16(t[f.off+2*i:]))
		if utf16.IsSurrogate(c) {
			c = utf8.RuneError
		}
		r[i] = c
	}
	return string(r)
}

// checkUCS2 fails with ErrBadField when one of the fields holds a UTF-16
// surrogate unit, which UCS-2 has not: what parses then always re-encodes.
func checkUCS2(t []byte, fs ...field) error {
	for _, f := range fs {
		for i := 0; i < f.n/2; i++ {
			if utf16.IsSurrogate(rune(binary.LittleEndian.Uint16(t[f.off+2*i:]))) {
				return fmt.Errorf("surrogate at byte %d, not UCS-2: %w", f.off+2*i, ErrBadField)
			}
		}
	}
	return nil
}

// get decodes a field and trims trailing spaces only (foreign names hold
// inner spaces). Trailing NULs, written by some issuers, go too.
func get(t []byte, f field) string {
	return strings.TrimRight(getRaw(t, f), " \x00")
}

func put(t []byte, f field, s string) error {
	u := make([]uint16, 0, len(s))
	for _, r := range s {
		if r > 0xFFFF {
			return fmt.Errorf("%q outside UCS-2: %w", r, ErrBadField)
		}
		u = append(u, uint16(r))
	}
	if len(u)*2 > f.n {
		return fmt.Errorf("%q in %d bytes: %w", s, f.n, ErrFieldTooLong)
	}
	for i := 0; i < f.n/2; i++ {
		c := uint16(' ')
		if i < len(u) {
			c = u[i]
		}
		binary.LittleEndian.PutUint16(t[f.off+2*i:], c)
	}
	return nil
}

// Layouts of the four card types (see docs/idcard.md).
var (
	rName, rSex, rEth, rBirth    = field{0, 30}, field{30, 2}, field{32, 4}, field{36, 16}
	rAddr, rID, rAuth            = field{52, 70}, field{122, 36}, field{158, 30}
	rFrom, rTo                   = field{188, 16}, field{204, 16}
	jPass, jCount                = field{220, 18}, field{238, 4}
	fType                        = field{typeOffset, 2}
	iNameEN, iSex, iID, iNat     = field{0, 120}, field{120, 2}, field{122, 30}, field{152, 6}
	iName, iBirth, iVer, iAuth   = field{158, 30}, field{220, 16}, field{236, 4}, field{240, 8}
	yName, ySex, yCount, yBirth  = field{0, 30}, field{30, 2}, field{32, 4}, field{36, 16}
	yEN1, yID, yEN2, yNat, yLink = field{52, 70}, field{122, 36}, field{220, 22}, field{242, 6}, field{250, 6}
)

// CardTypeOf returns the card type of a text block from the character at
// offset 248.
func CardTypeOf(text []byte) (kiosk.CardType, error) {
	if len(text) < TextLen {
		return "", fmt.Errorf("text block of %d bytes: %w", len(text), ErrShort)
	}
	switch c := get(text, fType); c {
	case "", " ":
		return kiosk.CardResident, nil
	case "J":
		return kiosk.CardHKMOTW, nil
	case "I":
		return kiosk.CardForeignOld, nil
	case "Y":
		return kiosk.CardForeign2023, nil
	default:
		return "", fmt.Errorf("type %q: %w", c, ErrUnknownCardType)
	}
}

func date(text []byte, f field, name string) (kiosk.Date, error) {
	s := get(text, f)
	if s == "" {
		return kiosk.Date{}, nil
	}
	d, err := kiosk.ParseDate(s)
	if err != nil || len(s) != 8 {
		return kiosk.Date{}, fmt.Errorf("%s: %w", name, ErrBadField)
	}
	return d, nil
}

// ParseText decodes a 256-byte text block (UCS-2 little-endian) into an
// Identity with Source card. The ID number's checksum is not checked here:
// callers report kiosk.CheckIDNumber, they do not trust it.
func ParseText(text []byte) (*kiosk.Identity, error) {
	ct, err := CardTypeOf(text)
	if err != nil {
		return nil, fmt.Errorf("parse text: %w", err)
	}
	id := &kiosk.Identity{CardType: ct, Source: kiosk.SourceCard}
	var from, to, birth field
	var used []field
	switch ct {
	case kiosk.CardResident:
		used = []field{rName, rSex, rEth, rBirth, rAddr, rID, rAuth, rFrom, rTo}
	case kiosk.CardHKMOTW:
		used = []field{rName, rSex, rEth, rBirth, rAddr, rID, rAuth, rFrom, rTo, jPass, jCount}
	case kiosk.CardForeignOld:
		used = []field{iNameEN, iSex, iID, iNat, iName, iBirth, iAuth, rFrom, rTo}
	case kiosk.CardForeign2023:
		used = []field{yName, ySex, yCount, yBirth, yEN1, yID, yEN2, yNat, rFrom, rTo}
	}
	if err := checkUCS2(text, used...); err != nil {
		return nil, fmt.Errorf("parse text: %w", err)
	}
	switch ct {
	case kiosk.CardResident, kiosk.CardHKMOTW:
		id.Name, id.SexCode, id.EthnicityCode = get(text, rName), get(text, rSex), get(text, rEth)
		id.Address, id.IDNumber, id.Authority = get(text, rAddr), get(text, rID), get(text, rAuth)
		if ct == kiosk.CardHKMOTW {
			id.PassNumber, id.IssueCount = get(text, jPass), get(text, jCount)
		}
		birth, from, to = rBirth, rFrom, rTo
	case kiosk.CardForeignOld:
		id.NameEN, id.SexCode, id.IDNumber = get(text, iNameEN), get(text, iSex), get(text, iID)
		id.Nationality, id.Name, id.Authority = get(text, iNat), get(text, iName), get(text, iAuth)
		birth, from, to = iBirth, rFrom, rTo
	case kiosk.CardForeign2023:
		id.Name, id.SexCode, id.IssueCount = get(text, yName), get(text, ySex), get(text, yCount)
		id.NameEN = strings.TrimRight(getRaw(text, yEN1)+getRaw(text, yEN2), " \x00")
		id.IDNumber, id.Nationality = get(text, yID), get(text, yNat)
		birth, from, to = yBirth, rFrom, rTo
	}
	if id.Birth, err = date(text, birth, "birth"); err != nil {
		return nil, fmt.Errorf("parse text: %w", err)
	}
	if id.ValidFrom, err = date(text, from, "valid_from"); err != nil {
		return nil, fmt.Errorf("parse text: %w", err)
	}
	if get(text, to) == LongTermText {
		id.LongTerm = true
	} else if id.ValidTo, err = date(text, to, "valid_to"); err != nil {
		return nil, fmt.Errorf("parse text: %w", err)
	}
	id.RareChars = kiosk.FindPUA(id.Name)
	return id, nil
}

func dateText(d kiosk.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d%02d%02d", d.Year, int(d.Month), d.Day)
}

// EncodeText is the inverse of ParseText: it lays an identity out as a card
// would. The simulator and round-trip tests use it.
func EncodeText(id *kiosk.Identity) ([]byte, error) {
	t := make([]byte, TextLen)
	if err := put(t, field{0, TextLen}, ""); err != nil {
		return nil, err
	}
	to := dateText(id.ValidTo)
	if id.LongTerm {
		to = LongTermText
	}
	type kv struct {
		f field
		s string
	}
	var kvs []kv
	switch id.CardType {
	case kiosk.CardResident, "", kiosk.CardHKMOTW:
		kvs = []kv{{rName, id.Name}, {rSex, id.SexCode}, {rEth, id.EthnicityCode}, {rBirth, dateText(id.Birth)},
			{rAddr, id.Address}, {rID, id.IDNumber}, {rAuth, id.Authority}, {rFrom, dateText(id.ValidFrom)}, {rTo, to}}
		if id.CardType == kiosk.CardHKMOTW {
			kvs = append(kvs, kv{jPass, id.PassNumber}, kv{jCount, id.IssueCount}, kv{fType, "J"})
		}
	case kiosk.CardForeignOld:
		kvs = []kv{{iNameEN, id.NameEN}, {iSex, id.SexCode}, {iID, id.IDNumber}, {iNat, id.Nationality},
			{iName, id.Name}, {rFrom, dateText(id.ValidFrom)}, {rTo, to}, {iBirth, dateText(id.Birth)},
			{iVer, "10"}, {iAuth, id.Authority}, {fType, "I"}}
	case kiosk.CardForeign2023:
		en := []rune(id.NameEN)
		en1, en2 := en, []rune(nil)
		if len(en) > yEN1.n/2 {
			en1, en2 = en[:yEN1.n/2], en[yEN1.n/2:]
		}
		kvs = []kv{{yName, id.Name}, {ySex, id.SexCode}, {yCount, id.IssueCount}, {yBirth, dateText(id.Birth)},
			{yEN1, string(en1)}, {yID, id.IDNumber}, {rFrom, dateText(id.ValidFrom)}, {rTo, to},
			{yEN2, string(en2)}, {yNat, id.Nationality}, {fType, "Y"}}
	default:
		return nil, fmt.Errorf("encode text: %q: %w", id.CardType, ErrUnknownCardType)
	}
	for _, e := range kvs {
		if err := put(t, e.f, e.s); err != nil {
			return nil, fmt.Errorf("encode text: %w", err)
		}
	}
	return t, nil
}

// ParseBaseData splits the data of a read reply (command 30 01 or 30 10):
// length words (big-endian) then the blocks. words is 2 for text+photo and
// 3 when a fingerprint block follows.
func ParseBaseData(data []byte, words int) (text, photo, finger []byte, err error) {
	if len(data) < 2*words {
		return nil, nil, nil, fmt.Errorf("read data: %w", ErrShort)
	}
	lens := make([]int, words)
	total := 2 * words
	for i := range lens {
		lens[i] = int(binary.BigEndian.Uint16(data[2*i:]))
		total += lens[i]
	}
	if total > len(data) || lens[0] < TextLen {
		return nil, nil, nil, fmt.Errorf("read data: lengths %v in %d bytes: %w", lens, len(data), ErrShort)
	}
	p := 2 * words
	text = data[p : p+lens[0]]
	p += lens[0]
	photo = data[p : p+lens[1]]
	p += lens[1]
	if words == 3 {
		finger = data[p : p+lens[2]]
	}
	return text, photo, finger, nil
}

// EncodeBaseData is the inverse of ParseBaseData for text and photo.
func EncodeBaseData(text, photo []byte) []byte {
	d := binary.BigEndian.AppendUint16(nil, uint16(len(text)))
	d = binary.BigEndian.AppendUint16(d, uint16(len(photo)))
	d = append(d, text...)
	return append(d, photo...)
}
