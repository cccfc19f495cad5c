//go:build linux && cgo

package findpoll

import "github.com/bianmin/kiosk/devices/idcard"

// Watch is the idcard.WatchFunc of the kiosk's serial readers.
func Watch(fd int, c idcard.WatchConfig) (idcard.Watcher, error) {
	return Start(fd, Config{Interval: c.Interval, Timeout: c.Timeout, Repeat: c.Repeat})
}
