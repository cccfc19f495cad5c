package selftest_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/bianmin/kiosk/cmd/internal/selftest"
	"github.com/bianmin/kiosk/sync/api"
	"github.com/bianmin/kiosk/sync/catalogsig"
	"github.com/bianmin/kiosk/sync/client"
)

// fakePlatform answers whoami and catalog as told.
type fakePlatform struct {
	who    api.Whoami
	whoErr error
	cat    *api.SignedCatalog
}

func (f *fakePlatform) Whoami(context.Context) (*api.Whoami, error) {
	if f.whoErr != nil {
		return nil, f.whoErr
	}
	w := f.who
	return &w, nil
}

func (f *fakePlatform) Catalog(context.Context) (*api.SignedCatalog, error) { return f.cat, nil }

// TestPlatformChecks: the identity must be this terminal's, the clock
// within MaxSkew, the catalogue signed by the configured key and not about
// to expire; each failure says why in Chinese.
func TestPlatformChecks(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	sign := func(k ed25519.PrivateKey, expires time.Time) *api.SignedCatalog {
		sc, err := catalogsig.Sign(k, json.RawMessage(`{"version":1}`), 7, now.Add(-time.Hour), expires)
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name   string
		check  selftest.Check
		ok     bool
		reason string
	}{
		{"identity", selftest.PlatformTLS(&fakePlatform{who: api.Whoami{Terminal: "330106001-T01"}}, "330106001-T01"), true, ""},
		{"other identity", selftest.PlatformTLS(&fakePlatform{who: api.Whoami{Terminal: "330106001-T02"}}, "330106001-T01"), false, "终端证书与本机配置不符"},
		{"refused certificate", selftest.PlatformTLS(&fakePlatform{whoErr: client.ErrUnauthorized}, "330106001-T01"), false, "平台不认可本终端证书"},
		{"captive portal", selftest.PlatformTLS(&fakePlatform{whoErr: client.ErrNotPlatform}, "330106001-T01"), false, "连到的不是政务平台"},
		{"clock", selftest.Clock(&fakePlatform{who: api.Whoami{ServerTime: now.Add(30 * time.Second)}}, clock, selftest.MaxSkew), true, ""},
		{"clock skewed", selftest.Clock(&fakePlatform{who: api.Whoami{ServerTime: now.Add(-10 * time.Minute)}}, clock, selftest.MaxSkew), false, "终端时钟与平台相差 600 秒"},
		{"catalogue", selftest.Catalog(&fakePlatform{cat: sign(priv, now.Add(30*24*time.Hour))}, pub, clock, selftest.MinCatalogLeft), true, ""},
		{"catalogue expiring", selftest.Catalog(&fakePlatform{cat: sign(priv, now.Add(24*time.Hour))}, pub, clock, selftest.MinCatalogLeft), false, "事项目录将在 24 小时内过期"},
		{"catalogue of another key", selftest.Catalog(&fakePlatform{cat: sign(other, now.Add(30*24*time.Hour))}, pub, clock, selftest.MinCatalogLeft), false, "签名无效"},
	}
	for _, c := range cases {
		r := selftest.Run(context.Background(), selftest.Plan{c.check})[0]
		if r.OK != c.ok || (!c.ok && !strings.Contains(r.Reason, c.reason)) {
			t.Errorf("%s: %+v, want ok=%v reason ~%q", c.name, r, c.ok, c.reason)
		}
	}
}
