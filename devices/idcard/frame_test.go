package idcard

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestEncodeCommandChecksums(t *testing.T) {
	// CHK values of the reference table.
	tests := []struct {
		cmd  Command
		want string
	}{
		{CmdResetSAM, "aaaaaa9669000310ffec"},
		{CmdSAMStatus, "aaaaaa9669000311ffed"},
		{CmdSAMID, "aaaaaa9669000312ffee"},
		{CmdFindCard, "aaaaaa966900032001" + "22"},
		{CmdSelectCard, "aaaaaa966900032002" + "21"},
		{CmdReadBase, "aaaaaa966900033001" + "32"},
		{CmdReadNewAddress, "aaaaaa966900033003" + "30"},
		{CmdReadFinger, "aaaaaa966900033010" + "23"},
	}
	for i, want := range []string{"63", "62", "61", "60", "67"} {
		c, ok := CmdSetBaud(Bauds[i])
		if !ok {
			t.Fatalf("CmdSetBaud(%d) not ok", Bauds[i])
		}
		tests = append(tests, struct {
			cmd  Command
			want string
		}{c, "aaaaaa9669000360" + hex.EncodeToString([]byte{byte(i)}) + want})
	}
	for _, tt := range tests {
		t.Run(tt.cmd.Name+tt.want[len(tt.want)-6:], func(t *testing.T) {
			if got := hex.EncodeToString(EncodeCommand(tt.cmd, nil)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	if got := hex.EncodeToString(EncodeCommand(CmdSetMaxRFFrame, []byte{0x50})); got != "aaaaaa9669000461ff50"+"ca" {
		t.Errorf("set max RF frame: %s", got)
	}
	if _, ok := CmdSetBaud(4800); ok {
		t.Error("CmdSetBaud(4800) ok")
	}
}

func TestReferenceReply(t *testing.T) {
	// The read-failed example of the reference.
	in, _ := hex.DecodeString("aaaaaa9669000400004145")
	body, err := NewReceiver(bytes.NewReader(in)).Next()
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseReply(body)
	if err != nil || r.SW3 != 0x41 || len(r.Data) != 0 {
		t.Fatalf("reply %+v, %v", r, err)
	}
	if !bytes.Equal(EncodeReply(0, 0, 0x41, nil), in) {
		t.Errorf("EncodeReply = % x", EncodeReply(0, 0, 0x41, nil))
	}
}

func TestReceiver(t *testing.T) {
	ok1 := EncodeReply(0, 0, 0x90, []byte{1, 2, 3})
	ok2 := EncodeReply(0, 0, 0x9F, nil)
	big := EncodeReply(0, 0, 0x90, bytes.Repeat([]byte{0xAA}, 1288)) // a 1295-byte read reply
	bad := bytes.Clone(ok1)
	bad[len(bad)-1] ^= 1
	absurd := []byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF, 0x00}
	// a bad frame whose body hides a real frame: resync must find it
	hidden := append([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x40}, ok2...)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	type want struct {
		sw3 byte
		err error
	}
	tests := []struct {
		name string
		in   []byte
		want []want
	}{
		{"two frames", cat(ok1, ok2), []want{{0x90, nil}, {0x9F, nil}}},
		{"big", big, []want{{0x90, nil}}},
		{"garbage first", cat([]byte("hello\xAA\xAA\x00\xAA\xAA\xAA\x96"), ok1), []want{{0x90, nil}}},
		{"bad checksum then good", cat(bad, ok2), []want{{0, ErrChecksum}, {0x9F, nil}}},
		{"absurd length", cat(absurd, ok2), []want{{0x9F, nil}}},
		{"frame inside truncated frame", hidden, []want{{0x9F, nil}}},
		{"preamble repeated", cat([]byte{0xAA, 0xAA}, ok1), []want{{0x90, nil}}},
	}
	for _, tt := range tests {
		for _, frag := range []string{"whole", "one byte", "half"} {
			t.Run(tt.name+"/"+frag, func(t *testing.T) {
				var r io.Reader = bytes.NewReader(tt.in)
				switch frag {
				case "one byte":
					r = iotest.OneByteReader(r)
				case "half":
					r = iotest.HalfReader(r)
				}
				rc := NewReceiver(r)
				for i, w := range tt.want {
					body, err := rc.Next()
					if !errors.Is(err, w.err) {
						t.Fatalf("frame %d: err %v, want %v", i, err, w.err)
					}
					if err != nil {
						continue
					}
					if body[2] != w.sw3 {
						t.Fatalf("frame %d: sw3 %02x, want %02x", i, body[2], w.sw3)
					}
				}
				if _, err := rc.Next(); err != io.EOF {
					t.Fatalf("after last frame: %v, want EOF", err)
				}
			})
		}
	}
}

func TestReceiverBounded(t *testing.T) {
	// An endless stream of junk must not grow the buffer.
	junk := bytes.Repeat([]byte{0xAA, 0xAA, 0x00}, 100000)
	rc := NewReceiver(bytes.NewReader(junk))
	if _, err := rc.Next(); err != io.EOF {
		t.Fatal(err)
	}
	if rc.Buffered() > 8 {
		t.Errorf("buffered %d bytes of junk", rc.Buffered())
	}
}

func FuzzReceiver(f *testing.F) {
	f.Add(EncodeReply(0, 0, 0x90, []byte{1, 2, 3}))
	f.Add([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x04, 0x00, 0x00, 0x41, 0x45})
	f.Add([]byte{0xAA, 0xAA, 0xAA, 0x96, 0x69, 0xFF, 0xFF})
	f.Add(append([]byte("junk"), EncodeCommand(CmdFindCard, nil)...))
	f.Fuzz(func(t *testing.T, in []byte) {
		rc := NewReceiver(iotest.HalfReader(bytes.NewReader(in)))
		for i := 0; i < len(in)+1; i++ {
			body, err := rc.Next()
			if err == io.EOF {
				return
			}
			if err == nil {
				if len(body) > MaxLen {
					t.Fatalf("body of %d bytes", len(body))
				}
				// a frame re-encoded must be found in the input
				if !bytes.Contains(in, encode(body)) {
					t.Fatalf("frame % x not in input", body)
				}
				ParseReply(body)
			} else if !errors.Is(err, ErrChecksum) {
				t.Fatalf("unexpected error %v", err)
			}
		}
		t.Fatal("receiver did not reach EOF")
	})
}

func BenchmarkFrameParse(b *testing.B) {
	frame := EncodeReply(0, 0, 0x90, EncodeBaseData(bytes.Repeat([]byte{' ', 0}, 128), make([]byte, 1024)))
	r := bytes.NewReader(frame)
	rc := NewReceiver(r)
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		r.Reset(frame)
		if _, err := rc.Next(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/frame")
}
