// Package testcards embeds the test identities the ID card simulator
// loads: a resident card, a long-term card, 'J', 'I' and 'Y' cards and a
// name with a Private Use Area rare character. All data are invented.
// Tests, the simulator dock and cmd/ import it.
package testcards

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/devices/idcard"
)

//go:embed *.json
var files embed.FS

// Card is one test identity with its short label for the dock.
type Card struct {
	Label    string
	Identity *kiosk.Identity
}

// All returns every test card, sorted by label. Each call returns fresh
// identities, so callers may Wipe them.
func All() ([]Card, error) {
	names, err := fs.Glob(files, "*.json")
	if err != nil {
		return nil, err
	}
	var out []Card
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		var rec struct {
			Label string `json:"label"`
			idcard.Record
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("testcards: %s: %w", n, err)
		}
		id, err := rec.Identity()
		if err != nil {
			return nil, fmt.Errorf("testcards: %s: %w", n, err)
		}
		out = append(out, Card{Label: rec.Label, Identity: id})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Label < out[j].Label })
	return out, nil
}

// Get returns the card with label.
func Get(label string) (*kiosk.Identity, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if c.Label == label {
			return c.Identity, nil
		}
	}
	return nil, fmt.Errorf("testcards: no card %q", label)
}
