package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	kiosk "github.com/bianmin/kiosk"
	"github.com/bianmin/kiosk/app/handwriting"
	"github.com/bianmin/kiosk/app/handwriting/ink"
	"github.com/bianmin/kiosk/app/search"
	"github.com/bianmin/kiosk/app/voice"
	"github.com/bianmin/kiosk/app/widgets/ime"
)

func init() {
	register("voice", "say", "speak a prompt with espeak-ng (or write it to a WAV with -o)", voiceSay)
	register("voice", "beep", "play the card-read tone (or write it to a WAV with -o)", voiceBeep)
	register("search", "query", "search a catalogue JSON file as the kiosk's search box does", searchQuery)
	register("ime", "candidates", "list pinyin keyboard candidates for typed letters", imeCandidates)
	register("handwriting", "classify", "recognise strokes given as \"x,y x,y;x,y x,y\" on a square area", hwClassify)
}

// playOrWrite plays wav on the machine's player, or writes it to out.
func playOrWrite(ctx context.Context, wav []byte, out string, stdout io.Writer) error {
	if out != "" {
		if err := os.WriteFile(out, wav, 0o644); err != nil {
			return err
		}
		p, err := voice.DecodeWAV(wav)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s: %v, %d Hz, rms %.0f\n", out, p.Duration(), p.Rate, p.RMS())
		return nil
	}
	pl, ok := voice.DefaultPlayer()
	if !ok {
		return &exitError{1, errors.New("no audio player (aplay, paplay, pw-play) found: use -o file.wav")}
	}
	return pl.Play(ctx, wav)
}

func voiceSay(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voice say", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the WAV to this file instead of playing it")
	rate := fs.Int("rate", voice.DefaultRate, "words per minute")
	vol := fs.Int("volume", voice.DefaultSettings.Volume, "volume 0–100")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	text := strings.Join(fs.Args(), " ")
	if text == "" {
		return &exitError{2, errors.New("usage: kioskctl voice say [-o file.wav] [-rate N] [-volume N] TEXT")}
	}
	wav, err := voice.ESpeak{}.Synthesize(ctx, text, voice.SynthOptions{Rate: *rate, Volume: *vol})
	if err != nil {
		return err
	}
	return playOrWrite(ctx, wav, *out, stdout)
}

func voiceBeep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voice beep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the WAV to this file instead of playing it")
	vol := fs.Int("volume", voice.DefaultSettings.Volume, "volume 0–100")
	errTone := fs.Bool("error", false, "the error tone instead of the card-read tone")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	t := voice.ToneCardRead
	if *errTone {
		t = voice.ToneError
	}
	return playOrWrite(ctx, voice.Tone(t, *vol), *out, stdout)
}

func searchQuery(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("search query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("catalog", "", "catalogue JSON file (kiosk.Catalog)")
	n := fs.Int("n", 10, "results to show")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	q := strings.Join(fs.Args(), " ")
	if *path == "" || q == "" {
		return &exitError{2, errors.New("usage: kioskctl search query -catalog FILE QUERY")}
	}
	b, err := os.ReadFile(*path)
	if err != nil {
		return err
	}
	var c kiosk.Catalog
	if err := json.Unmarshal(b, &c); err != nil {
		return fmt.Errorf("catalogue %s: %w", *path, err)
	}
	ix := search.New(search.Docs(&c))
	rs := ix.Results(q, *n)
	for _, r := range rs {
		it, _ := c.Item(r.Code)
		fmt.Fprintf(stdout, "%d\t%s\t%s\n", r.Score, r.Code, it.Name)
	}
	if len(rs) == 0 {
		return &exitError{1, errors.New("no match")}
	}
	return nil
}

func imeCandidates(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("ime candidates", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 20, "candidates to show")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	if fs.NArg() != 1 {
		return &exitError{2, errors.New("usage: kioskctl ime candidates LETTERS")}
	}
	e := ime.New()
	for _, r := range fs.Arg(0) {
		e.Type(r)
	}
	fmt.Fprintf(stdout, "%s:", e.Display())
	for i, c := range e.Candidates() {
		if i == *n {
			break
		}
		fmt.Fprintf(stdout, " %s", c.Text)
	}
	fmt.Fprintln(stdout)
	return nil
}

func hwClassify(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("handwriting classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", handwriting.DefaultModel, "zinnia model file")
	size := fs.Int("size", 300, "side of the square writing area")
	n := fs.Int("n", 10, "candidates to show")
	if err := fs.Parse(args); err != nil {
		return &exitError{2, err}
	}
	if fs.NArg() != 1 {
		return &exitError{2, errors.New(`usage: kioskctl handwriting classify "40,150 260,150;150,40 150,270"`)}
	}
	strokes, err := parseStrokes(fs.Arg(0))
	if err != nil {
		return &exitError{2, err}
	}
	rec, err := handwriting.Open(*model)
	if err != nil {
		return err
	}
	defer rec.Close()
	cs, err := rec.Classify(strokes, *size, *size, *n)
	if err != nil {
		return err
	}
	for _, c := range cs {
		fmt.Fprintf(stdout, "%s\t%.3f\n", c.Char, c.Score)
	}
	return nil
}

// parseStrokes reads "x,y x,y;x,y x,y": strokes split by ';', points by spaces.
func parseStrokes(s string) ([]ink.Stroke, error) {
	var out []ink.Stroke
	for _, st := range strings.Split(s, ";") {
		var stroke ink.Stroke
		for _, pt := range strings.Fields(st) {
			xs, ys, ok := strings.Cut(pt, ",")
			x, err1 := strconv.ParseFloat(xs, 32)
			y, err2 := strconv.ParseFloat(ys, 32)
			if !ok || err1 != nil || err2 != nil {
				return nil, fmt.Errorf("bad point %q", pt)
			}
			stroke = append(stroke, ink.Point{X: float32(x), Y: float32(y)})
		}
		if len(stroke) > 0 {
			out = append(out, stroke)
		}
	}
	return out, nil
}
