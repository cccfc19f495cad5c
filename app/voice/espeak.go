package voice

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
)

// ESpeak synthesises Mandarin with the espeak-ng command (Debian espeak-ng):
// robotic but intelligible, offline, and already packaged. A neural voice
// would sound better but none ships as a Debian package.
type ESpeak struct {
	// Path of the binary; empty means "espeak-ng" on $PATH.
	Path string
	// Voice is the espeak-ng voice; empty means "cmn" (Mandarin).
	Voice string
}

var _ Synthesizer = ESpeak{}

// ErrNoSynth is returned when the espeak-ng binary cannot be found.
var ErrNoSynth = errors.New("voice: espeak-ng not installed")

// Args returns the espeak-ng arguments for text.
func (e ESpeak) Args(text string, o SynthOptions) []string {
	voice := e.Voice
	if voice == "" {
		voice = "cmn"
	}
	rate := o.Rate
	if rate <= 0 {
		rate = DefaultRate
	}
	// espeak-ng amplitude runs 0–200 with 100 as normal.
	amp := min(max(o.Volume, 0), 100) * 2
	return []string{"-v", voice, "-s", strconv.Itoa(rate), "-a", strconv.Itoa(amp), "--stdout", "--", text}
}

// Synthesize runs espeak-ng and returns the WAV it writes to stdout.
func (e ESpeak) Synthesize(ctx context.Context, text string, o SynthOptions) ([]byte, error) {
	path := e.Path
	if path == "" {
		path = "espeak-ng"
	}
	bin, err := exec.LookPath(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSynth, err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, e.Args(text, o)...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("espeak-ng: %w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out.Bytes(), nil
}
