package domain

import "time"

// Clock is where Convene reads the current time. cmd/convene makes one and
// passes it to every part that asks what time it is — the store (and GORM's
// timestamps through it), the job queue, the HTTP handlers and the e-mail
// workers — so that they agree, and so that a test that moves the clock
// moves all of them at once.
//
// Durations measured on the machine (request timing, rate limiters, socket
// deadlines) and the time part of new ids are not read from the Clock: they
// need the machine's monotonic clock, not the date.
type Clock interface {
	// Now returns the current instant. It may carry a monotonic reading;
	// callers that store or compare instants normalise with UTC.
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the computer's clock, the Clock of a running service.
var SystemClock Clock = systemClock{}
