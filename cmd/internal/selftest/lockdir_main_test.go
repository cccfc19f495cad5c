package selftest_test

import (
	"os"
	"testing"

	"github.com/bianmin/kiosk/devices/serialport"
)

// TestMain gives this test binary its own serial port lock directory. The
// default one is shared by every process of the user (other test binaries,
// benchmarks), and pseudo-terminal paths are reused: a lock another process
// took on /dev/pts/N would make this binary's new /dev/pts/N look busy.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "serial-locks-")
	if err != nil {
		panic(err)
	}
	serialport.SetLockDir(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
