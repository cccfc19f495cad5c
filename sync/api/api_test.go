package api

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestWireGolden pins the JSON shape of every wire type: a change here is a
// change of the platform contract (docs/platform-api.md).
func TestWireGolden(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	samples := []struct {
		name string
		v    any
	}{
		{"envelope_ok", Envelope{BMK: Version, OK: true, Data: json.RawMessage(`{"instance_id":"x","created":true}`)}},
		{"envelope_error", Envelope{BMK: Version, Error: &Error{Code: CodeIncomplete, Message: "attachments missing or not intact"}, Data: json.RawMessage(`{"missing":["p2"]}`)}},
		{"put_result", PutResult{InstanceID: "x", Created: true}},
		{"complete_result", CompleteResult{InstanceID: "x", SubmittedAt: at, Attachments: []AttachmentReceipt{{ID: "p1", SHA256: "ab", Size: 3}}}},
		{"status_page", StatusPage{Events: []StatusEvent{{InstanceID: "x", State: kiosk.StateAccepted, At: at, Note: "受理"}}, Next: "42"}},
		{"heartbeat", Heartbeat{Terminal: "330106001-T01", At: at, QueueDepth: 2, Devices: []kiosk.DeviceStatus{{Device: "printer", State: kiosk.DevicePaperLow}}, Versions: map[string]string{"app": "1.0"}}},
		{"signed_catalog", SignedCatalog{Payload: []byte(`{"version":1}`), Sig: []byte{1, 2, 3}, KeyID: "8c97bf5698d8b606"}},
		{"catalog_payload", CatalogPayload{Version: 7, Issued: at, Expires: at.Add(720 * time.Hour), Catalog: json.RawMessage(`{"items":[]}`)}},
		{"decision", Decision{InstanceID: "x", State: kiosk.StateNeedsSupplement, Note: "请补充户口簿"}},
	}
	got := map[string]json.RawMessage{}
	for _, s := range samples {
		b, err := json.Marshal(s.v)
		if err != nil {
			t.Fatal(err)
		}
		got[s.name] = b
	}
	out, _ := json.MarshalIndent(got, "", "  ")
	path := filepath.Join("testdata", "wire.golden.json")
	if *update {
		if err := os.WriteFile(path, append(out, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if string(want) != string(out)+"\n" {
		t.Errorf("wire format changed; if intended, run go test ./sync/api -update and update docs/platform-api.md\ngot:\n%s", out)
	}
}
