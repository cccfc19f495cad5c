package kiosk

import (
	"errors"
	"time"
)

// RatingLevel is one of the five national 好差评 levels, 5 the best.
type RatingLevel int

// Rating levels (GB/T 39735-2020), shown as 5 to 1 stars.
const (
	VeryDissatisfied RatingLevel = 1 // 非常不满意
	Dissatisfied     RatingLevel = 2 // 不满意
	Neutral          RatingLevel = 3 // 基本满意
	Satisfied        RatingLevel = 4 // 满意
	VerySatisfied    RatingLevel = 5 // 非常满意
)

// Label returns the level's national name.
func (l RatingLevel) Label() string {
	switch l {
	case VerySatisfied:
		return "非常满意"
	case Satisfied:
		return "满意"
	case Neutral:
		return "基本满意"
	case Dissatisfied:
		return "不满意"
	case VeryDissatisfied:
		return "非常不满意"
	}
	return ""
}

// Valid reports whether l is one of the five levels.
func (l RatingLevel) Valid() bool { return l >= VeryDissatisfied && l <= VerySatisfied }

// NeedsFollowUp reports whether the level opens a complaint work order with a
// callback to the resident (不满意 and 非常不满意).
func (l RatingLevel) NeedsFollowUp() bool { return l == Dissatisfied || l == VeryDissatisfied }

// RatingLevels lists the levels best first, as shown on screen.
var RatingLevels = []RatingLevel{VerySatisfied, Satisfied, Neutral, Dissatisfied, VeryDissatisfied}

// LowRatingReasons are the optional reasons offered for the two lowest levels.
var LowRatingReasons = []string{"办事指南不清楚", "操作太复杂", "等待时间长", "设备故障", "材料要求多", "其他"}

// Rating is one 一次一评 rating of one application.
type Rating struct {
	InstanceID   string      `json:"instance_id"`
	AcceptanceNo string      `json:"acceptance_no"`
	ItemCode     string      `json:"item_code"`
	Level        RatingLevel `json:"level"`
	Tags         []string    `json:"tags,omitempty"`
	Comment      string      `json:"comment,omitempty"`
	At           time.Time   `json:"at"`
	Channel      string      `json:"channel"` // always "kiosk" here
}

// ErrRatingLevel is returned for a level outside 1…5.
var ErrRatingLevel = errors.New("rating level must be 1 to 5")

// Check validates a rating before it is stored.
func (r *Rating) Check() error {
	if !r.Level.Valid() {
		return ErrRatingLevel
	}
	if r.InstanceID == "" {
		return errors.New("rating without application")
	}
	return nil
}
