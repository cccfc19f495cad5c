package main

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/assets/testcards"
	"github.com/bianmin/kiosk/devices/idcard/sim"
	qrsim "github.com/bianmin/kiosk/devices/qrscan/sim"
)

func runCmd(ctx context.Context, args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = run(ctx, args, &o, &e)
	return code, o.String(), e.String()
}

func TestIdcardReadJSON(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{Baud: 115200})
	if err != nil {
		t.Fatal(err)
	}
	cards, _ := testcards.All()
	wantKeys := []string{"address", "authority", "birth", "card_type", "ethnicity", "ethnicity_code", "id_checksum_ok",
		"id_number", "issue_count", "name", "name_en", "nationality", "pass_number", "photo_wlt_base64", "rare_chars",
		"sex", "sex_code", "valid_from", "valid_to"}
	for _, c := range cards {
		t.Run(c.Label, func(t *testing.T) {
			r.PlaceCard(c.Identity)
			code, out, errOut := runCmd(ctx, "idcard", "read", "--port", path, "--json", "--timeout", "5s")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			if strings.Count(strings.TrimSpace(out), "\n") != 0 {
				t.Errorf("more than one line: %q", out)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(out), &m); err != nil {
				t.Fatal(err)
			}
			var keys []string
			for k := range m {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			if !reflect.DeepEqual(keys, wantKeys) {
				t.Errorf("keys %v", keys)
			}
			if m["id_number"] != c.Identity.IDNumber || m["name"] != c.Identity.Name || m["card_type"] != string(c.Identity.CardType) {
				t.Errorf("got %v", m)
			}
			if _, ok := m["rare_chars"].([]any); !ok {
				t.Errorf("rare_chars is %T", m["rare_chars"])
			}
			switch c.Label {
			case "long-term":
				if m["valid_to"] != "long-term" {
					t.Errorf("valid_to %v", m["valid_to"])
				}
			case "rare-char":
				if !reflect.DeepEqual(m["rare_chars"], []any{"U+E81A"}) {
					t.Errorf("rare_chars %v", m["rare_chars"])
				}
			case "resident":
				if m["birth"] != "1990-03-07" || m["valid_to"] != "2035-06-01" || m["id_checksum_ok"] != true ||
					m["ethnicity"] != "汉" || m["sex"] != "男" || m["pass_number"] != "" || m["photo_wlt_base64"] == "" {
					t.Errorf("fields %v", m)
				}
			}
		})
	}
}

func TestIdcardReadPlainAndFailures(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, path, err := sim.StartPTY(ctx, sim.Config{})
	if err != nil {
		t.Fatal(err)
	}
	// no card: exit 3 after the timeout
	code, _, errOut := runCmd(ctx, "idcard", "read", "--port", path, "--timeout", "400ms")
	if code != exitNoCard || !strings.Contains(errOut, "no card") {
		t.Errorf("no card: exit %d %q", code, errOut)
	}
	// a card placed while waiting
	go func() {
		time.Sleep(300 * time.Millisecond)
		id, _ := testcards.Get("hkmotw-J")
		r.PlaceCard(id)
	}()
	code, out, errOut := runCmd(ctx, "idcard", "read", "--port", path, "--timeout", "5s")
	if code != 0 || !strings.Contains(out, "H01234567") || !strings.Contains(errOut, "WARNING") {
		t.Errorf("plain: exit %d %q %q", code, out, errOut)
	}
	// SAM fault: exit 4
	r.SetFaults(sim.Faults{SAMSW3: 0x66})
	code, _, errOut = runCmd(ctx, "idcard", "read", "--port", path, "--timeout", "1s")
	if code != exitReaderFailed || !strings.Contains(errOut, "not authorised") {
		t.Errorf("sam fault: exit %d %q", code, errOut)
	}
	// silent reader: exit 4
	r.SetFaults(sim.Faults{Silent: true})
	code, _, _ = runCmd(ctx, "idcard", "read", "--port", path, "--timeout", "1s")
	if code != exitReaderFailed {
		t.Errorf("silent: exit %d", code)
	}
	r.SetFaults(sim.Faults{})
	code, out, _ = runCmd(ctx, "idcard", "samid", "--port", path)
	if code != 0 || strings.TrimSpace(out) != "05.01-20094254-0000123456-0004045955" {
		t.Errorf("samid: %d %q", code, out)
	}
	code, _, _ = runCmd(ctx, "idcard", "read", "--port", "/dev/nonexistent-reader")
	if code != exitReaderFailed {
		t.Errorf("missing port: exit %d", code)
	}
	code, _, _ = runCmd(ctx, "idcard", "read")
	if code != 2 {
		t.Errorf("no flags: exit %d", code)
	}
}

func TestQRListen(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc, path, err := qrsim.StartPTY(ctx)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		sc.Send("CTID:abc")
		sc.Send("https://www.gov.cn/")
	}()
	code, out, errOut := runCmd(ctx, "qr", "listen", "--port", path, "--count", "2", "--timeout", "10s")
	if code != 0 || out != "electronic_id\tCTID:abc\nurl\thttps://www.gov.cn/\n" {
		t.Errorf("exit %d out %q err %q", code, out, errOut)
	}
}
