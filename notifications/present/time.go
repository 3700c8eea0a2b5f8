// Package present holds how Convene shows things to people, the same in
// e-mails and on pages: times in an event's zone with the zone named,
// places, user text made safe for a line or a body, and check-in QR codes.
// It depends on nothing of Convene's but domain: mail, calendar and web
// build on it.
package present

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// People read times in the event's zone, with the zone named.

// Date layouts for Span.
const (
	LongDate  = "Monday 2 January 2006"
	ShortDate = "Mon 2 Jan 2006"
)

const (
	clock         = "15:04"
	enDash        = "–"
	spacedEnDash  = " – "
	zoneSeparator = ", "
)

// Zone returns an event's zone for showing its times; an unknown zone (the
// domain validates names, so only a broken zone database) falls back to
// UTC, which ZoneLabel then names, so the time shown is still true.
func Zone(name string) *time.Location {
	loc, err := LoadZone(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Instant formats one instant with its zone: "Monday 7 December 2026,
// 09:00 (Europe/Oslo, CET)".
func Instant(t time.Time, loc *time.Location) string {
	return Span(t, time.Time{}, loc, LongDate) + " " + ZoneLabel(loc, t)
}

// LoadZone returns an event's zone, loaded once per name. The domain
// validates zone names, so a failure means the zone database is missing or
// the data is corrupt.
func LoadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("event time zone %q is not an IANA zone name", name)
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name) // reads and parses the zone's file
	if err != nil {
		return nil, fmt.Errorf("event time zone %q: %w", name, err)
	}
	zones.Store(name, loc)
	return loc, nil
}

// zones keeps the zones loaded so far: every e-mail of a fan-out needs
// its event's. Only names time.LoadLocation found are kept, so there are
// at most as many as the zone database has.
var zones sync.Map

// ZoneAbbr names the zone in force at t: "CET", or "UTC+4" where the zone
// database has no letters (it writes "+04").
func ZoneAbbr(t time.Time) string {
	abbr, _ := t.Zone()
	if abbr != "" && !strings.ContainsAny(abbr[:1], "+-") {
		return abbr
	}
	return utcOffset(t)
}

// utcOffset names t's offset: "UTC", "UTC+4", "UTC-3:30".
func utcOffset(t time.Time) string {
	_, offset := t.Zone()
	if offset == 0 {
		return "UTC"
	}
	sign := "+"
	if offset < 0 {
		sign, offset = "-", -offset
	}
	h, m := offset/3600, offset%3600/60
	if m == 0 {
		return fmt.Sprintf("UTC%s%d", sign, h)
	}
	return fmt.Sprintf("UTC%s%d:%02d", sign, h, m)
}

// ZoneLabel is the parenthesised zone: "(Europe/Oslo, CET)", or "(UTC)".
func ZoneLabel(loc *time.Location, t time.Time) string {
	abbr := ZoneAbbr(t.In(loc))
	if loc.String() == "UTC" || loc.String() == abbr {
		return "(" + abbr + ")"
	}
	return "(" + loc.String() + zoneSeparator + abbr + ")"
}

// SpanZoneLabel is the zone label to follow Span(start, end, loc, …):
// ZoneLabel at the start, or, when the clocks change between start and
// end (Span then writes each time with its own abbreviation, "01:00 CET –
// 04:00 CEST"), the zone's name alone, "(Europe/Oslo)": naming only the
// start's abbreviation would contradict the end's. A zero end gives
// ZoneLabel at the start.
func SpanZoneLabel(loc *time.Location, start, end time.Time) string {
	if end.IsZero() || !clocksChange(start.In(loc), end.In(loc)) {
		return ZoneLabel(loc, start)
	}
	return "(" + loc.String() + ")"
}

// When is Span with its zone label: "Thursday 10 December 2026,
// 18:00–20:00 (Europe/Oslo, CET)", or across a clock change "Sunday 29
// March 2026, 01:00 CET – 04:00 CEST (Europe/Oslo)".
func When(start, end time.Time, loc *time.Location, dateLayout string) string {
	return Span(start, end, loc, dateLayout) + " " + SpanZoneLabel(loc, start, end)
}

// clocksChange reports whether the zone's offset or abbreviation differs
// between s and e (both in the zone).
func clocksChange(s, e time.Time) bool {
	_, so := s.Zone()
	_, eo := e.Zone()
	return so != eo || ZoneAbbr(s) != ZoneAbbr(e)
}

// spanAbbrs are the names of the zone at s and e for a span across a
// clock change: their abbreviations, or their UTC offsets where the
// abbreviation stays the same while the offset changes.
func spanAbbrs(s, e time.Time) (string, string) {
	sa, ea := ZoneAbbr(s), ZoneAbbr(e)
	if sa == ea {
		return utcOffset(s), utcOffset(e)
	}
	return sa, ea
}

// Span formats start and end in loc without the zone:
// "Thursday 10 December 2026, 18:00–20:00", or, across midnight,
// "Thursday 10 December 2026, 22:00 – Friday 11 December 2026, 02:00".
// A zero end gives the start alone. When the zone's abbreviation changes
// between start and end (a night across a daylight-saving change), each
// time is followed by its own abbreviation.
func Span(start, end time.Time, loc *time.Location, dateLayout string) string {
	return SpanIn(start, end, loc, LayoutFormat(dateLayout))
}

// Format is how a language writes a day, a time of day, and the two
// together; package i18n gives each language's (its Lang.Format).
type Format struct {
	Date     func(time.Time) string
	Time     func(time.Time) string
	DateTime func(date, clock string) string
}

// LayoutFormat is Convene's English: days in dateLayout, a 24-hour
// clock, "Thursday 10 December 2026, 18:00".
func LayoutFormat(dateLayout string) Format {
	return Format{
		Date:     func(t time.Time) string { return t.Format(dateLayout) },
		Time:     func(t time.Time) string { return t.Format(clock) },
		DateTime: func(date, clock string) string { return date + ", " + clock },
	}
}

// SpanIn is Span in a language's Format.
func SpanIn(start, end time.Time, loc *time.Location, f Format) string {
	s := start.In(loc)
	day := f.DateTime(f.Date(s), f.Time(s))
	if end.IsZero() {
		return day
	}
	e := end.In(loc)
	if clocksChange(s, e) {
		sa, ea := spanAbbrs(s, e)
		if SameDay(s, e) {
			return day + " " + sa + spacedEnDash + f.Time(e) + " " + ea
		}
		return day + " " + sa + spacedEnDash + f.DateTime(f.Date(e), f.Time(e)+" "+ea)
	}
	if SameDay(s, e) {
		return day + enDash + f.Time(e)
	}
	return day + spacedEnDash + f.DateTime(f.Date(e), f.Time(e))
}

// SameDay reports whether a and b are on one calendar day (in their
// own locations).
func SameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
