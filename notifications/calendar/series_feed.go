package calendar

import (
	"net/url"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// SeriesURL is the public page of a series.
func SeriesURL(baseURL string, s domain.Series) string {
	return strings.TrimRight(baseURL, "/") + "/s/" + url.PathEscape(s.Slug)
}

// PublishSeries writes a series as one recurring VEVENT for its feed: the
// rule in the series' zone (TZID with a VTIMEZONE generated from Go's zone
// data, so occurrences keep their local time across daylight-saving
// changes), EXDATE for cancelled occurrences and a RECURRENCE-ID override
// for each one moved on its own or held in the hour that happens twice
// when clocks go back (so that every client puts it at the first of the two
// instants, where the store has it). An ended series stops (UNTIL) at the
// start of its last session held (see endedRule); one ended before any
// session was held is written as one cancelled event. Occurrences the current rule no longer gives (kept from an earlier
// rule because people had replied) are single events. Invitations to one
// occurrence stay single events with their own UID.
func PublishSeries(v domain.SeriesView, now time.Time, o FeedOptions) ([]byte, error) {
	s := v.Series
	loc, err := present.LoadZone(s.TimeZone)
	if err != nil {
		return nil, err
	}
	host := ""
	if u, err := url.Parse(o.BaseURL); err == nil {
		host = u.Hostname()
	}
	page := SeriesURL(o.BaseURL, s)
	// The series' own fields; an occurrence is an event with them.
	proto := domain.Event{Title: s.Title, Description: s.Description, Kind: s.Kind, Venue: s.Venue, OnlineURL: s.OnlineURL, TimeZone: s.TimeZone}
	// A series speaks its group's language (it has none of its own).
	l := i18n.Get(proto.Language(v.Group))
	details := PublicDetails(proto, page, l)
	cal := Calendar{Method: MethodPublish, Name: o.Name, ZoneHorizon: now.AddDate(2, 0, 0)}
	if o.Name != "" {
		cal.RefreshInterval, cal.PublishedTTL = FeedRefresh, FeedRefresh
	}
	rule, held, err := endedRule(v, loc)
	if err != nil {
		return nil, err
	}
	master := Event{
		UID: UID(s.ID, host), Sequence: s.Sequence, Stamp: s.UpdatedAt.UTC(), Zone: loc,
		Start: s.StartsAt, End: s.StartsAt.Add(s.Duration), Summary: s.Title, Description: details,
		Location: Place(proto, l), URL: page, Status: StatusConfirmed, RRule: rule,
		Created: s.CreatedAt, LastModified: s.UpdatedAt,
	}
	if rule == "" {
		// Ended before any session was held: the series is one cancelled
		// event, which subscribed calendars drop (rule I10).
		master.Status = StatusCancelled
	}
	var extra []Event
	for _, oc := range v.Occurrences {
		cancelled := oc.Status == domain.EventCancelled
		if s.EndedAt != nil && oc.InRule && (rule == "" || oc.OccurrenceStart.After(held)) {
			// After the last session held, the rule gives nothing: an
			// EXDATE or RECURRENCE-ID there would name no occurrence.
			continue
		}
		// An occurrence at a local time that happens twice (clocks going
		// back) is the first of the two instants (RFC 5545 §3.3.5, and the
		// store's reading), but python-icalendar and ical.js take the
		// second: it is written as an override with its start in UTC,
		// which every client reads alike. Its RECURRENCE-ID, a local time,
		// matches the occurrence whichever reading a client has.
		_, twice := domain.FirstInstant(oc.OccurrenceStart, loc)
		switch {
		case oc.InRule && cancelled:
			master.ExDates = append(master.ExDates, oc.OccurrenceStart)
		case oc.InRule && (twice || !oc.StartsAt.Equal(oc.OccurrenceStart) || !oc.EndsAt.Equal(oc.OccurrenceStart.Add(s.Duration))):
			extra = append(extra, Event{
				UID: master.UID, Sequence: s.Sequence, Stamp: master.Stamp, Zone: loc, RecurrenceID: oc.OccurrenceStart,
				Start: oc.StartsAt, End: oc.EndsAt, Summary: oc.Title, Description: details, Location: master.Location,
				URL: EventURL(o.BaseURL, domain.Event{Slug: oc.Slug}), Status: StatusConfirmed,
			})
		case !oc.InRule && !cancelled:
			extra = append(extra, Event{
				UID: UID(oc.EventID, host), Sequence: s.Sequence, Stamp: master.Stamp,
				Start: oc.StartsAt, End: oc.EndsAt, Summary: oc.Title, Description: details, Location: master.Location,
				URL: EventURL(o.BaseURL, domain.Event{Slug: oc.Slug}), Status: StatusConfirmed,
			})
		}
	}
	cal.Events = append([]Event{master}, extra...)
	return cal.Encode()
}

// endedRule is the RRULE a series' feed writes. An ended series stops
// with an UNTIL at the start of its last session held (the last occurrence
// of the rule, up to when it was ended, not cancelled), returned as held,
// so that UNTIL is an occurrence ("synchronized", RFC 5545 §3.3.10) and
// never before DTSTART. An UNTIL before DTSTART — the series ended before
// its first session — makes the object invalid: khal refuses it, calcurse
// skips it, and others show DTSTART, which RFC 5545 §3.8.5.3 counts as the
// first occurrence whatever the rule says. When no session was held the
// rule is "": the series has no recurrence at all. UNTIL is in UTC (RFC
// 5545 asks for UTC when DTSTART has a TZID); for a local time that happens
// twice it is the later of the two instants, so that a client that reads
// the local time as the second instant keeps that session too.
func endedRule(v domain.SeriesView, loc *time.Location) (rule string, held time.Time, err error) {
	s := v.Series
	if s.EndedAt == nil {
		return s.RRule, time.Time{}, nil
	}
	r, err := RuleOf(s) // stops at EndedAt
	if err != nil {
		return "", time.Time{}, err
	}
	cancelled := map[int64]bool{}
	for _, oc := range v.Occurrences {
		if oc.InRule && oc.Status == domain.EventCancelled {
			cancelled[oc.OccurrenceStart.Unix()] = true
		}
	}
	held = r.Before(*s.EndedAt, true)
	for !held.IsZero() && cancelled[held.Unix()] {
		held = r.Before(held, false)
	}
	if held.IsZero() || held.Before(s.StartsAt) {
		return "", time.Time{}, nil
	}
	until := held
	if _, twice := domain.FirstInstant(held, loc); twice {
		_, before := held.In(loc).Zone()
		_, after := held.Add(26 * time.Hour).In(loc).Zone()
		until = held.Add(time.Duration(before-after) * time.Second)
	}
	var parts []string
	for _, p := range strings.Split(s.RRule, ";") {
		if !strings.HasPrefix(p, "UNTIL=") && !strings.HasPrefix(p, "COUNT=") {
			parts = append(parts, p)
		}
	}
	return strings.Join(append(parts, "UNTIL="+until.UTC().Format("20060102T150405Z")), ";"), held, nil
}
