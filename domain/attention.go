package domain

import (
	"strings"
	"time"
)

// Attention is what needs an organiser's eye across the groups they
// belong to, as the console's home page lists it. Each list is short and
// bounded: it points at the events, whose own pages say the rest.
type Attention struct {
	// FailedEmails are events, not over for more than FailuresShownFor,
	// with e-mails that could not be delivered, most recent failure first.
	FailedEmails []EventFailures
	// Unplaced are upcoming published events people cannot find their
	// way to (Event.MissingPlace), soonest first.
	Unplaced []Event
	// ClosingSoon are upcoming published events whose RSVP window closes
	// within ClosingWithin, soonest first.
	ClosingSoon []Event
}

// EventFailures is an event and how many of its e-mails failed.
type EventFailures struct {
	Event  Event
	Failed int
}

// How far the attention lists look.
const (
	// FailuresShownFor is how long after an event ends its failed
	// e-mails still ask for attention.
	FailuresShownFor = 7 * 24 * time.Hour
	// ClosingWithin is how soon an RSVP window must close to be listed.
	ClosingWithin = 48 * time.Hour
)

// MissingPlace says what people going to e would not know: where to go
// ("address") for a meetup whose venue has no address, or how to join
// ("link") for a live session without its join link; "" when nothing is
// missing. The store's attention query repeats this in SQL.
func (e *Event) MissingPlace() string {
	switch {
	case e.Kind == KindMeetup && (e.Venue == nil || strings.TrimSpace(e.Venue.Address) == ""):
		return "address"
	case e.Kind == KindLiveSession && strings.TrimSpace(e.OnlineURL) == "":
		return "link"
	}
	return ""
}
