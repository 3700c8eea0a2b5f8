package domain

import (
	"regexp"
	"strings"
	"time"
)

// Limits on series.
const (
	// DefaultSeriesAhead is how many upcoming occurrences of a series exist
	// as events when the organiser does not say.
	DefaultSeriesAhead = 4
	MaxSeriesAhead     = 52
	MaxRRuleLen        = 500
	// MaxSeriesSlugLen leaves room in an event slug for the occurrence's
	// date ("-2026-12-15") and a same-day suffix.
	MaxSeriesSlugLen = MaxSlugLen - 16
)

// Series is a recurring live session or meetup: a rule (an RFC 5545
// RRULE) applied from a first start in a time zone. Its next few
// occurrences exist as ordinary events of the series, each with its own
// RSVPs, capacity and attendance. StartsAt is the first occurrence as a
// UTC instant; the rule keeps its wall-clock time in TimeZone across
// daylight-saving changes.
type Series struct {
	ID          string
	GroupID     string
	Slug        string
	Title       string
	Description string
	Kind        EventKind
	RRule       string
	StartsAt    time.Time
	Duration    time.Duration
	TimeZone    string
	OnlineURL   string
	Venue       *Venue
	Capacity    *int
	Waitlist    bool
	// Ahead is how many upcoming occurrences exist as events.
	Ahead int
	// Sequence rises with every change of the rule or of an occurrence;
	// it is the SEQUENCE of the series in calendar feeds.
	Sequence  int
	CreatedAt time.Time
	UpdatedAt time.Time
	// EndedAt is set once the organiser ended the series: no occurrence
	// starts after it.
	EndedAt *time.Time
}

// Occurrence is one event of a series as the series lists it.
type Occurrence struct {
	EventID string
	Slug    string
	// OccurrenceStart is the start the rule gave the occurrence (its
	// iCalendar RECURRENCE-ID); StartsAt differs once it was moved.
	OccurrenceStart time.Time
	StartsAt        time.Time
	EndsAt          time.Time
	Status          EventStatus
	// Detached is set once the occurrence was moved or cancelled on its
	// own: it no longer follows the rule.
	Detached bool
	// InRule says the series' current rule gives OccurrenceStart (set by
	// the series feed): false for an occurrence kept from an earlier rule.
	InRule    bool
	Title     string
	SeatsLeft *int
	Going     int
	Waitlist  int
}

// SeriesView is a series with its group and occurrences.
type SeriesView struct {
	Series      Series
	Group       Group
	Occurrences []Occurrence
}

// SeriesUpdate is a partial change to a series. Nil pointers and unset
// Nullables leave fields as they are.
type SeriesUpdate struct {
	Title       *string
	Description *string
	RRule       *string
	StartsAt    *time.Time
	Duration    *time.Duration
	OnlineURL   *string
	Venue       Nullable[Venue]
	Capacity    Nullable[int]
	Waitlist    *bool
	Ahead       *int
}

// Apply changes s as u says and returns the JSON names of the fields whose
// value changed. It does not validate: call Validate on the result.
func (u SeriesUpdate) Apply(s *Series) []string {
	var changed []string
	set := func(name string, differs bool, apply func()) {
		if differs {
			apply()
			changed = append(changed, name)
		}
	}
	if u.Title != nil {
		set("title", *u.Title != s.Title, func() { s.Title = *u.Title })
	}
	if u.Description != nil {
		set("description", *u.Description != s.Description, func() { s.Description = *u.Description })
	}
	if u.RRule != nil {
		r := NormalizeRRule(*u.RRule)
		set("rrule", r != s.RRule, func() { s.RRule = r })
	}
	if u.StartsAt != nil {
		t := u.StartsAt.UTC()
		set("starts_at", !t.Equal(s.StartsAt), func() { s.StartsAt = t })
	}
	if u.Duration != nil {
		set("duration", *u.Duration != s.Duration, func() { s.Duration = *u.Duration })
	}
	if u.OnlineURL != nil {
		set("online_url", *u.OnlineURL != s.OnlineURL, func() { s.OnlineURL = *u.OnlineURL })
	}
	if u.Venue.Set {
		set("venue", differs(u.Venue, s.Venue), func() { s.Venue = copyPtr(u.Venue.Value) })
	}
	if u.Capacity.Set {
		set("capacity", differs(u.Capacity, s.Capacity), func() { s.Capacity = copyPtr(u.Capacity.Value) })
	}
	if u.Waitlist != nil {
		set("waitlist", *u.Waitlist != s.Waitlist, func() { s.Waitlist = *u.Waitlist })
	}
	if u.Ahead != nil {
		set("ahead", *u.Ahead != s.Ahead, func() { s.Ahead = *u.Ahead })
	}
	return changed
}

// ScheduleChanged reports whether a change touches when occurrences
// happen: the rule or its first start.
func ScheduleChanged(changed []string) bool {
	for _, f := range changed {
		if f == "rrule" || f == "starts_at" {
			return true
		}
	}
	return false
}

// NormalizeRRule upper-cases a rule and drops an "RRULE:" prefix and
// surrounding space, so that "rrule:freq=weekly" and "FREQ=WEEKLY" are
// one rule.
func NormalizeRRule(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "RRULE:")
	return strings.TrimSpace(s)
}

var (
	rrulePartRE = regexp.MustCompile(`^[A-Z]+=[A-Z0-9,+\-]+$`)
	untilRE     = regexp.MustCompile(`^\d{8}T\d{6}Z$`)
)

// Validate checks a series as a whole and reports every broken rule. The
// store checks the rule's meaning (that it parses and yields occurrences);
// here only its shape is checked.
func (s *Series) Validate() error {
	var v Validation
	CheckSlug(&v, "slug", s.Slug)
	if len(s.Slug) > MaxSeriesSlugLen && !v.Has("slug") {
		v.Add("slug", "must be at most %d characters", MaxSeriesSlugLen)
	}
	CheckLine(&v, "title", s.Title, true, MaxTitleLen)
	CheckText(&v, "description", s.Description, MaxDescriptionLen)
	checkKind(&v, s.Kind)
	switch {
	case s.RRule == "":
		v.Add("rrule", "is required, for example FREQ=MONTHLY;INTERVAL=3;BYDAY=3TU")
	case len(s.RRule) > MaxRRuleLen:
		v.Add("rrule", "must be at most %d characters", MaxRRuleLen)
	default:
		for _, part := range strings.Split(s.RRule, ";") {
			if !rrulePartRE.MatchString(part) {
				v.Add("rrule", "must be an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=TU")
				break
			}
			if strings.HasPrefix(part, "DTSTART=") {
				v.Add("rrule", "must not contain DTSTART: give starts_at")
				break
			}
			if u, ok := strings.CutPrefix(part, "UNTIL="); ok && !untilRE.MatchString(u) {
				v.Add("rrule", "UNTIL must be a UTC date-time such as 20271231T230000Z")
				break
			}
		}
		if !v.Has("rrule") && !strings.Contains(";"+s.RRule, ";FREQ=") {
			v.Add("rrule", "must name a FREQ, for example FREQ=WEEKLY")
		}
	}
	if s.StartsAt.IsZero() {
		v.Add("starts_at", "is required")
	} else if s.StartsAt.Year() < 2000 || s.StartsAt.Year() > 9000 {
		v.Add("starts_at", "must be a date between the years 2000 and 9000")
	}
	switch {
	case s.Duration <= 0:
		v.Add("duration", "is required: an ISO 8601 duration such as PT1H30M")
	case s.Duration < time.Minute:
		v.Add("duration", "must be at least one minute")
	case s.Duration > 7*24*time.Hour:
		v.Add("duration", "must be at most 7 days")
	}
	CheckTimeZone(&v, "time_zone", s.TimeZone, true)
	checkPlace(&v, s.Kind, s.Venue, s.OnlineURL, s.Capacity)
	if s.Ahead < 1 || s.Ahead > MaxSeriesAhead {
		v.Add("ahead", "must be between 1 and %d", MaxSeriesAhead)
	}
	return v.Err()
}

// Occurrence returns the event for one occurrence of the series starting
// at start (a UTC instant the rule gave). The store gives it an ID and a
// free slug.
func (s *Series) Occurrence(start time.Time) Event {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	return Event{
		GroupID: s.GroupID, Slug: OccurrenceSlug(s.Slug, start.In(loc)), Title: s.Title, Description: s.Description,
		Kind: s.Kind, Status: EventPublished, StartsAt: start.UTC(), EndsAt: start.Add(s.Duration).UTC(),
		TimeZone: s.TimeZone, Venue: copyPtr(s.Venue), OnlineURL: s.OnlineURL, Capacity: copyPtr(s.Capacity),
		Waitlist: s.Waitlist, RSVPConfirmation: ConfirmNone, Reminders: DefaultReminders(),
	}
}

// FirstInstant returns the first instant that shows t's local date and
// time in loc, and whether another instant shows them too. That is t
// itself except in the hour that happens twice when clocks go back, where
// for the second of the two it returns the first: RFC 5545 §3.3.5 reads
// such a local time as the first, and a series' occurrences are local
// times. (Go's time.Date, and so rrule-go, picks either, depending on the
// zone: the second in Europe, the first in America.)
func FirstInstant(t time.Time, loc *time.Location) (first time.Time, twice bool) {
	const wall = "2006-01-02T15:04:05.999999999"
	l := t.In(loc)
	_, off := l.Zone()
	first = t
	// No zone changes its offset twice within a day, so the offsets a day
	// either side are all the other readings the local time can have.
	for _, probe := range []time.Time{t.Add(-26 * time.Hour), t.Add(26 * time.Hour)} {
		_, o := probe.In(loc).Zone()
		if o == off {
			continue
		}
		other := t.Add(time.Duration(off-o) * time.Second)
		if other.In(loc).Format(wall) == l.Format(wall) {
			twice = true
			if other.Before(first) {
				first = other
			}
		}
	}
	return first, twice
}

// OccurrenceSlug is the slug of the occurrence of a series on a local date:
// "essentials-2026-12-15".
func OccurrenceSlug(seriesSlug string, local time.Time) string {
	return seriesSlug + "-" + local.Format("2006-01-02")
}
