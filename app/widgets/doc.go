// Package widgets provides the touchscreen input pieces Fyne lacks on a
// kiosk: a numeric pad (ID numbers, phone numbers), a pinyin keyboard with a
// paged candidate bar, a handwriting pad that asks a Recognizer for
// characters, a signature pad that yields a PNG, and touch scrolling that
// tells a drag from a tap. (Paging and the idle countdown are the screens'
// own, in app/screens.) Keys are large (KeySize, default 80×80 dp) and nothing
// needs a gesture other than tap and one-finger drag. The package depends on
// Fyne and on the plain engines in app/widgets/ime and app/handwriting/ink;
// app/screens imports it.
package widgets
