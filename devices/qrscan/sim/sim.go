// Package sim emulates a serial QR scanner in line mode on a
// pseudo-terminal: each Send writes a payload and CR LF, as scanners do.
// Tests, cmd/ and the developer dock import it.
package sim

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/bianmin/kiosk/devices/ptypair"
)

// Scanner is an emulated scanner.
type Scanner struct {
	mu sync.Mutex
	w  *os.File
}

// StartPTY opens a pty and returns the scanner and the slave path to open
// like /dev/ttyUSB0. The pty closes when ctx is done.
func StartPTY(ctx context.Context) (*Scanner, string, error) {
	pair, err := ptypair.Open()
	if err != nil {
		return nil, "", fmt.Errorf("qr sim: %w", err)
	}
	go func() {
		<-ctx.Done()
		pair.Close()
	}()
	// Drain what the host writes (scanners ignore input) so the pty never
	// fills.
	go func() {
		b := make([]byte, 256)
		for {
			if _, err := pair.Master.Read(b); err != nil {
				return
			}
		}
	}()
	return &Scanner{w: pair.Master}, pair.Path, nil
}

// Send writes one payload followed by CR LF. Payloads must not contain
// line terminators.
func (s *Scanner) Send(payload string) error {
	if strings.ContainsAny(payload, "\r\n") {
		return fmt.Errorf("qr sim: payload holds a line terminator")
	}
	return s.SendRaw([]byte(payload + "\r\n"))
}

// SendRaw writes bytes as they are (for fault tests: no terminator,
// over-long lines, noise).
func (s *Scanner) SendRaw(b []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.w.Write(b)
	return err
}
