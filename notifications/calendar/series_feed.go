package calendar

import (
	"net/url"
	"strings"
	"time"

	"github.com/convene/convene/domain"
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
// instants, where the store has it). An ended series stops (UNTIL) where it
// ended. Occurrences the current rule no longer gives (kept from an earlier
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
	details := PublicDetails(proto, page)
	cal := Calendar{Method: MethodPublish, Name: o.Name, ZoneHorizon: now.AddDate(2, 0, 0)}
	if o.Name != "" {
		cal.RefreshInterval, cal.PublishedTTL = FeedRefresh, FeedRefresh
	}
	master := Event{
		UID: UID(s.ID, host), Sequence: s.Sequence, Stamp: s.UpdatedAt.UTC(), Zone: loc,
		Start: s.StartsAt, End: s.StartsAt.Add(s.Duration), Summary: s.Title, Description: details,
		Location: present.Place(proto), URL: page, Status: StatusConfirmed, RRule: untilEnded(s),
		Created: s.CreatedAt, LastModified: s.UpdatedAt,
	}
	var extra []Event
	for _, oc := range v.Occurrences {
		cancelled := oc.Status == domain.EventCancelled
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

// untilEnded is the rule of a series, stopped where it ended: an UNTIL in
// UTC (RFC 5545 asks for UTC when DTSTART has a TZID) in place of a COUNT
// or a later UNTIL.
func untilEnded(s domain.Series) string {
	if s.EndedAt == nil {
		return s.RRule
	}
	var parts []string
	for _, p := range strings.Split(s.RRule, ";") {
		if u, ok := strings.CutPrefix(p, "UNTIL="); ok {
			if t, err := time.Parse("20060102T150405Z", u); err == nil && t.Before(*s.EndedAt) {
				return s.RRule // it stopped before it was ended
			}
			continue
		}
		if !strings.HasPrefix(p, "COUNT=") {
			parts = append(parts, p)
		}
	}
	return strings.Join(append(parts, "UNTIL="+s.EndedAt.UTC().Format("20060102T150405Z")), ";")
}
