package terminal

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/bianmin/kiosk/assets"
	"github.com/bianmin/kiosk/cmd/internal/config"
	"github.com/bianmin/kiosk/sync/catalogsig"
)

// TestHeartbeatReportsCatalogueInUse: after a signed catalogue version 2 is
// pulled and takes over on the attract screen, the heartbeat the emulator
// receives says version 2 (it said the start-up version 1: Versions was
// built once from the catalogue at start), and it carries every device,
// disk headroom and uptime. Kills: the heartbeat's catalogue taken from
// Terminal.Catalog (the one at start) or from the static Versions map.
func TestHeartbeatReportsCatalogueInUse(t *testing.T) {
	cfg := config.Default()
	cfg.Store.DataDir = t.TempDir()
	term, err := Start(context.Background(), cfg, Options{Fast: true})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	ctx := context.Background()
	c, err := assets.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	start := c.Version
	c.Version = start + 1
	raw, _ := json.Marshal(c)
	signed, err := catalogsig.Sign(term.Sims.CatalogKey, raw, c.Version, time.Now(), time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(signed)
	if err := term.Sims.Platform.SetCatalog(b); err != nil {
		t.Fatal(err)
	}
	if err := term.Relay.PullCatalog(ctx); err != nil {
		t.Fatal(err)
	}
	if v := term.Session.Catalog().Version; v != c.Version {
		t.Fatalf("catalogue in use %d after the pull, want %d", v, c.Version)
	}
	if err := term.Relay.SendHeartbeat(ctx); err != nil {
		t.Fatal(err)
	}
	hb, err := term.Sims.Platform.LastHeartbeat("dev")
	if err != nil {
		t.Fatal(err)
	}
	if hb.CatalogVersion != c.Version || hb.Versions["catalog"] != fmt.Sprint(c.Version) {
		t.Errorf("heartbeat reports catalogue %d (versions %v), want %d in use", hb.CatalogVersion, hb.Versions, c.Version)
	}
	if hb.DiskSizeBytes == 0 || hb.DiskFreeBytes == 0 || hb.DiskFreeBytes > hb.DiskSizeBytes {
		t.Errorf("disk %d free of %d", hb.DiskFreeBytes, hb.DiskSizeBytes)
	}
	if hb.CatalogExpires.IsZero() && !c.Expires.IsZero() {
		t.Error("no catalogue expiry")
	}
	seen := map[string]bool{}
	for _, d := range hb.Devices {
		seen[d.Device] = true
	}
	for _, dev := range []string{"idcard", "printer", "scanner", "qr"} {
		if !seen[dev] {
			t.Errorf("heartbeat devices %+v lack %s", hb.Devices, dev)
		}
	}
}
