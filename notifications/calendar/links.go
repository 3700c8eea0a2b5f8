package calendar

import (
	"net/url"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
)

// EventURL returns the event's public page, BASE/e/<slug>.
func EventURL(baseURL string, e domain.Event) string {
	return strings.TrimRight(baseURL, "/") + "/e/" + url.PathEscape(e.Slug)
}

// GoogleCalendarURL returns a link that opens Google Calendar's "new event"
// form filled with the event: its title, its start and end as UTC instants,
// details and location. It adds a copy that later updates do not reach;
// the emailed invitation is what stays in sync.
func GoogleCalendarURL(e domain.Event, details, location string) string {
	const layout = "20060102T150405Z"
	end := e.EndsAt
	if end.IsZero() {
		end = e.StartsAt.Add(time.Hour)
	}
	q := []string{
		"action=TEMPLATE",
		"text=" + queryEscape(present.OneLineText(e.Title)),
		"dates=" + e.StartsAt.UTC().Format(layout) + "/" + end.UTC().Format(layout),
	}
	if d := present.BodyText(details); d != "" {
		q = append(q, "details="+queryEscape(d))
	}
	if l := present.OneLineText(location); l != "" {
		q = append(q, "location="+queryEscape(l))
	}
	if e.TimeZone != "" {
		q = append(q, "ctz="+queryEscape(e.TimeZone))
	}
	return "https://calendar.google.com/calendar/render?" + strings.Join(q, "&")
}

// OutlookCalendarURL returns a link that opens Outlook on the web's "new
// event" form (outlook.live.com, which sends work accounts on to
// outlook.office.com) filled with the event: subject, start and end in UTC
// ISO 8601, body and location. Like GoogleCalendarURL it makes an
// unsynchronised copy.
func OutlookCalendarURL(e domain.Event, details, location string) string {
	const layout = "2006-01-02T15:04:05Z"
	end := e.EndsAt
	if end.IsZero() {
		end = e.StartsAt.Add(time.Hour)
	}
	q := []string{
		"path=" + queryEscape("/calendar/action/compose"),
		"rru=addevent",
		"subject=" + queryEscape(present.OneLineText(e.Title)),
		"startdt=" + queryEscape(e.StartsAt.UTC().Format(layout)),
		"enddt=" + queryEscape(end.UTC().Format(layout)),
	}
	if d := present.BodyText(details); d != "" {
		q = append(q, "body="+queryEscape(d))
	}
	if l := present.OneLineText(location); l != "" {
		q = append(q, "location="+queryEscape(l))
	}
	return "https://outlook.live.com/calendar/0/deeplink/compose?" + strings.Join(q, "&")
}

// queryEscape escapes a query value with %20 for spaces: Outlook's deep
// link shows a "+" literally.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
