package qrscan_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/qrscan"
	"github.com/bianmin/kiosk/devices/qrscan/sim"
)

func TestClassify(t *testing.T) {
	receipt := kiosk.ReceiptQR("https://zwfw.example.gov.cn/track", "330106001-T01-20261123-0042", "5f0c")
	tests := []struct {
		in   string
		want qrscan.Kind
	}{
		{receipt, qrscan.KindReceipt},
		{"CTID:AbCdEf012345", qrscan.KindElectronicID},
		{"CTID:", qrscan.KindUnknown},
		{"https://www.gov.cn/", qrscan.KindURL},
		{"http://example.com/x?no=1", qrscan.KindURL},
		{"hello", qrscan.KindUnknown},
		{"ftp://example.com", qrscan.KindUnknown},
		{"", qrscan.KindUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := qrscan.Classify(tt.in); got != tt.want {
				t.Errorf("Classify(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestLineReader(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name string
		in   string
		want []string // "ERR" for ErrTooLong
	}{
		{"crlf", "a\r\nb\r\n", []string{"a", "b"}},
		{"lf and cr", "a\nb\rc\n", []string{"a", "b", "c"}},
		{"empty lines", "\r\n\r\na\r\n", []string{"a"}},
		{"too long", long + "\r\nok\r\n", []string{"ERR", "ok"}},
		{"too long over reads", long + long + "\nok\n", []string{"ERR", "ok"}},
		{"exact limit", strings.Repeat("y", 32) + "\n", []string{strings.Repeat("y", 32)}},
		{"unterminated tail", "a\nb", []string{"a"}},
		{"utf8", "王小明\n", []string{"王小明"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lr := qrscan.NewLineReader(iotest.OneByteReader(strings.NewReader(tt.in)), 32)
			for _, w := range tt.want {
				got, err := lr.Next()
				if w == "ERR" {
					if !errors.Is(err, qrscan.ErrTooLong) {
						t.Fatalf("got %q %v, want ErrTooLong", got, err)
					}
					continue
				}
				if err != nil || got != w {
					t.Fatalf("got %q %v, want %q", got, err, w)
				}
			}
			if _, err := lr.Next(); err != io.EOF {
				t.Fatalf("end: %v", err)
			}
		})
	}
}

// key events as a wedge scanner sends them: press (1) and release (0).
type ev struct {
	typ, code uint16
	val       int32
}

func press(codes ...uint16) []ev {
	var out []ev
	for _, c := range codes {
		out = append(out, ev{1, c, 1}, ev{0, 0, 0}, ev{1, c, 0}, ev{0, 0, 0})
	}
	return out
}

func shifted(c uint16) []ev {
	return append(append([]ev{{1, 42, 1}}, press(c)...), ev{1, 42, 0})
}

func cat(parts ...[]ev) []ev {
	var out []ev
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestTranslator(t *testing.T) {
	const (
		kH, kT, kP, kS, kSlash, kColon, kDot, kC, kI, kD     = 35, 20, 25, 31, 53, 39, 52, 46, 23, 32
		k1, k2, k0, kMinus, kEnter, kKPEnter, kCaps, kRShift = 2, 3, 11, 12, 28, 96, 58, 54
	)
	tests := []struct {
		name string
		in   []ev
		want []string
	}{
		// recorded shape of "https://a.b/?x=1" minus a few letters
		{"url", cat(press(kH, kT, kT, kP, kS), shifted(kColon), press(kSlash, kSlash, 30, kDot, 48, kSlash),
			shifted(kSlash), press(45, 13, k1, kEnter)), []string{"https://a.b/?x=1"}},
		{"shift with right shift", cat([]ev{{1, kRShift, 1}}, press(kC, kT, kI, kD), []ev{{1, kRShift, 0}},
			shifted(kColon), press(k1, k2, k0, kMinus, kKPEnter)), []string{"CTID:120-"}},
		{"caps lock", cat(press(kCaps, kC), shifted(kC), press(kCaps, kC, kEnter)), []string{"Ccc"}},
		{"autorepeat ignored", cat([]ev{{1, kC, 1}, {1, kC, 2}, {1, kC, 2}, {1, kC, 0}}, press(kEnter)), []string{"c"}},
		{"two payloads", cat(press(k1, kEnter, k2, kEnter)), []string{"1", "2"}},
		{"empty enter skipped", cat(press(kEnter, kEnter, k1, kEnter)), []string{"1"}},
		{"too long", cat(press(k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, k1, kEnter, k2, kEnter)), []string{"ERR", "2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := qrscan.NewTranslator(20)
			var got []string
			for _, e := range tt.in {
				p, done, err := tr.Feed(e.typ, e.code, e.val)
				if errors.Is(err, qrscan.ErrTooLong) {
					got = append(got, "ERR")
				} else if done {
					got = append(got, p)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServiceOverPTY(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc, path, err := sim.StartPTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s := qrscan.NewService(qrscan.SerialOpener(path, 9600), nil)
	done := make(chan error)
	go func() { done <- s.Serve(ctx) }()
	wait := func() qrscan.Event {
		t.Helper()
		for {
			select {
			case e := <-s.Events():
				if e.Payload != "" || e.Err != nil && e.State == kiosk.DeviceReady {
					return e
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no event")
			}
		}
	}
	for s.State() != kiosk.DeviceReady {
		time.Sleep(10 * time.Millisecond)
	}
	receipt := kiosk.ReceiptQR("https://q.example/t", "330106001-T01-20261123-0042", "5f0c")
	sc.Send(receipt)
	if e := wait(); e.Payload != receipt || e.Kind != qrscan.KindReceipt {
		t.Errorf("event %+v", e)
	}
	sc.SendRaw([]byte(strings.Repeat("z", qrscan.MaxPayload+10) + "\r\n"))
	if e := wait(); !errors.Is(e.Err, qrscan.ErrTooLong) {
		t.Errorf("over-long: %+v", e)
	}
	sc.Send("CTID:xyz")
	if e := wait(); e.Kind != qrscan.KindElectronicID {
		t.Errorf("event %+v", e)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop")
	}
}

// failing opener: the service reports disconnected and retries.
func TestServiceReopens(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opens := 0
	pr, pw := io.Pipe()
	s := qrscan.NewService(func(context.Context) (qrscan.Source, error) {
		opens++
		if opens == 1 {
			return nil, errors.New("unplugged")
		}
		return qrscan.NewLineSource(pr), nil
	}, nil)
	s.MinBackoff = time.Millisecond
	go s.Serve(ctx)
	if e := <-s.Events(); e.State != kiosk.DeviceDisconnected {
		t.Fatalf("first event %+v", e)
	}
	if e := <-s.Events(); e.State != kiosk.DeviceReady {
		t.Fatalf("second event %+v", e)
	}
	go pw.Write([]byte("hello\n"))
	if e := <-s.Events(); e.Payload != "hello" || e.Kind != qrscan.KindUnknown {
		t.Fatalf("payload event %+v", e)
	}
}

func FuzzLineReader(f *testing.F) {
	f.Add([]byte("a\r\nb\n"), 8)
	f.Add([]byte(strings.Repeat("x", 100)+"\n"), 16)
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		max = max%64 + 1
		if max <= 0 {
			max += 64
		}
		lr := qrscan.NewLineReader(iotest.HalfReader(strings.NewReader(string(in))), max)
		for i := 0; i <= len(in); i++ {
			p, err := lr.Next()
			if err == io.EOF {
				return
			}
			if err == nil && (len(p) == 0 || len(p) > max || strings.ContainsAny(p, "\r\n")) {
				t.Fatalf("bad payload %q (max %d)", p, max)
			}
		}
		t.Fatal("no EOF")
	})
}
