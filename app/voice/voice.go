// Package voice speaks prompts to the resident (elder-friendly guidance,
// errors read aloud) and plays short tones such as "card read". It has no UI
// code. A Voice combines a Synthesizer (espeak-ng) and a Player (aplay, a
// file sink for tests and development machines without a sound card); a new
// prompt interrupts the one being spoken. The app wires one Voice in cmd/kiosk
// and hands it to the screens as a Speaker.
package voice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// Speaker is what the screens need: say a prompt, stop talking.
type Speaker interface {
	// Say speaks text and returns when it has been spoken, when a later
	// prompt or Stop interrupted it (ErrInterrupted), or when ctx is done.
	// With speech turned off it returns nil at once.
	Say(ctx context.Context, text string) error
	// Stop silences the current prompt, if any.
	Stop()
}

// Synthesizer turns text into a WAV file's bytes.
type Synthesizer interface {
	Synthesize(ctx context.Context, text string, o SynthOptions) ([]byte, error)
}

// SynthOptions are the voice settings a synthesiser honours.
type SynthOptions struct {
	Rate   int // words per minute
	Volume int // 0–100
}

// Player plays a WAV file's bytes. Play returns when playback ends or ctx is
// done; implementations must stop promptly when ctx is cancelled.
type Player interface {
	Play(ctx context.Context, wav []byte) error
}

// Settings are the resident-adjustable speech settings.
type Settings struct {
	Enabled bool
	Volume  int // 0–100
	Rate    int // words per minute; 0 means DefaultRate
}

// DefaultRate is slower than espeak-ng's 175 wpm, for elderly listeners.
const DefaultRate = 140

// DefaultSettings has speech on at a moderate volume.
var DefaultSettings = Settings{Enabled: true, Volume: 80, Rate: DefaultRate}

// ErrInterrupted is returned by Say when a later prompt or Stop cut it short.
var ErrInterrupted = errors.New("voice: interrupted")

// Voice is a Speaker with a latest-wins queue: each Say cancels the prompt
// being spoken and any prompt still waiting, so the resident always hears
// the current screen's prompt. It is safe for concurrent use.
type Voice struct {
	synth  Synthesizer
	player Player
	log    *slog.Logger

	mu       sync.Mutex
	settings Settings
	seq      uint64             // number of the latest request
	cancel   context.CancelFunc // cancels the request being played
	play     sync.Mutex         // held while synthesising and playing
}

var _ Speaker = (*Voice)(nil)

// New returns a Voice. log may be nil. Spoken text is not logged (prompts
// may read back personal data).
func New(s Synthesizer, p Player, settings Settings, log *slog.Logger) *Voice {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Voice{synth: s, player: p, settings: settings, log: log}
}

// Settings returns the current settings.
func (v *Voice) Settings() Settings {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.settings
}

// SetSettings changes the settings; turning speech off stops the current prompt.
func (v *Voice) SetSettings(s Settings) {
	v.mu.Lock()
	v.settings = s
	v.mu.Unlock()
	if !s.Enabled {
		v.Stop()
	}
}

// Say implements Speaker.
func (v *Voice) Say(ctx context.Context, text string) error {
	return v.run(ctx, func(ctx context.Context, s Settings) error {
		rate := s.Rate
		if rate <= 0 {
			rate = DefaultRate
		}
		wav, err := v.synth.Synthesize(ctx, text, SynthOptions{Rate: rate, Volume: s.Volume})
		if err != nil {
			return fmt.Errorf("synthesize: %w", err)
		}
		return v.player.Play(ctx, wav)
	})
}

// Prompt says text without waiting: the call returns at once and errors are
// logged. Use it from the UI goroutine.
func (v *Voice) Prompt(text string) {
	go func() {
		if err := v.Say(context.Background(), text); err != nil && !errors.Is(err, ErrInterrupted) {
			v.log.Warn("voice prompt failed", "err", err)
		}
	}()
}

// Beep plays a tone (see Tone) at the current volume, interrupting speech.
// Tones play even with speech turned off, unless the volume is 0.
func (v *Voice) Beep(ctx context.Context, t ToneSpec) error {
	return v.runAlways(ctx, func(ctx context.Context, s Settings) error {
		if s.Volume <= 0 {
			return nil
		}
		return v.player.Play(ctx, Tone(t, s.Volume))
	})
}

// Stop implements Speaker.
func (v *Voice) Stop() {
	v.mu.Lock()
	v.seq++
	if v.cancel != nil {
		v.cancel()
	}
	v.mu.Unlock()
}

func (v *Voice) run(ctx context.Context, f func(context.Context, Settings) error) error {
	if !v.Settings().Enabled {
		return nil
	}
	return v.runAlways(ctx, f)
}

func (v *Voice) runAlways(ctx context.Context, f func(context.Context, Settings) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	v.mu.Lock()
	v.seq++
	me := v.seq
	if v.cancel != nil {
		v.cancel() // interrupt the prompt being spoken
	}
	v.mu.Unlock()

	v.play.Lock()
	defer v.play.Unlock()
	v.mu.Lock()
	if v.seq != me { // a later prompt came while we waited
		v.mu.Unlock()
		return ErrInterrupted
	}
	v.cancel = cancel
	s := v.settings
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		if v.seq == me {
			v.cancel = nil
		}
		v.mu.Unlock()
	}()

	err := f(ctx, s)
	if err != nil && ctx.Err() != nil {
		v.mu.Lock()
		superseded := v.seq != me
		v.mu.Unlock()
		if superseded {
			return ErrInterrupted
		}
		return ctx.Err()
	}
	return err
}
