package terminal

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"testing"
	"time"

	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/catalogsig"
)

// The catalogue kept in the store is verified again by catalogsig at every
// start: one signed by another key, one changed on disk after it was kept
// and one that has expired since are not used; the bundled one is.
// Kills: trusting the store's bytes because the relay once checked them
// (the hand-decoded envelope this replaced).
func TestStoredCatalogueReverifiedAtStart(t *testing.T) {
	bundled, err := assets.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	c := *bundled
	c.Version = bundled.Version + 7
	raw, _ := json.Marshal(&c)

	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	start := func() *Terminal {
		t.Helper()
		term, err := Start(context.Background(), cfg, Options{Fast: true})
		if err != nil {
			t.Fatal(err)
		}
		return term
	}
	term := start()
	simKey := term.Sims.CatalogKey
	term.Close()

	sign := func(key ed25519.PrivateKey, expires time.Time) *api.SignedCatalog {
		sc, err := catalogsig.Sign(key, raw, c.Version, time.Now().Add(-time.Hour), expires)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	good := sign(simKey, time.Now().Add(24*time.Hour))
	tampered := *good
	tampered.Payload = []byte(string(good.Payload[:len(good.Payload)-1]) + " }")
	cases := []struct {
		name string
		sc   *api.SignedCatalog
		want int64
	}{
		{"another key", sign(otherKey, time.Now().Add(24*time.Hour)), bundled.Version},
		{"changed on disk", &tampered, bundled.Version},
		{"expired since", sign(simKey, time.Now().Add(-time.Minute)), bundled.Version},
		{"good", good, c.Version},
	}
	for i, tc := range cases {
		term := start()
		b, _ := json.Marshal(tc.sc)
		if err := term.Store.SaveCatalog(context.Background(), c.Version+int64(i), b); err != nil {
			t.Fatal(err)
		}
		term.Close()
		term = start()
		got := term.Catalog.Version
		term.Close()
		if got != tc.want {
			t.Errorf("%s: started with catalogue version %d, want %d", tc.name, got, tc.want)
		}
	}
}
