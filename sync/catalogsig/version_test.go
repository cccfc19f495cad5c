package catalogsig

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestVerifyRefusesVersionZero: a correctly signed catalogue must still
// carry a version of 1 or more (the terminal orders catalogues by it and
// holds 0 as "none yet"), so version 0 is ErrMalformed and version 1 is
// taken. Mutation killed (gremlins, catalogsig.go Verify): the version
// bound's boundary (<= 0 to < 0).
func TestVerifyRefusesVersionZero(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cat := json.RawMessage(`{"categories":[]}`)
	for _, tt := range []struct {
		version int64
		ok      bool
	}{{0, false}, {1, true}} {
		sc, err := Sign(priv, cat, tt.version, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			if tt.ok {
				t.Fatal(err)
			}
			continue // refusing to sign it is as good
		}
		_, err = Verify(pub, sc, now, 0)
		if tt.ok && err != nil {
			t.Errorf("version %d refused: %v", tt.version, err)
		}
		if !tt.ok && !errors.Is(err, ErrMalformed) {
			t.Errorf("version %d: %v, want ErrMalformed", tt.version, err)
		}
	}
}
