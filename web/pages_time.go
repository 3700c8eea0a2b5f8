package web

import (
	"time"

	"github.com/convene/convene/notifications/mail"
)

// People read an event's time in the event's zone with the zone named,
// written exactly as in the e-mails (mail.Span and mail.ZoneLabel).
//
// pageZone returns the event's zone; an unknown zone (the domain validates
// names, so only a broken zone database) falls back to UTC, which the label
// then names, so the time shown is still true.
func pageZone(name string) *time.Location {
	if name == "" || name == "Local" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// pageInstant formats one instant with its zone: "Monday 7 December 2026,
// 09:00 (Europe/Oslo, CET)".
func pageInstant(t time.Time, loc *time.Location) string {
	return mail.Span(t, time.Time{}, loc, mail.LongDate) + " " + mail.ZoneLabel(loc, t)
}
