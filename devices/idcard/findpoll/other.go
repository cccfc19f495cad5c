//go:build !(linux && cgo)

// Package findpoll polls a GA 467 reader for a card from a POSIX thread of
// its own; it needs Linux and cgo. Elsewhere Watch fails and the reader's
// Service polls from Go.
package findpoll

import (
	"errors"

	"github.com/bianmin/kiosk/devices/idcard"
)

// Watch fails: no poll thread without cgo on Linux.
func Watch(int, idcard.WatchConfig) (idcard.Watcher, error) {
	return nil, errors.New("findpoll: needs linux and cgo")
}
