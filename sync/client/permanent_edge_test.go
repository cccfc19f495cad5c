package client

import (
	"fmt"
	"testing"
)

// TestPermanentAtTheEdges: which platform answers are worth retrying with
// backoff (false) and which are parked at the backoff cap because the same
// request cannot succeed (true): every 5xx, 408 and 429 are retried; 4xx
// otherwise permanent, except the answers the relay repairs by resending
// (incomplete, upload gone, checksum mismatch) and answers not from the
// platform. Mutations killed (gremlins, client.go Permanent): the 400 and
// 500 bounds (>= to >, < to <=), the 408 and 429 exceptions, each errors.Is
// exception negated.
func TestPermanentAtTheEdges(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&StatusError{Status: 399}, false},
		{&StatusError{Status: 400}, true},
		{&StatusError{Status: 422}, true},
		{&StatusError{Status: 499}, true},
		{&StatusError{Status: 500, kind: ErrServer}, false},
		{&StatusError{Status: 408}, false},
		{&StatusError{Status: 429}, false},
		{&StatusError{Status: 409, kind: ErrIncomplete}, false},
		{&StatusError{Status: 404, kind: ErrUploadGone}, false},
		{&StatusError{Status: 460, kind: ErrChecksum}, false},
		{&StatusError{Status: 403, kind: ErrNotPlatform}, false},
		{fmt.Errorf("complete: %w", &StatusError{Status: 409, kind: ErrConflict}), true},
		{fmt.Errorf("complete: %w", &StatusError{Status: 503, kind: ErrServer}), false},
	}
	for _, tt := range tests {
		if got := Permanent(tt.err); got != tt.want {
			t.Errorf("Permanent(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
