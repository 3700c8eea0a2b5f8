package mail

import (
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
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
	enDash       = "–"
)

// when is the full local time of an event with its zone named, in
// English: "Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)".
func when(e domain.Event, loc *time.Location) string {
	return whenIn(english, e, loc)
}

// changeSentences is changeSentencesIn in English.
func changeSentences(changed []string, cur domain.Event, prev *domain.Event, loc *time.Location, joinURL string) ([]string, error) {
	return changeSentencesIn(english, changed, cur, prev, loc, joinURL)
}

// changeSentencesIn turns the JSON names of changed fields (as
// domain.EventUpdate.Apply and domain.EventSnapshot.Changes report them)
// into sentences in l, in a fixed order. With prev it says what the value
// was. Fields attendees do not see (capacity, slug, RSVP window...) say
// nothing.
func changeSentencesIn(l *i18n.Lang, changed []string, cur domain.Event, prev *domain.Event, loc *time.Location, joinURL string) ([]string, error) {
	has := make(map[string]bool, len(changed))
	for _, c := range changed {
		has[c] = true
	}
	var out []string
	if has["title"] {
		if prev != nil {
			out = append(out, l.T("mail.change.title.was", "Title", present.OneLineText(cur.Title), "Was", present.OneLineText(prev.Title)))
		} else {
			out = append(out, l.T("mail.change.title", "Title", present.OneLineText(cur.Title)))
		}
	}
	if has["starts_at"] || has["ends_at"] || has["time_zone"] {
		s, err := timeSentence(l, cur, prev, loc)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if has["venue"] || has["kind"] {
		if s := placeSentence(l, cur, prev); s != "" {
			out = append(out, s)
		}
	}
	if has["online_url"] && joinURL != "" {
		out = append(out, l.T("mail.change.join", "URL", joinURL))
	}
	if has["description"] {
		out = append(out, l.T("mail.change.description"))
	}
	if len(out) == 0 {
		out = append(out, l.T("mail.change.other"))
	}
	return out, nil
}

// timeSentence says "The time changed: now Thursday 10 December,
// 19:00–21:00 (was 18:00–20:00)." The "was" part repeats the date only when
// it differs, and the zone only when it changed. English leaves out the
// year unless it changed; the other languages write CLDR's full day.
func timeSentence(l *i18n.Lang, cur domain.Event, prev *domain.Event, loc *time.Location) (string, error) {
	f := formatOf(l)
	if englishDates(l) {
		layout := longDateNoYr
		if prev != nil && prev.StartsAt.In(loc).Year() != cur.StartsAt.In(loc).Year() {
			layout = longDate
		}
		f.Date = func(t time.Time) string { return t.Format(layout) }
	}
	now := present.SpanIn(cur.StartsAt, cur.EndsAt, loc, f)
	if prev == nil {
		return l.T("mail.change.time", "Time", now+" "+l.Isolate(present.SpanZoneLabel(loc, cur.StartsAt, cur.EndsAt))), nil
	}
	prevLoc := loc
	if prev.TimeZone != "" && prev.TimeZone != cur.TimeZone {
		pl, err := loadZone(prev.TimeZone)
		if err != nil {
			return "", err
		}
		prevLoc = pl
	}
	ps, pe, cs := prev.StartsAt.In(prevLoc), prev.EndsAt.In(prevLoc), cur.StartsAt.In(loc)
	var was string
	switch {
	case !present.SameDay(ps, cs):
		was = present.SpanIn(prev.StartsAt, prev.EndsAt, prevLoc, f)
	case prev.EndsAt.IsZero():
		was = f.Time(ps)
	case present.SameDay(ps, pe) && present.ZoneAbbr(ps) == present.ZoneAbbr(pe):
		was = f.Time(ps) + enDash + f.Time(pe)
	default:
		was = present.SpanIn(prev.StartsAt, prev.EndsAt, prevLoc, f)
	}
	if prevLoc != loc {
		return l.T("mail.change.time.was", "Time", now+" "+l.Isolate(present.SpanZoneLabel(loc, cur.StartsAt, cur.EndsAt)),
			"Was", was+" "+l.Isolate(present.SpanZoneLabel(prevLoc, prev.StartsAt, prev.EndsAt))), nil
	}
	return l.T("mail.change.time.was", "Time", now, "Was", was), nil
}

// placeSentence says where the event now happens, and where it was.
func placeSentence(l *i18n.Lang, cur domain.Event, prev *domain.Event) string {
	now := present.Place(cur)
	if now == "" {
		return ""
	}
	if present.Online(cur) {
		now = l.T("mail.change.online")
	}
	if prev != nil {
		was := present.Place(*prev)
		if present.Online(*prev) {
			was = l.T("mail.change.online")
		}
		if was != "" && was != now {
			return l.T("mail.change.place.was", "Place", now, "Was", was)
		}
	}
	return l.T("mail.change.place", "Place", now)
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
