package relay

import (
	"errors"
	"testing"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/client"
)

// TestConfirmChecksEveryReceiptField: a completion receipt counts only when
// it is for this application and names every attachment with the sha256
// and size the terminal holds; any one field wrong, an attachment missing,
// or no receipt at all is ErrNotPlatform (the application stays queued and
// is completed again). Extra receipts for attachments the terminal does not
// hold do not matter. Mutations killed (gremlins, relay.go confirm): each
// comparison negated (res == nil, the instance ID, !ok, sha256, size).
func TestConfirmChecksEveryReceiptField(t *testing.T) {
	a := &kiosk.Application{InstanceID: "id-1", Attachments: []kiosk.Attachment{
		{ID: "p1", SHA256: "aa", Size: 10},
		{ID: "p2", SHA256: "bb", Size: 20},
	}}
	good := func() *api.CompleteResult {
		return &api.CompleteResult{InstanceID: "id-1", Attachments: []api.AttachmentReceipt{
			{ID: "p2", SHA256: "bb", Size: 20}, {ID: "p1", SHA256: "aa", Size: 10}}}
	}
	tests := []struct {
		name string
		res  func() *api.CompleteResult
		ok   bool
	}{
		{"every attachment, any order", good, true},
		{"an extra receipt", func() *api.CompleteResult {
			r := good()
			r.Attachments = append(r.Attachments, api.AttachmentReceipt{ID: "p9", SHA256: "zz", Size: 1})
			return r
		}, true},
		{"no receipt", func() *api.CompleteResult { return nil }, false},
		{"another application", func() *api.CompleteResult { r := good(); r.InstanceID = "id-2"; return r }, false},
		{"an attachment missing", func() *api.CompleteResult { r := good(); r.Attachments = r.Attachments[:1]; return r }, false},
		{"wrong sha256", func() *api.CompleteResult { r := good(); r.Attachments[1].SHA256 = "ab"; return r }, false},
		{"wrong size", func() *api.CompleteResult { r := good(); r.Attachments[0].Size = 21; return r }, false},
		{"empty receipt list", func() *api.CompleteResult { r := good(); r.Attachments = nil; return r }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := confirm(a, tt.res())
			if tt.ok && err != nil {
				t.Fatalf("a right receipt refused: %v", err)
			}
			if !tt.ok && !errors.Is(err, client.ErrNotPlatform) {
				t.Fatalf("a wrong receipt: %v, want ErrNotPlatform", err)
			}
		})
	}
	// An application without attachments needs only its own instance ID.
	if err := confirm(&kiosk.Application{InstanceID: "id-3"}, &api.CompleteResult{InstanceID: "id-3"}); err != nil {
		t.Errorf("a form-only receipt refused: %v", err)
	}
}
