package calendar

import (
	"net/url"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/notifications/present"
)

// Feed refresh hints for calendar apps that subscribe (RFC 7986
// REFRESH-INTERVAL and the older X-PUBLISHED-TTL).
const FeedRefresh = time.Hour

// Item is one event of a published calendar, with its group.
type Item struct {
	Event domain.Event
	Group domain.Group
	// JoinURL is the reader's personal join link of an online event, used
	// with WithJoinLinks; "" means the event's own online_url.
	JoinURL string
}

// FeedOptions says how a published calendar is written.
type FeedOptions struct {
	// BaseURL is the public address of the service; its host makes UIDs,
	// the same as in invites, so a feed and an invite are one event.
	BaseURL string
	// Name names a subscribed calendar (NAME, X-WR-CALNAME); "" for a
	// single-event download.
	Name string
	// WithJoinLinks puts online and hybrid events' join links in (personal feeds
	// only: public downloads and group feeds never carry them).
	WithJoinLinks bool
}

// Publish writes events as a published iCalendar object (downloads and
// feeds: no METHOD, since it is not an iTIP message, and no ATTENDEE). Cancelled events are written as
// STATUS:CANCELLED so that subscribed calendars drop them. The output
// depends only on the events (DTSTAMP is each event's last change), so it
// can be compared and cached.
func Publish(items []Item, o FeedOptions) ([]byte, error) {
	host := ""
	if u, err := url.Parse(o.BaseURL); err == nil {
		host = u.Hostname()
	}
	cal := Calendar{Method: MethodPublish, Name: o.Name}
	if o.Name != "" {
		cal.RefreshInterval, cal.PublishedTTL = FeedRefresh, FeedRefresh
	}
	for _, it := range items {
		e := it.Event
		eventURL := EventURL(o.BaseURL, e)
		details, location, link := PublicDetails(e, eventURL), present.Place(e), eventURL
		join := ""
		if o.WithJoinLinks && e.OnlineURL != "" && present.Joinable(e) {
			join = e.OnlineURL
			if it.JoinURL != "" {
				join = it.JoinURL
			}
			details = strings.TrimSpace("Join: " + join + "\n\n" + details)
			link = join // rule I11
			if present.Online(e) {
				location = join // a hybrid event keeps its venue
			}
		}
		ev := Event{
			UID: UID(e.ID, host), Sequence: e.Sequence, Stamp: e.UpdatedAt.UTC(),
			Start: e.StartsAt, End: e.EndsAt, Summary: e.Title, Description: details,
			Location: location, URL: link, Status: StatusConfirmed, Conference: join,
			Created: e.CreatedAt, LastModified: e.UpdatedAt,
		}
		if e.Status == domain.EventCancelled {
			ev.Status = StatusCancelled
		}
		cal.Events = append(cal.Events, ev)
	}
	return cal.Encode()
}

// PublicDetails is what an event's public calendar entry and add-to-calendar
// links say: the description and the event page — never a join link or a
// manage link.
func PublicDetails(e domain.Event, eventURL string) string {
	return strings.TrimSpace(present.BodyText(e.Description) + "\n\nEvent page: " + eventURL)
}

// CalendarLinks are the public add-to-calendar links of an event.
type CalendarLinks struct {
	Google, Outlook, ICS string
}

// PublicCalendarLinks returns the add-to-calendar links for an event's
// public page: Google Calendar, Outlook on the web, and its .ics download.
func PublicCalendarLinks(baseURL string, e domain.Event) CalendarLinks {
	eventURL := EventURL(baseURL, e)
	details, location := PublicDetails(e, eventURL), present.Place(e)
	return CalendarLinks{
		Google:  GoogleCalendarURL(e, details, location),
		Outlook: OutlookCalendarURL(e, details, location),
		ICS:     strings.TrimRight(baseURL, "/") + "/api/v1/public/events/" + url.PathEscape(e.Slug) + "/calendar.ics",
	}
}
