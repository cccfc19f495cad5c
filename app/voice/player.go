package voice

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
)

// CommandPlayer plays WAV bytes by piping them to a command such as
// "aplay -q" (alsa-utils) or "paplay" (PulseAudio/PipeWire). Cancelling the
// context kills the command, which stops the sound at once.
type CommandPlayer struct {
	Argv []string
}

var _ Player = CommandPlayer{}

// Play implements Player.
func (p CommandPlayer) Play(ctx context.Context, wav []byte) error {
	if len(p.Argv) == 0 {
		return fmt.Errorf("play: no command")
	}
	cmd := exec.CommandContext(ctx, p.Argv[0], p.Argv[1:]...)
	cmd.Stdin = bytes.NewReader(wav)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("play %s: %w: %s", p.Argv[0], err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

// FilePlayer "plays" by writing each WAV to Dir as 0001.wav, 0002.wav, …;
// for tests, CI and development machines without a sound card.
type FilePlayer struct {
	Dir string

	mu    sync.Mutex
	count int
}

var _ Player = (*FilePlayer)(nil)

// Play implements Player.
func (p *FilePlayer) Play(ctx context.Context, wav []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	p.mu.Lock()
	p.count++
	name := filepath.Join(p.Dir, fmt.Sprintf("%04d.wav", p.count))
	p.mu.Unlock()
	if err := os.WriteFile(name, wav, 0o600); err != nil {
		return fmt.Errorf("play to file: %w", err)
	}
	return nil
}

// Files returns the paths written so far, in order.
func (p *FilePlayer) Files() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, p.count)
	for i := range out {
		out[i] = filepath.Join(p.Dir, fmt.Sprintf("%04d.wav", i+1))
	}
	return out
}

// DefaultPlayer returns a CommandPlayer for the first player found on $PATH
// (aplay, paplay, pw-play), or ok=false when there is none — as on a Debian
// machine without alsa-utils; the caller then uses a FilePlayer or disables
// speech.
func DefaultPlayer() (p Player, ok bool) {
	for _, argv := range [][]string{{"aplay", "-q"}, {"paplay"}, {"pw-play", "-"}} {
		if bin, err := exec.LookPath(argv[0]); err == nil {
			return CommandPlayer{Argv: append([]string{bin}, argv[1:]...)}, true
		}
	}
	return nil, false
}
