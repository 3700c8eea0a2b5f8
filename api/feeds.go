package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/calendar"
)

// FeedHistory is how far back feeds reach: recent events stay in
// subscribed calendars for a while (and cancelled ones are seen as such).
const FeedHistory = 90 * 24 * time.Hour

// serveCalendar answers with an iCalendar body, honouring If-None-Match and
// If-Modified-Since so that calendar apps polling every few minutes get a
// 304 with no body. The ETag is the hash of the bytes, which depend only
// on the events (see mail.Publish).
func serveCalendar(c echo.Context, body []byte, lastModified time.Time, filename, cacheControl string) error {
	return serveTagged(c, body, etagOf(body), lastModified, filename, cacheControl)
}

// serveTagged is serveCalendar with the body's ETag already known.
func serveTagged(c echo.Context, body []byte, etag string, lastModified time.Time, filename, cacheControl string) error {
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", cacheControl)
	if !lastModified.IsZero() {
		h.Set("Last-Modified", lastModified.UTC().Format(http.TimeFormat))
	}
	if inm := c.Request().Header.Get("If-None-Match"); inm != "" {
		for _, t := range strings.Split(inm, ",") {
			if t = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "W/")); t == etag || t == "*" {
				return c.NoContent(http.StatusNotModified)
			}
		}
	} else if ims, err := http.ParseTime(c.Request().Header.Get("If-Modified-Since")); err == nil && !lastModified.IsZero() &&
		!lastModified.Truncate(time.Second).After(ims) {
		return c.NoContent(http.StatusNotModified)
	}
	h.Set("Content-Disposition", `inline; filename="`+filename+`"`)
	return c.Blob(http.StatusOK, "text/calendar; charset=utf-8", body)
}

func latest(items []calendar.Item, floor time.Time) time.Time {
	t := floor
	for _, it := range items {
		if it.Event.UpdatedAt.After(t) {
			t = it.Event.UpdatedAt
		}
	}
	return t
}

// getEventCalendar serves one public event as an .ics download (no join
// link).
func (s *Server) getEventCalendar(c echo.Context) error {
	slug, err := slugParam(c)
	if err != nil {
		return err
	}
	e, g, err := s.store.FindPublicEvent(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	items := []calendar.Item{{Event: e, Group: g}}
	body, err := calendar.Publish(items, calendar.FeedOptions{BaseURL: s.cfg.BaseURL})
	if err != nil {
		return err
	}
	return serveCalendar(c, body, e.UpdatedAt, e.Slug+".ics", "public, no-cache")
}

// getGroupCalendar serves a group's feed: its published events, upcoming
// and of the last 90 days, cancelled ones marked so.
func (s *Server) getGroupCalendar(c echo.Context) error {
	slug := c.Param("slug")
	var v domain.Validation
	if domain.CheckSlug(&v, "slug", slug); v.Err() != nil {
		return &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonGroupNotFound, Message: "No such group."}
	}
	ctx, now := c.Request().Context(), s.now()
	since := now.Add(-FeedHistory)
	const cacheControl = "public, no-cache"
	cached, ok := s.feeds.get(slug)
	if ok && now.Sub(cached.checked) < s.cfg.FeedCacheTTL {
		return serveTagged(c, cached.body, cached.etag, cached.lastModified, slug+".ics", cacheControl)
	}
	// The version is read before the events, so the feed kept is never
	// older than the version it is kept under.
	version, err := s.store.GroupFeedVersion(ctx, slug, since)
	if err != nil {
		return err
	}
	if ok && cached.version == version {
		s.feeds.confirm(slug, version, now)
		return serveTagged(c, cached.body, cached.etag, cached.lastModified, slug+".ics", cacheControl)
	}
	g, events, err := s.store.FindPublicGroup(ctx, slug, since)
	if err != nil {
		return err
	}
	items := make([]calendar.Item, len(events))
	for i, e := range events {
		items[i] = calendar.Item{Event: e, Group: g}
	}
	body, err := calendar.Publish(items, calendar.FeedOptions{BaseURL: s.cfg.BaseURL, Name: g.Name})
	if err != nil {
		return err
	}
	f := s.feeds.put(slug, version, now, body, latest(items, g.UpdatedAt))
	return serveTagged(c, f.body, f.etag, f.lastModified, g.Slug+".ics", cacheControl)
}

// getPersonalCalendar serves the feed of everything the holder of a manage
// token is going to, across groups (matched by e-mail address), with join
// links.
func (s *Server) getPersonalCalendar(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	self, views, feed, err := s.store.PersonalEvents(c.Request().Context(), t, s.now().Add(-FeedHistory))
	if err != nil {
		return err
	}
	if self.RSVP.ErasedAt != nil {
		return domain.ErrRSVPErased
	}
	items := make([]calendar.Item, len(views))
	for i, v := range views {
		// Personal join links, which record online attendance and can do
		// nothing else: the join token of this feed's, naming the event
		// when it is another of the person's (an e-mailed token proves the
		// address).
		join := s.cfg.BaseURL + "/j/" + url.PathEscape(domain.JoinToken(feed))
		if v.Event.ID != self.Event.ID {
			join += "?event=" + url.QueryEscape(v.Event.Slug)
		}
		// Each entry in the language of the holder's RSVP to its event.
		items[i] = calendar.Item{Event: v.Event, Group: v.Group, JoinURL: join, Locale: v.RSVP.Language(v.Event, v.Group)}
	}
	// The calendar's name in the language of the RSVP whose token this
	// is: the holder's own, which does not change as events come and go.
	name := i18n.Get(self.RSVP.Language(self.Event, self.Group)).T("feed.personal.name")
	body, err := calendar.Publish(items, calendar.FeedOptions{BaseURL: s.cfg.BaseURL, Name: name, WithJoinLinks: true})
	if err != nil {
		return err
	}
	return serveCalendar(c, body, latest(items, time.Time{}), "my-events.ics", "private, no-cache")
}
