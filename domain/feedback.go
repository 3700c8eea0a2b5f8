package domain

import (
	"strings"
	"time"
)

// MessageThankYou thanks an attendee after the event: the recording, the
// speakers' slides and a link to leave feedback. One per attendee.
const MessageThankYou MessageKind = "thank_you"

// Feedback limits, and when attendees are thanked.
const (
	MinRating          = 1
	MaxRating          = 5
	MaxFeedbackComment = 2000
	// DefaultThankYouDelay is how long after an event ends its attendees
	// are thanked, so that late door check-ins are thanked too.
	DefaultThankYouDelay = 2 * time.Hour
	// ThankYouWindow bounds how long after an event a late correction of
	// its attendance still sends a thank-you.
	ThankYouWindow = 14 * 24 * time.Hour
)

// Feedback is one attendee's answer about an event: a rating from 1 to 5
// and an optional comment. Sending again replaces it.
type Feedback struct {
	RSVPID    string
	EventID   string
	Rating    int
	Comment   string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// FeedbackInput is what an attendee sends.
type FeedbackInput struct {
	Rating  int
	Comment string
}

// Validate checks a rating between MinRating and MaxRating and a comment
// of at most MaxFeedbackComment characters.
func (in FeedbackInput) Validate() error {
	var v Validation
	if in.Rating < MinRating || in.Rating > MaxRating {
		v.Add("rating", "must be a whole number from %d to %d", MinRating, MaxRating)
	}
	CheckText(&v, "comment", in.Comment, MaxFeedbackComment)
	return v.Err()
}

// Normalized returns the input as it is kept: the comment without
// surrounding space.
func (in FeedbackInput) Normalized() FeedbackInput {
	in.Comment = strings.TrimSpace(in.Comment)
	return in
}

// CheckFeedback returns nil if the RSVP may leave feedback on its event:
// the person came (attendance recorded) and their data was not erased.
func CheckFeedback(r RSVP) error {
	if r.ErasedAt != nil {
		return ErrRSVPErased
	}
	if r.AttendedAt == nil || r.Status != RSVPGoing {
		return Conflict(ReasonNotAttended, "Only people who attended the event can leave feedback.")
	}
	return nil
}

// FeedbackComment is one comment as organisers see it: without a name.
type FeedbackComment struct {
	Rating  int
	Comment string
	At      time.Time
}

// FeedbackStats sum up an event's feedback: how many answered, the
// average rating (0 without answers), how many gave each rating (index 0
// is a rating of 1), and the comments, latest first.
type FeedbackStats struct {
	Count    int
	Average  float64
	ByRating [MaxRating]int
	Comments []FeedbackComment
}

// FeedbackView is an RSVP's feedback with what its page shows: the RSVP,
// its event and group, and the answer so far (nil before the first).
type FeedbackView struct {
	View     RSVPView
	Feedback *Feedback
}
