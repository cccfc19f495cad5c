package voice

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
)

// ToneSpec describes a short beep.
type ToneSpec struct {
	Freq     float64       // Hz
	Duration time.Duration // of each beep
	Repeat   int           // beeps, separated by a gap as long as one beep; 0 means 1
}

// Tones the kiosk uses.
var (
	ToneCardRead = ToneSpec{Freq: 880, Duration: 120 * time.Millisecond, Repeat: 2}
	ToneError    = ToneSpec{Freq: 330, Duration: 350 * time.Millisecond, Repeat: 1}
)

// ToneRate is the sample rate of generated tones (espeak-ng's rate).
const ToneRate = 22050

// Tone renders t as a 16-bit mono WAV at volume 0–100, with 5 ms fades so
// it does not click.
func Tone(t ToneSpec, volume int) []byte {
	n := max(t.Repeat, 1)
	beep := int(t.Duration.Seconds() * ToneRate)
	fade := ToneRate / 200
	amp := float64(min(max(volume, 0), 100)) / 100 * 0.6 * math.MaxInt16
	samples := make([]int16, 0, (2*n-1)*beep)
	for k := 0; k < n; k++ {
		if k > 0 {
			samples = append(samples, make([]int16, beep)...)
		}
		for i := 0; i < beep; i++ {
			env := 1.0
			if i < fade {
				env = float64(i) / float64(fade)
			} else if beep-i < fade {
				env = float64(beep-i) / float64(fade)
			}
			samples = append(samples, int16(amp*env*math.Sin(2*math.Pi*t.Freq*float64(i)/ToneRate)))
		}
	}
	return EncodeWAV(samples, ToneRate)
}

// EncodeWAV writes 16-bit mono PCM samples as a WAV file.
func EncodeWAV(samples []int16, rate int) []byte {
	var b bytes.Buffer
	data := uint32(2 * len(samples))
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, 36+data)
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(rate), uint32(rate * 2), uint16(2), uint16(16)} {
		binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	binary.Write(&b, binary.LittleEndian, data)
	binary.Write(&b, binary.LittleEndian, samples)
	return b.Bytes()
}

// PCM is decoded 16-bit audio.
type PCM struct {
	Rate     int
	Channels int
	Samples  []int16 // interleaved
}

// Duration is the length of the audio.
func (p PCM) Duration() time.Duration {
	if p.Rate <= 0 || p.Channels <= 0 {
		return 0
	}
	return time.Duration(len(p.Samples)/p.Channels) * time.Second / time.Duration(p.Rate)
}

// RMS is the root mean square level, 0–32768.
func (p PCM) RMS() float64 {
	if len(p.Samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range p.Samples {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(p.Samples)))
}

// ErrWAV marks bytes that are not a 16-bit PCM WAV file.
var ErrWAV = errors.New("voice: not a 16-bit PCM WAV")

// DecodeWAV parses a 16-bit PCM WAV. It tolerates the oversized chunk
// lengths espeak-ng writes when streaming to stdout by reading the data
// chunk up to the end of the input.
func DecodeWAV(b []byte) (PCM, error) {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return PCM{}, fmt.Errorf("%w: no RIFF/WAVE header", ErrWAV)
	}
	var p PCM
	gotFmt := false
	for off := 12; off+8 <= len(b); {
		id := string(b[off : off+4])
		size := int(binary.LittleEndian.Uint32(b[off+4 : off+8]))
		body := b[off+8:]
		if size < 0 || size > len(body) {
			size = len(body)
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if len(body) < 16 {
				return PCM{}, fmt.Errorf("%w: short fmt chunk", ErrWAV)
			}
			format := binary.LittleEndian.Uint16(body[0:2])
			p.Channels = int(binary.LittleEndian.Uint16(body[2:4]))
			p.Rate = int(binary.LittleEndian.Uint32(body[4:8]))
			bits := binary.LittleEndian.Uint16(body[14:16])
			if format != 1 || bits != 16 || p.Channels < 1 || p.Rate < 1 {
				return PCM{}, fmt.Errorf("%w: format %d, %d bits, %d channels, %d Hz", ErrWAV, format, bits, p.Channels, p.Rate)
			}
			gotFmt = true
		case "data":
			if !gotFmt {
				return PCM{}, fmt.Errorf("%w: data before fmt", ErrWAV)
			}
			p.Samples = make([]int16, len(body)/2)
			for i := range p.Samples {
				p.Samples[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return p, nil
		}
		off += 8 + size + size&1
	}
	return PCM{}, fmt.Errorf("%w: no data chunk", ErrWAV)
}
