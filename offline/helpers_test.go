package offline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	kiosk "github.com/bianmin/kiosk"
	"github.com/google/uuid"
)

var testKey = Key{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}

// fakeClock is a settable clock.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }
func openTest(t testing.TB, dir string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, testKey, append([]Option{WithOrphanGrace(0)}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// testApp makes an application with n attachments of size bytes each.
func testApp(seq int, idNumber string, n, size int, rng *rand.Rand) (*kiosk.Application, map[string][]byte) {
	app := &kiosk.Application{
		InstanceID:   uuid.NewString(),
		AcceptanceNo: kiosk.AcceptanceNo(kiosk.Station{Code: "330106001", Terminal: "T01"}, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), seq),
		ItemCode:     "330106-001",
		ItemName:     "城乡居民基本医疗保险参保登记",
		Station:      kiosk.Station{Code: "330106001", Terminal: "T01", Name: "翠苑街道便民服务中心"},
		Applicant:    kiosk.Identity{Name: "王小明", IDNumber: idNumber, Address: "浙江省杭州市西湖区翠苑一区"},
		Form:         map[string]string{"name": "王小明", "id_number": idNumber, "mobile": "13912345678"},
		CreatedAt:    time.Date(2026, 11, 23, 9, 0, seq, 0, time.UTC),
	}
	files := map[string][]byte{}
	for i := range n {
		b := make([]byte, size)
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		sum := sha256.Sum256(b)
		id := fmt.Sprintf("att%d", i)
		app.Attachments = append(app.Attachments, kiosk.Attachment{ID: id, Name: fmt.Sprintf("page-%d.pdf", i),
			MediaType: "application/pdf", SHA256: hex.EncodeToString(sum[:]), Size: int64(size)})
		files[id] = b
	}
	return app, files
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
