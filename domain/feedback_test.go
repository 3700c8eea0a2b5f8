package domain

import (
	"strings"
	"testing"
	"time"
)

// TestFeedbackInputValidate: ratings 1 to 5, comments up to 2,000
// characters (not bytes), no control characters.
func TestFeedbackInputValidate(t *testing.T) {
	for _, c := range []struct {
		in    FeedbackInput
		field string // "" when valid
	}{
		{FeedbackInput{Rating: 1}, ""},
		{FeedbackInput{Rating: 5, Comment: strings.Repeat("ø", 2000)}, ""},
		{FeedbackInput{Rating: 3, Comment: "Line one\nline two"}, ""},
		{FeedbackInput{Rating: 0}, "rating"},
		{FeedbackInput{Rating: 6}, "rating"},
		{FeedbackInput{Rating: -1}, "rating"},
		{FeedbackInput{Rating: 4, Comment: strings.Repeat("ø", 2001)}, "comment"},
		{FeedbackInput{Rating: 4, Comment: "bell\a"}, "comment"},
	} {
		err := c.in.Validate()
		var got string
		if e, ok := err.(*Error); ok && len(e.Fields) > 0 {
			got = e.Fields[0].Field
		}
		if got != c.field || (c.field == "") != (err == nil) {
			t.Errorf("%+v: %v, want a field error on %q", c.in, err, c.field)
		}
	}
}

// TestCheckFeedback: only a going RSVP with a recorded attendance, not
// erased, may leave feedback.
func TestCheckFeedback(t *testing.T) {
	now := time.Now()
	for _, c := range []struct {
		name string
		r    RSVP
		code string
	}{
		{"attended", RSVP{Status: RSVPGoing, AttendedAt: &now}, ""},
		{"no-show", RSVP{Status: RSVPGoing}, ECONFLICT},
		{"waitlisted", RSVP{Status: RSVPWaitlisted}, ECONFLICT},
		{"erased", RSVP{Status: RSVPGoing, AttendedAt: &now, ErasedAt: &now}, EGONE},
	} {
		if got := ErrorCode(CheckFeedback(c.r)); got != c.code {
			t.Errorf("%s: code %q, want %q", c.name, got, c.code)
		}
	}
}
