// Package ink holds the plain types of handwritten input — points, strokes
// and recognition candidates — shared by the handwriting pad widget and the
// zinnia recogniser without tying either to the other (ink needs neither cgo
// nor Fyne).
package ink

// Point is a position on the writing area, in the area's own units
// (device-independent pixels for the Fyne pad).
type Point struct {
	X, Y float32
}

// Stroke is the path of one finger from touch to lift.
type Stroke []Point

// Candidate is one recognised character with the recogniser's score (higher
// is better; zinnia's scores are not probabilities).
type Candidate struct {
	Char  string
	Score float64
}
