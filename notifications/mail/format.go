package mail

import (
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
)

// People read times in the event's zone, with the zone named; the calendar
// part carries UTC instants (rule I9) and their client converts.

// The e-mails write times as the pages do (present.Span and the layouts
// there).
const (
	longDate     = present.LongDate
	longDateNoYr = "Monday 2 January"
	shortDate    = present.ShortDate
	clock        = "15:04"
	enDash       = "–"
	curlyOpen    = "“"
	curlyClose   = "”"
)

// when is the full local time of an event with its zone named:
// "Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)".
func when(e domain.Event, loc *time.Location) string {
	return present.When(e.StartsAt, e.EndsAt, loc, longDate)
}

// subjectDate is the short local date of the start: "Thu 10 Dec 2026".
func subjectDate(e domain.Event, loc *time.Location) string {
	return e.StartsAt.In(loc).Format(shortDate)
}

// changeSentences turns the JSON names of changed fields (as
// domain.EventUpdate.Apply and domain.EventSnapshot.Changes report them)
// into sentences, in a fixed order. With prev it says what the value was.
// Fields attendees do not see (capacity, slug, RSVP window...) say nothing.
func changeSentences(changed []string, cur domain.Event, prev *domain.Event, loc *time.Location, joinURL string) ([]string, error) {
	has := make(map[string]bool, len(changed))
	for _, c := range changed {
		has[c] = true
	}
	var out []string
	if has["title"] {
		s := "The title changed: now " + quote(cur.Title)
		if prev != nil {
			s += " (was " + quote(prev.Title) + ")"
		}
		out = append(out, s+".")
	}
	if has["starts_at"] || has["ends_at"] || has["time_zone"] {
		s, err := timeSentence(cur, prev, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if has["venue"] || has["kind"] {
		if s := placeSentence(cur, prev); s != "" {
			out = append(out, s)
		}
	}
	if has["online_url"] && joinURL != "" {
		out = append(out, "The join link changed: "+joinURL)
	}
	if has["description"] {
		out = append(out, "The description changed.")
	}
	if len(out) == 0 {
		out = append(out, "Some details of this event changed.")
	}
	return out, nil
}

// timeSentence says "The time changed: now Thursday 10 December,
// 19:00–21:00 (was 18:00–20:00)." The "was" part repeats the date only when
// it differs, and the zone only when it changed.
func timeSentence(cur domain.Event, prev *domain.Event, loc *time.Location) (string, error) {
	layout := longDateNoYr
	if prev != nil && prev.StartsAt.In(loc).Year() != cur.StartsAt.In(loc).Year() {
		layout = longDate
	}
	now := present.Span(cur.StartsAt, cur.EndsAt, loc, layout)
	if prev == nil {
		return "The time changed: now " + now + " " + present.SpanZoneLabel(loc, cur.StartsAt, cur.EndsAt) + ".", nil
	}
	prevLoc := loc
	if prev.TimeZone != "" && prev.TimeZone != cur.TimeZone {
		l, err := loadZone(prev.TimeZone)
		if err != nil {
			return "", err
		}
		prevLoc = l
	}
	ps, pe, cs := prev.StartsAt.In(prevLoc), prev.EndsAt.In(prevLoc), cur.StartsAt.In(loc)
	var was string
	switch {
	case !present.SameDay(ps, cs):
		was = present.Span(prev.StartsAt, prev.EndsAt, prevLoc, layout)
	case prev.EndsAt.IsZero():
		was = ps.Format(clock)
	case present.SameDay(ps, pe) && present.ZoneAbbr(ps) == present.ZoneAbbr(pe):
		was = ps.Format(clock) + enDash + pe.Format(clock)
	default:
		was = present.Span(prev.StartsAt, prev.EndsAt, prevLoc, layout)
	}
	if prevLoc != loc {
		return "The time changed: now " + now + " " + present.SpanZoneLabel(loc, cur.StartsAt, cur.EndsAt) +
			" (was " + was + " " + present.SpanZoneLabel(prevLoc, prev.StartsAt, prev.EndsAt) + ").", nil
	}
	return "The time changed: now " + now + " (was " + was + ").", nil
}

// placeSentence says where the event now happens, and where it was.
func placeSentence(cur domain.Event, prev *domain.Event) string {
	now := present.Place(cur)
	if now == "" {
		return ""
	}
	if present.Online(cur) {
		now = "online"
	}
	s := "The place changed: now " + now
	if prev != nil {
		was := present.Place(*prev)
		if present.Online(*prev) {
			was = "online"
		}
		if was != "" && was != now {
			s += " (was " + was + ")"
		}
	}
	return s + "."
}

func quote(s string) string {
	return curlyOpen + present.OneLineText(s) + curlyClose
}

// loadZone is the event's zone; a zone that cannot be loaded makes no
// message (ErrInvalid).
func loadZone(name string) (*time.Location, error) {
	loc, err := present.LoadZone(name)
	if err != nil {
		return nil, invalidf("%v", err)
	}
	return loc, nil
}
