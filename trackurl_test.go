package kiosk

import (
	"strings"
	"testing"
)

func TestTrackURLCarriesTheSecret(t *testing.T) {
	q := ReceiptQuery{AcceptanceNo: "330106001-T01-20261123-0042", InstanceID: "5f0c", Secret: "s3cr3t"}
	p := TrackURL("https://zwfw.example.gov.cn/track", q)
	got, ok := ParseReceiptQuery(p)
	if !ok || got != q {
		t.Fatalf("ParseReceiptQuery(%q) = %+v %v", p, got, ok)
	}
	app := Application{AcceptanceNo: q.AcceptanceNo, InstanceID: q.InstanceID, TrackSecret: q.Secret, Agent: "G0012", AgentName: "王芳"}
	r := AcceptanceReceipt(&app, testItem(), "https://q")
	if got, _ := ParseReceiptQuery(r.QRPayload); got.Secret != "s3cr3t" || !strings.HasPrefix(r.QRPayload, "https://q?") {
		t.Fatalf("receipt QR %q has no secret", r.QRPayload)
	}
	if r.Agent != "G0012 王芳" {
		t.Fatalf("receipt agent %q", r.Agent)
	}
	// An old receipt without a secret still parses (the lookup decides).
	if got, ok := ParseReceiptQuery(ReceiptQR("https://q", q.AcceptanceNo, "5f0c")); !ok || got.Secret != "" {
		t.Fatalf("old receipt: %+v %v", got, ok)
	}
}
