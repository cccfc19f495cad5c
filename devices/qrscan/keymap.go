package qrscan

import "fmt"

// Linux input event codes (linux/input-event-codes.h); stable ABI, written
// out here so that the translation is testable without a device.
const (
	evKey        = 0x01
	keyLeftShift = 42
	keyRightShft = 54
	keyCapsLock  = 58
	keyEnter     = 28
	keyKPEnter   = 96
	keyTab       = 15
)

// keys maps a key code to its unshifted and shifted character (US layout,
// which wedge scanners emulate).
var keys = map[uint16][2]rune{
	2: {'1', '!'}, 3: {'2', '@'}, 4: {'3', '#'}, 5: {'4', '$'}, 6: {'5', '%'},
	7: {'6', '^'}, 8: {'7', '&'}, 9: {'8', '*'}, 10: {'9', '('}, 11: {'0', ')'},
	12: {'-', '_'}, 13: {'=', '+'},
	16: {'q', 'Q'}, 17: {'w', 'W'}, 18: {'e', 'E'}, 19: {'r', 'R'}, 20: {'t', 'T'},
	21: {'y', 'Y'}, 22: {'u', 'U'}, 23: {'i', 'I'}, 24: {'o', 'O'}, 25: {'p', 'P'},
	26: {'[', '{'}, 27: {']', '}'},
	30: {'a', 'A'}, 31: {'s', 'S'}, 32: {'d', 'D'}, 33: {'f', 'F'}, 34: {'g', 'G'},
	35: {'h', 'H'}, 36: {'j', 'J'}, 37: {'k', 'K'}, 38: {'l', 'L'}, 39: {';', ':'},
	40: {'\'', '"'}, 41: {'`', '~'}, 43: {'\\', '|'},
	44: {'z', 'Z'}, 45: {'x', 'X'}, 46: {'c', 'C'}, 47: {'v', 'V'}, 48: {'b', 'B'},
	49: {'n', 'N'}, 50: {'m', 'M'}, 51: {',', '<'}, 52: {'.', '>'}, 53: {'/', '?'},
	57: {' ', ' '},
	// keypad
	71: {'7', '7'}, 72: {'8', '8'}, 73: {'9', '9'}, 74: {'-', '-'}, 75: {'4', '4'},
	76: {'5', '5'}, 77: {'6', '6'}, 78: {'+', '+'}, 79: {'1', '1'}, 80: {'2', '2'},
	81: {'3', '3'}, 82: {'0', '0'}, 83: {'.', '.'}, 55: {'*', '*'}, 98: {'/', '/'},
}

// Translator turns key events of a keyboard-wedge scanner into payloads:
// characters on key press (value 1; autorepeat 2 is ignored), shift and
// caps lock applied, Enter ending the payload.
type Translator struct {
	max   int
	shift int // shift keys held
	caps  bool
	buf   []rune
	over  bool
}

// NewTranslator returns a Translator with a payload limit (MaxPayload when
// max <= 0).
func NewTranslator(max int) *Translator {
	if max <= 0 {
		max = MaxPayload
	}
	return &Translator{max: max}
}

// Feed takes one input event. It returns done with the payload when Enter
// ends one; err is ErrTooLong when it exceeded the limit.
func (t *Translator) Feed(typ, code uint16, value int32) (payload string, done bool, err error) {
	if typ != evKey {
		return "", false, nil
	}
	switch code {
	case keyLeftShift, keyRightShft:
		switch value {
		case 1:
			t.shift++
		case 0:
			t.shift = max(0, t.shift-1)
		}
		return "", false, nil
	}
	if value != 1 {
		return "", false, nil
	}
	switch code {
	case keyCapsLock:
		t.caps = !t.caps
		return "", false, nil
	case keyEnter, keyKPEnter:
		p, over := string(t.buf), t.over
		t.buf, t.over = t.buf[:0], false
		if over {
			return "", true, fmt.Errorf("qr keys: %w", ErrTooLong)
		}
		if p == "" {
			return "", false, nil
		}
		return p, true, nil
	case keyTab:
		t.add('\t')
		return "", false, nil
	}
	k, ok := keys[code]
	if !ok {
		return "", false, nil
	}
	shifted := t.shift > 0
	if k[0] >= 'a' && k[0] <= 'z' && t.caps {
		shifted = !shifted
	}
	if shifted {
		t.add(k[1])
	} else {
		t.add(k[0])
	}
	return "", false, nil
}

func (t *Translator) add(r rune) {
	if t.over {
		return
	}
	if len(t.buf) >= t.max {
		t.over = true
		t.buf = t.buf[:0]
		return
	}
	t.buf = append(t.buf, r)
}
