package api

import (
	"fmt"
	"strings"
	"time"
)

// People read an event's time in the event's zone with the zone named, as
// the e-mails write it (notifications/message/format.go): "Thursday 10
// December 2026, 18:00–20:00" and "(Europe/Oslo, CET)". The pages keep
// their own copy of that small formatter: the message package keeps its
// helpers unexported, and a page may want the parts apart (the zone in its
// own element).

const (
	pageLongDate  = "Monday 2 January 2006"
	pageShortDate = "Mon 2 Jan 2006"
	pageClock     = "15:04"
)

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

// pageZoneAbbr names the zone in force at t: "CET", or "UTC+4" where the
// zone database has no letters (it writes "+04").
func pageZoneAbbr(t time.Time) string {
	abbr, offset := t.Zone()
	if abbr != "" && !strings.ContainsAny(abbr[:1], "+-") {
		return abbr
	}
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

// pageZoneLabel is the parenthesised zone: "(Europe/Oslo, CET)", or "(UTC)".
func pageZoneLabel(loc *time.Location, t time.Time) string {
	abbr := pageZoneAbbr(t.In(loc))
	if loc.String() == "UTC" || loc.String() == abbr {
		return "(" + abbr + ")"
	}
	return "(" + loc.String() + ", " + abbr + ")"
}

// pageSpan formats start and end in loc without the zone: "Thursday 10
// December 2026, 18:00–20:00", or across midnight "Thursday 10 December
// 2026, 22:00 – Friday 11 December 2026, 02:00". When the abbreviation
// changes between start and end (a night across a daylight-saving change)
// each time carries its own.
func pageSpan(start, end time.Time, loc *time.Location, layout string) string {
	s := start.In(loc)
	day := s.Format(layout) + ", " + s.Format(pageClock)
	if end.IsZero() {
		return day
	}
	e := end.In(loc)
	same := s.Year() == e.Year() && s.YearDay() == e.YearDay()
	if pageZoneAbbr(s) != pageZoneAbbr(e) {
		day += " " + pageZoneAbbr(s)
		endClock := e.Format(pageClock) + " " + pageZoneAbbr(e)
		if same {
			return day + " – " + endClock
		}
		return day + " – " + e.Format(layout) + ", " + endClock
	}
	if same {
		return day + "–" + e.Format(pageClock)
	}
	return day + " – " + e.Format(layout) + ", " + e.Format(pageClock)
}

// pageInstant formats one instant with its zone: "Monday 7 December 2026,
// 09:00 (Europe/Oslo, CET)".
func pageInstant(t time.Time, loc *time.Location) string {
	return pageSpan(t, time.Time{}, loc, pageLongDate) + " " + pageZoneLabel(loc, t)
}
