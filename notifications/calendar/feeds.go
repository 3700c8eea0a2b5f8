package calendar

import (
	"net/url"
	"strings"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
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
	// Locale is the language of the entry's words (the join link's and the
	// event page's labels, "Online"): a personal feed's reader's
	// (domain.RSVP.Language); "" means the event's (domain.Event.Language).
	Locale string
}

// Lang is the language an item's entry speaks: its Locale, else its
// event's.
func (it Item) Lang() *i18n.Lang {
	if it.Locale != "" {
		return i18n.Get(it.Locale)
	}
	return i18n.Get(it.Event.Language(it.Group))
}

// FeedOptions says how a published calendar is written.
type FeedOptions struct {
	// BaseURL is the public address of the service; its host makes UIDs,
	// the same as in invites, so a feed and an invite are one event.
	BaseURL string
	// Name names a subscribed calendar (NAME, X-WR-CALNAME); "" for a
	// single-event download. It is given as it is shown: the caller says
	// it in the reader's language when it is Convene's words.
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
		e, l := it.Event, it.Lang()
		eventURL := EventURL(o.BaseURL, e)
		details, location, link := PublicDetails(e, eventURL, l), Place(e, l), eventURL
		join := ""
		if o.WithJoinLinks && e.OnlineURL != "" && present.Joinable(e) {
			join = e.OnlineURL
			if it.JoinURL != "" {
				join = it.JoinURL
			}
			details = strings.TrimSpace(l.T("ics.join", "URL", join) + "\n\n" + details)
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
// links say, in the language l: the description and the event page — never
// a join link or a manage link. The label of the event page is the
// invite's (ics.event_page), as is the join link's (ics.join): a feed's
// entry and an invite are one event.
func PublicDetails(e domain.Event, eventURL string, l *i18n.Lang) string {
	return strings.TrimSpace(present.BodyText(e.Description) + "\n\n" + l.T("ics.event_page", "URL", eventURL))
}

// Place is an entry's LOCATION in the language l: the venue, or the
// language's word for online, as e-mails say it (mail.online).
func Place(e domain.Event, l *i18n.Lang) string {
	return present.PlaceIn(e, l.T("mail.online"))
}

// CalendarLinks are the public add-to-calendar links of an event.
type CalendarLinks struct {
	Google, Outlook, ICS string
}

// PublicCalendarLinks returns the add-to-calendar links for an event's
// public page: Google Calendar, Outlook on the web, and its .ics download;
// the details and place they fill in are in the language l (the page's).
func PublicCalendarLinks(baseURL string, e domain.Event, l *i18n.Lang) CalendarLinks {
	eventURL := EventURL(baseURL, e)
	details, location := PublicDetails(e, eventURL, l), Place(e, l)
	return CalendarLinks{
		Google:  GoogleCalendarURL(e, details, location),
		Outlook: OutlookCalendarURL(e, details, location),
		ICS:     strings.TrimRight(baseURL, "/") + "/api/v1/public/events/" + url.PathEscape(e.Slug) + "/calendar.ics",
	}
}
