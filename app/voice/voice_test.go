package voice

import (
	"context"
	"errors"
	"os"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestESpeakSynthesis(t *testing.T) {
	wav, err := ESpeak{}.Synthesize(context.Background(), "请放置身份证", SynthOptions{Rate: DefaultRate, Volume: 80})
	if err != nil {
		t.Fatalf("synthesize (is espeak-ng installed?): %v", err)
	}
	pcm, err := DecodeWAV(wav)
	if err != nil {
		t.Fatal(err)
	}
	if d := pcm.Duration(); d < 500*time.Millisecond || d > 10*time.Second {
		t.Errorf("duration %v, want between 0.5 s and 10 s", d)
	}
	if rms := pcm.RMS(); rms < 300 {
		t.Errorf("RMS %.0f: nearly silent", rms)
	}
	// Louder settings give a louder WAV.
	quiet, err := ESpeak{}.Synthesize(context.Background(), "请放置身份证", SynthOptions{Volume: 20})
	if err != nil {
		t.Fatal(err)
	}
	qp, _ := DecodeWAV(quiet)
	if qp.RMS() >= pcm.RMS() {
		t.Errorf("volume 20 RMS %.0f not below volume 80 RMS %.0f", qp.RMS(), pcm.RMS())
	}
}

func TestVoiceToFiles(t *testing.T) {
	fp := &FilePlayer{Dir: t.TempDir()}
	v := New(ESpeak{}, fp, DefaultSettings, nil)
	if err := v.Say(context.Background(), "请取走回执"); err != nil {
		t.Fatal(err)
	}
	if err := v.Beep(context.Background(), ToneCardRead); err != nil {
		t.Fatal(err)
	}
	files := fp.Files()
	if len(files) != 2 {
		t.Fatalf("files %v, want 2", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if p, err := DecodeWAV(b); err != nil || p.RMS() == 0 {
			t.Errorf("%s: %v, rms %.0f", f, err, p.RMS())
		}
	}
}

// fakeSynth returns the text as the "WAV".
type fakeSynth struct{}

func (fakeSynth) Synthesize(_ context.Context, text string, _ SynthOptions) ([]byte, error) {
	return []byte(text), nil
}

// blockingPlayer records what it plays and plays until released or cancelled.
type blockingPlayer struct {
	mu      sync.Mutex
	started chan string
	played  []string // finished without interruption
	release chan struct{}
}

func newBlockingPlayer() *blockingPlayer {
	return &blockingPlayer{started: make(chan string, 10), release: make(chan struct{})}
}

func (p *blockingPlayer) Play(ctx context.Context, wav []byte) error {
	p.started <- string(wav)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-p.release:
		p.mu.Lock()
		p.played = append(p.played, string(wav))
		p.mu.Unlock()
		return nil
	}
}

func TestNewPromptInterrupts(t *testing.T) {
	p := newBlockingPlayer()
	v := New(fakeSynth{}, p, DefaultSettings, nil)
	errA := make(chan error, 1)
	go func() { errA <- v.Say(context.Background(), "A") }()
	if got := <-p.started; got != "A" {
		t.Fatalf("started %q", got)
	}
	errB := make(chan error, 1)
	go func() { errB <- v.Say(context.Background(), "B") }()
	if err := <-errA; !errors.Is(err, ErrInterrupted) {
		t.Errorf("A: %v, want ErrInterrupted", err)
	}
	if got := <-p.started; got != "B" {
		t.Fatalf("started %q, want B", got)
	}
	close(p.release)
	if err := <-errB; err != nil {
		t.Errorf("B: %v", err)
	}
	if !slices.Equal(p.played, []string{"B"}) {
		t.Errorf("played %v, want [B]", p.played)
	}
}

func TestLatestWins(t *testing.T) {
	// While A plays, B and C arrive: B is dropped unplayed, C plays.
	p := newBlockingPlayer()
	v := New(fakeSynth{}, p, DefaultSettings, nil)
	v.play.Lock() // hold the player so B and C queue up
	errs := make(chan error, 2)
	go func() { errs <- v.Say(context.Background(), "B") }()
	waitSeq(t, v, 1)
	go func() { errs <- v.Say(context.Background(), "C") }()
	waitSeq(t, v, 2)
	v.play.Unlock()
	close(p.release)
	var got []error
	got = append(got, <-errs, <-errs)
	if !slices.ContainsFunc(got, func(e error) bool { return errors.Is(e, ErrInterrupted) }) || !slices.Contains(got, nil) {
		t.Errorf("errors %v, want one nil and one ErrInterrupted", got)
	}
	if !slices.Equal(p.played, []string{"C"}) {
		t.Errorf("played %v, want [C]", p.played)
	}
}

func waitSeq(t *testing.T, v *Voice, n uint64) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		v.mu.Lock()
		s := v.seq
		v.mu.Unlock()
		if s >= n {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("seq never reached %d", n)
}

func TestStopAndDisable(t *testing.T) {
	p := newBlockingPlayer()
	v := New(fakeSynth{}, p, DefaultSettings, nil)
	errA := make(chan error, 1)
	go func() { errA <- v.Say(context.Background(), "A") }()
	<-p.started
	v.Stop()
	if err := <-errA; !errors.Is(err, ErrInterrupted) {
		t.Errorf("after Stop: %v", err)
	}
	v.SetSettings(Settings{Enabled: false, Volume: 50})
	if err := v.Say(context.Background(), "B"); err != nil {
		t.Errorf("disabled Say: %v", err)
	}
	select {
	case s := <-p.started:
		t.Errorf("disabled voice played %q", s)
	default:
	}
	// Tones still sound with speech off.
	close(p.release)
	if err := v.Beep(context.Background(), ToneCardRead); err != nil {
		t.Fatal(err)
	}
	if len(p.played) != 1 {
		t.Errorf("beep not played")
	}
}

func TestContextCancel(t *testing.T) {
	p := newBlockingPlayer()
	v := New(fakeSynth{}, p, DefaultSettings, nil)
	ctx, cancel := context.WithCancel(context.Background())
	errA := make(chan error, 1)
	go func() { errA <- v.Say(ctx, "A") }()
	<-p.started
	cancel()
	if err := <-errA; !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

func TestTone(t *testing.T) {
	tests := []struct {
		name   string
		spec   ToneSpec
		volume int
		dur    time.Duration
		silent bool
	}{
		{"card read", ToneCardRead, 80, 360 * time.Millisecond, false},
		{"error", ToneError, 100, 350 * time.Millisecond, false},
		{"muted", ToneError, 0, 350 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeWAV(Tone(tt.spec, tt.volume))
			if err != nil {
				t.Fatal(err)
			}
			if d := p.Duration() - tt.dur; d < -time.Millisecond || d > time.Millisecond {
				t.Errorf("duration %v, want %v", p.Duration(), tt.dur)
			}
			if (p.RMS() == 0) != tt.silent {
				t.Errorf("RMS %.0f, silent want %v", p.RMS(), tt.silent)
			}
		})
	}
}

func TestESpeakArgs(t *testing.T) {
	got := ESpeak{}.Args("你好", SynthOptions{Rate: 120, Volume: 150})
	want := []string{"-v", "cmn", "-s", "120", "-a", "200", "--stdout", "--", "你好"}
	if !slices.Equal(got, want) {
		t.Errorf("Args = %v, want %v", got, want)
	}
}

func TestDecodeWAVErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"empty":    nil,
		"not riff": []byte("RIFX....WAVEfmt "),
		"no data":  EncodeWAV(nil, 8000)[:36],
		"8-bit":    []byte("RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x40\x1f\x00\x00\x01\x00\x08\x00data\x00\x00\x00\x00"),
	} {
		if _, err := DecodeWAV(b); !errors.Is(err, ErrWAV) {
			t.Errorf("%s: %v, want ErrWAV", name, err)
		}
	}
}

func FuzzDecodeWAV(f *testing.F) {
	f.Add(Tone(ToneCardRead, 50)[:200])
	f.Add(EncodeWAV([]int16{1, -1, 300}, 8000))
	f.Add([]byte("RIFF\xff\xff\xff\x7fWAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x22\x56\x00\x00\x44\xac\x00\x00\x02\x00\x10\x00data\x00\xf0\xff\x7f\x01\x02"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeWAV(b)
		if err != nil {
			return
		}
		if p.Rate < 1 || p.Channels < 1 || 2*len(p.Samples) > len(b) {
			t.Fatalf("bad decode: rate %d channels %d samples %d of %d bytes", p.Rate, p.Channels, len(p.Samples), len(b))
		}
		_ = p.Duration()
	})
}
