package screens

import (
	"fmt"
	"strings"
	"testing"

	kiosk "github.com/bianmin/kiosk"
)

// TestStorageFullToldPlainly: a store refusing a new application for lack
// of space (offline.ErrDiskFull is kiosk.ErrStorageFull, wrapped) is told to
// the resident as what it is, not as "内容不正确". Mutation killed: no case
// for kiosk.ErrStorageFull in errorText.
func TestStorageFullToldPlainly(t *testing.T) {
	_, u, _, _ := setup(t, false)
	err := fmt.Errorf("enqueue: %w: the reserved headroom is in use", kiosk.ErrStorageFull)
	if got := u.errorText(err); !strings.Contains(got, "存储空间已满") {
		t.Errorf("errorText(storage full) = %q", got)
	}
}
