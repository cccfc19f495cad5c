package idcard_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/devices/idcard"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func hexDump(b []byte) []byte {
	var s strings.Builder
	for len(b) > 0 {
		n := min(32, len(b))
		s.WriteString(hex.EncodeToString(b[:n]) + "\n")
		b = b[n:]
	}
	return []byte(s.String())
}

func unhex(t testing.TB, b []byte) []byte {
	t.Helper()
	out, err := hex.DecodeString(strings.Join(strings.Fields(string(b)), ""))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func golden(t *testing.T, path string, got []byte) []byte {
	t.Helper()
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, hexDump(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	return unhex(t, b)
}

// TestTextVectors checks every test card against its committed 256-byte
// text block, in both directions.
func TestTextVectors(t *testing.T) {
	cards, err := testcards.All()
	if err != nil {
		t.Fatal(err)
	}
	if len(cards) < 6 {
		t.Fatalf("%d test cards", len(cards))
	}
	for _, c := range cards {
		t.Run(c.Label, func(t *testing.T) {
			enc, err := idcard.EncodeText(c.Identity)
			if err != nil {
				t.Fatal(err)
			}
			want := golden(t, filepath.Join("testdata", "text", c.Label+".hex"), enc)
			if !bytes.Equal(enc, want) {
				t.Errorf("EncodeText differs from golden:\n%s", hexDump(enc))
			}
			got, err := idcard.ParseText(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.Identity) {
				t.Errorf("ParseText:\n got %+v\nwant %+v", got, c.Identity)
			}
		})
	}
}

func TestParseTextFields(t *testing.T) {
	load := func(label string) *kiosk.Identity {
		t.Helper()
		b, err := os.ReadFile(filepath.Join("testdata", "text", label+".hex"))
		if err != nil {
			t.Fatal(err)
		}
		id, err := idcard.ParseText(unhex(t, b))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	tests := []struct {
		label string
		check func(id *kiosk.Identity) bool
	}{
		{"resident", func(id *kiosk.Identity) bool {
			return id.CardType == kiosk.CardResident && id.Name == "王小明" && id.Ethnicity() == "汉" &&
				id.Birth == kiosk.Date{Year: 1990, Month: 3, Day: 7} && id.IDChecksumOK() && !id.LongTerm
		}},
		{"long-term", func(id *kiosk.Identity) bool { return id.LongTerm && id.ValidTo.IsZero() }},
		{"hkmotw-J", func(id *kiosk.Identity) bool {
			return id.CardType == kiosk.CardHKMOTW && id.PassNumber == "H01234567" && id.IssueCount == "01"
		}},
		{"foreign-old-I", func(id *kiosk.Identity) bool {
			return id.CardType == kiosk.CardForeignOld && id.NameEN == "SMITH, JOHN WILLIAM" &&
				id.Nationality == "USA" && id.IDNumber == "USA330175082001" && id.Name == "史密斯"
		}},
		{"foreign-2023-Y", func(id *kiosk.Identity) bool {
			// 44 characters: split over the two English-name fields, with
			// the inner spaces kept
			return id.CardType == kiosk.CardForeign2023 &&
				id.NameEN == "GARCIA LOPEZ, MARIA DE LOS ANGELES FERNANDEZ" && id.Nationality == "ESP" && id.IDChecksumOK()
		}},
		{"rare-char", func(id *kiosk.Identity) bool {
			return id.Name == "林\ue81a华" && reflect.DeepEqual(id.RareChars, []rune{0xE81A}) && id.DisplayName() == "林□华"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			if id := load(tt.label); !tt.check(id) {
				t.Errorf("unexpected identity %+v", id)
			}
		})
	}
}

func TestParseTextErrors(t *testing.T) {
	base, _ := idcard.EncodeText(&kiosk.Identity{Name: "王小明", Birth: kiosk.Date{Year: 1990, Month: 1, Day: 2}})
	withType := bytes.Clone(base)
	withType[248] = 'Q'
	badDate := bytes.Clone(base)
	copy(badDate[36:], []byte{'1', 0, '9', 0, 'x', 0})
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"short", base[:200], idcard.ErrShort},
		{"unknown type", withType, idcard.ErrUnknownCardType},
		{"bad date", badDate, idcard.ErrBadField},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := idcard.ParseText(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("err %v, want %v", err, tt.want)
			}
		})
	}
	if _, err := idcard.EncodeText(&kiosk.Identity{Name: "一二三四五六七八九十一二三四五六"}); !errors.Is(err, idcard.ErrFieldTooLong) {
		t.Errorf("long name: %v", err)
	}
}

// TestStatusVectors checks the reply frame of every SW3 code against
// committed bytes and its typed error.
func TestStatusVectors(t *testing.T) {
	tests := []struct {
		sw3  byte
		want error
	}{
		{0x10, idcard.ErrHostChecksum}, {0x11, idcard.ErrHostLength}, {0x21, idcard.ErrCommand},
		{0x23, idcard.ErrNotPermitted}, {0x24, idcard.ErrUnrecognised}, {0x31, idcard.ErrCardAuthSAM},
		{0x32, idcard.ErrSAMAuthCard}, {0x33, idcard.ErrVerify}, {0x40, idcard.ErrCardType},
		{0x41, idcard.ErrReadFailed}, {0x47, idcard.ErrRandom}, {0x60, idcard.ErrSAMSelfTest},
		{0x66, idcard.ErrSAMUnauthorised}, {0x80, idcard.ErrNoCard}, {0x81, idcard.ErrSelectFailed},
		{0x91, idcard.ErrNoContent},
	}
	for _, tt := range tests {
		t.Run(hex.EncodeToString([]byte{tt.sw3}), func(t *testing.T) {
			frame := idcard.EncodeReply(0, 0, tt.sw3, nil)
			want := golden(t, filepath.Join("testdata", "status", hex.EncodeToString([]byte{tt.sw3})+".hex"), frame)
			if !bytes.Equal(frame, want) {
				t.Fatalf("frame % x, golden % x", frame, want)
			}
			body, err := idcard.NewReceiver(bytes.NewReader(want)).Next()
			if err != nil {
				t.Fatal(err)
			}
			r, _ := idcard.ParseReply(body)
			var err2 error = &idcard.StatusError{SW3: r.SW3}
			if !errors.Is(err2, tt.want) {
				t.Errorf("%v is not %v", err2, tt.want)
			}
			if errors.Is(err2, idcard.ErrNoContent) != (tt.sw3 == 0x91) {
				t.Error("errors.Is matches another code")
			}
			var se *idcard.StatusError
			if !errors.As(err2, &se) || se.Code() != tt.sw3 || strings.Contains(se.Error(), "unknown") {
				t.Errorf("Code/Error: %v", err2)
			}
		})
	}
	if !idcard.IsSAMFault(idcard.ErrSAMSelfTest) || idcard.IsSAMFault(idcard.ErrNoCard) {
		t.Error("IsSAMFault")
	}
}

func TestBaseData(t *testing.T) {
	text := bytes.Repeat([]byte{' ', 0}, 128)
	photo := bytes.Repeat([]byte{7}, 1024)
	d := idcard.EncodeBaseData(text, photo)
	frame := idcard.EncodeReply(0, 0, 0x90, d)
	if len(frame) != 1295 {
		t.Errorf("read reply is %d bytes, want 1295", len(frame))
	}
	gt, gp, _, err := idcard.ParseBaseData(d, 2)
	if err != nil || !bytes.Equal(gt, text) || !bytes.Equal(gp, photo) {
		t.Fatalf("ParseBaseData: %v", err)
	}
	if _, _, _, err := idcard.ParseBaseData(d[:1000], 2); !errors.Is(err, idcard.ErrShort) {
		t.Errorf("truncated: %v", err)
	}
}

func TestSAMID(t *testing.T) {
	b := []byte{5, 0, 1, 0, 0x2E, 0x9D, 0x32, 0x01, 0x40, 0xE2, 0x01, 0, 0x83, 0xBC, 0x3D, 0}
	got, err := idcard.FormatSAMID(b)
	if want := "05.01-20094254-0000123456-0004045955"; err != nil || got != want {
		t.Errorf("FormatSAMID = %q, %v; want %q", got, err, want)
	}
}

func FuzzParseText(f *testing.F) {
	cards, _ := testcards.All()
	for _, c := range cards {
		b, _ := idcard.EncodeText(c.Identity)
		f.Add(b)
	}
	f.Add(make([]byte, 256))
	f.Fuzz(func(t *testing.T, in []byte) {
		id, err := idcard.ParseText(in)
		if err != nil {
			return
		}
		if id.CardType == "" {
			t.Fatal("no card type")
		}
		// what parses must re-encode (fields cannot grow) and parse the same
		enc, err := idcard.EncodeText(id)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		id2, err := idcard.ParseText(enc)
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		if !reflect.DeepEqual(id, id2) {
			t.Fatalf("round trip:\n%+v\n%+v", id, id2)
		}
	})
}
