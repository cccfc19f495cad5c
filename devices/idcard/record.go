package idcard

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	kiosk "github.com/bianmin/kiosk"
)

// Record is the flat JSON form of an identity read from a card, as printed
// by `kioskctl idcard read --json` and stored in assets/testcards. Absent
// values are empty strings; ValidTo is "long-term" on long-term cards.
type Record struct {
	CardType       string   `json:"card_type"`
	Name           string   `json:"name"`
	NameEN         string   `json:"name_en"`
	SexCode        string   `json:"sex_code"`
	Sex            string   `json:"sex"`
	EthnicityCode  string   `json:"ethnicity_code"`
	Ethnicity      string   `json:"ethnicity"`
	Birth          string   `json:"birth"`
	Address        string   `json:"address"`
	IDNumber       string   `json:"id_number"`
	Authority      string   `json:"authority"`
	ValidFrom      string   `json:"valid_from"`
	ValidTo        string   `json:"valid_to"`
	PassNumber     string   `json:"pass_number"`
	IssueCount     string   `json:"issue_count"`
	Nationality    string   `json:"nationality"`
	IDChecksumOK   bool     `json:"id_checksum_ok"`
	RareChars      []string `json:"rare_chars"`
	PhotoWLTBase64 string   `json:"photo_wlt_base64"`
}

// LongTermJSON is ValidTo of a long-term card in a Record.
const LongTermJSON = "long-term"

// NewRecord flattens id.
func NewRecord(id *kiosk.Identity) Record {
	r := Record{
		CardType: string(id.CardType), Name: id.Name, NameEN: id.NameEN,
		SexCode: id.SexCode, Sex: id.Sex(), EthnicityCode: id.EthnicityCode, Ethnicity: id.Ethnicity(),
		Birth: id.Birth.String(), Address: id.Address, IDNumber: id.IDNumber, Authority: id.Authority,
		ValidFrom: id.ValidFrom.String(), ValidTo: id.ValidTo.String(), PassNumber: id.PassNumber,
		IssueCount: id.IssueCount, Nationality: id.Nationality, IDChecksumOK: id.IDChecksumOK(),
		RareChars: []string{},
	}
	if id.LongTerm {
		r.ValidTo = LongTermJSON
	}
	for _, c := range id.RareChars {
		r.RareChars = append(r.RareChars, fmt.Sprintf("U+%04X", c))
	}
	if len(id.PhotoWLT) > 0 {
		r.PhotoWLTBase64 = base64.StdEncoding.EncodeToString(id.PhotoWLT)
	}
	return r
}

// Identity rebuilds an identity from r (derived fields are ignored).
func (r Record) Identity() (*kiosk.Identity, error) {
	id := &kiosk.Identity{
		CardType: kiosk.CardType(r.CardType), Source: kiosk.SourceCard, Name: r.Name, NameEN: r.NameEN,
		SexCode: r.SexCode, EthnicityCode: r.EthnicityCode, Address: r.Address, IDNumber: r.IDNumber,
		Authority: r.Authority, PassNumber: r.PassNumber, IssueCount: r.IssueCount, Nationality: r.Nationality,
	}
	if id.CardType == "" {
		id.CardType = kiosk.CardResident
	}
	var err error
	for _, d := range []struct {
		s   string
		dst *kiosk.Date
	}{{r.Birth, &id.Birth}, {r.ValidFrom, &id.ValidFrom}} {
		if err = d.dst.UnmarshalText([]byte(d.s)); err != nil {
			return nil, fmt.Errorf("record: %w", err)
		}
	}
	if r.ValidTo == LongTermJSON {
		id.LongTerm = true
	} else if err = id.ValidTo.UnmarshalText([]byte(r.ValidTo)); err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	for _, s := range r.RareChars {
		v, err := strconv.ParseUint(strings.TrimPrefix(s, "U+"), 16, 32)
		if err != nil {
			return nil, fmt.Errorf("record: rare char %q: %w", s, ErrBadField)
		}
		id.RareChars = append(id.RareChars, rune(v))
	}
	if id.RareChars == nil {
		id.RareChars = kiosk.FindPUA(id.Name)
	}
	if r.PhotoWLTBase64 != "" {
		if id.PhotoWLT, err = base64.StdEncoding.DecodeString(r.PhotoWLTBase64); err != nil {
			return nil, fmt.Errorf("record: photo: %w", err)
		}
	}
	return id, nil
}
