package mail

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/convene/convene/domain"
)

// People read times in the event's zone, with the zone named; the calendar
// part carries UTC instants (rule I9) and their client converts.

// Date layouts for Span: the e-mails and the attendee pages write times
// the same way.
const (
	LongDate  = longDate
	ShortDate = shortDate
)

const (
	longDate      = "Monday 2 January 2006"
	longDateNoYr  = "Monday 2 January"
	shortDate     = "Mon 2 Jan 2006"
	clock         = "15:04"
	enDash        = "–"
	spacedEnDash  = " – "
	curlyOpen     = "“"
	curlyClose    = "”"
	zoneSeparator = ", "
)

// loadZone returns the event's zone. The domain validates zone names, so a
// failure means the zone database is missing or the data is corrupt.
func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, invalidf("event time zone %q is not an IANA zone name", name)
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name) // reads and parses the zone's file
	if err != nil {
		return nil, invalidf("event time zone %q: %v", name, err)
	}
	zones.Store(name, loc)
	return loc, nil
}

// zones keeps the zones loaded so far: every e-mail of a fan-out needs
// its event's. Only names time.LoadLocation found are kept, so there are
// at most as many as the zone database has.
var zones sync.Map

// zoneAbbr names the zone in force at t: "CET", or "UTC+4" where the zone
// database has no letters (it writes "+04").
func zoneAbbr(t time.Time) string {
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

// ZoneLabel is the parenthesised zone: "(Europe/Oslo, CET)", or "(UTC)".
func ZoneLabel(loc *time.Location, t time.Time) string {
	abbr := zoneAbbr(t.In(loc))
	if loc.String() == "UTC" || loc.String() == abbr {
		return "(" + abbr + ")"
	}
	return "(" + loc.String() + zoneSeparator + abbr + ")"
}

// Span formats start and end in loc without the zone:
// "Thursday 10 December 2026, 18:00–20:00", or, across midnight,
// "Thursday 10 December 2026, 22:00 – Friday 11 December 2026, 02:00".
// A zero end gives the start alone. When the zone's abbreviation changes
// between start and end (a night across a daylight-saving change), each
// time is followed by its own abbreviation.
func Span(start, end time.Time, loc *time.Location, dateLayout string) string {
	s := start.In(loc)
	day := s.Format(dateLayout) + ", " + s.Format(clock)
	if end.IsZero() {
		return day
	}
	e := end.In(loc)
	if zoneAbbr(s) != zoneAbbr(e) {
		day += " " + zoneAbbr(s)
		endClock := e.Format(clock) + " " + zoneAbbr(e)
		if sameDay(s, e) {
			return day + spacedEnDash + endClock
		}
		return day + spacedEnDash + e.Format(dateLayout) + ", " + endClock
	}
	if sameDay(s, e) {
		return day + enDash + e.Format(clock)
	}
	return day + spacedEnDash + e.Format(dateLayout) + ", " + e.Format(clock)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// when is the full local time of an event with its zone named:
// "Thursday 10 December 2026, 18:00–20:00 (Europe/Oslo, CET)".
func when(e domain.Event, loc *time.Location) string {
	return Span(e.StartsAt, e.EndsAt, loc, longDate) + " " + ZoneLabel(loc, e.StartsAt)
}

// subjectDate is the short local date of the start: "Thu 10 Dec 2026".
func subjectDate(e domain.Event, loc *time.Location) string {
	return e.StartsAt.In(loc).Format(shortDate)
}

// place is what the body says under "Where": the venue's name and address,
// or "Online".
func place(e domain.Event) string {
	if e.Venue == nil {
		if e.OnlineURL != "" || e.Kind == domain.KindLiveSession {
			return "Online"
		}
		return ""
	}
	return venueText(*e.Venue)
}

func venueText(v domain.Venue) string {
	name, addr := oneLineText(v.Name), oneLineText(v.Address)
	switch {
	case addr == "":
		return name
	case name == "":
		return addr
	}
	return name + ", " + addr
}

// online reports whether people join the event through a link rather than
// in a room.
func online(e domain.Event) bool {
	return e.Kind == domain.KindLiveSession || (e.Venue == nil && e.OnlineURL != "")
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
	if has["online_url"] && online(cur) && joinURL != "" {
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
	now := Span(cur.StartsAt, cur.EndsAt, loc, layout)
	if prev == nil {
		return "The time changed: now " + now + " " + ZoneLabel(loc, cur.StartsAt) + ".", nil
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
	case !sameDay(ps, cs):
		was = Span(prev.StartsAt, prev.EndsAt, prevLoc, layout)
	case prev.EndsAt.IsZero():
		was = ps.Format(clock)
	case sameDay(ps, pe) && zoneAbbr(ps) == zoneAbbr(pe):
		was = ps.Format(clock) + enDash + pe.Format(clock)
	default:
		was = Span(prev.StartsAt, prev.EndsAt, prevLoc, layout)
	}
	if prevLoc != loc {
		return "The time changed: now " + now + " " + ZoneLabel(loc, cur.StartsAt) +
			" (was " + was + " " + ZoneLabel(prevLoc, prev.StartsAt) + ").", nil
	}
	return "The time changed: now " + now + " (was " + was + ").", nil
}

// placeSentence says where the event now happens, and where it was.
func placeSentence(cur domain.Event, prev *domain.Event) string {
	now := place(cur)
	if now == "" {
		return ""
	}
	if online(cur) {
		now = "online"
	}
	s := "The place changed: now " + now
	if prev != nil {
		was := place(*prev)
		if online(*prev) {
			was = "online"
		}
		if was != "" && was != now {
			s += " (was " + was + ")"
		}
	}
	return s + "."
}

func quote(s string) string {
	return curlyOpen + oneLineText(s) + curlyClose
}

// bodyText cleans multi-line user text (a description, a reason) for a
// body: invalid UTF-8 becomes U+FFFD, CRLF and CR become LF, tabs stay,
// other control characters are removed, trailing space on lines and blank
// lines at either end are dropped.
func bodyText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\u2028' || r == '\u2029':
			return '\n'
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRightFunc(l, unicode.IsSpace)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}
