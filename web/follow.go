package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/notifications/present"
)

// seriesPageData is the public page of a series.
type seriesPageData struct {
	Meta                pageMeta
	Title, Schedule     string
	GroupName, GroupURL string
	Description         [][]string
	Sessions            []sessionItem
	Ended               bool
	Action, CSRF, Mode  string
	Form                rsvpForm
	Notice              *notice
	FeedURL             string
	FeedWebcal          template.URL
}

func (s *Server) seriesPage(c echo.Context) error {
	return s.renderSeries(c, http.StatusOK, rsvpForm{}, "", nil)
}

func (s *Server) renderSeries(c echo.Context, status int, form rsvpForm, mode string, n *notice) error {
	slug, err := seriesSlugParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindPublicSeries(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	x := v.Series
	loc := present.Zone(x.TimeZone)
	feed := seriesCalendarURL(s.cfg.BaseURL, x.Slug)
	d := seriesPageData{Meta: s.meta(x.Title), Title: x.Title, Schedule: present.Schedule(x, loc),
		GroupName: v.Group.Name, GroupURL: "/g/" + url.PathEscape(v.Group.Slug), Description: paragraphs(x.Description),
		Ended: x.EndedAt != nil, Action: "/s/" + url.PathEscape(x.Slug) + "/follow", CSRF: httpkit.CSRFToken(c), Mode: mode,
		Form: form, Notice: n, FeedURL: feed, FeedWebcal: webcalURL(feed)}
	d.Meta.URL = s.cfg.BaseURL + "/s/" + url.PathEscape(x.Slug)
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, d.GroupURL
	for _, o := range v.Occurrences {
		it := sessionItem{URL: "/e/" + url.PathEscape(o.Slug), When: present.Span(o.StartsAt, o.EndsAt, loc, present.ShortDate),
			Zone: present.SpanZoneLabel(loc, o.StartsAt, o.EndsAt), StartISO: o.StartsAt.In(loc).Format(time.RFC3339),
			Cancelled: o.Status == domain.EventCancelled}
		if !it.Cancelled {
			it.Seats = seatsText(o.SeatsLeft, x.Waitlist, english)
		}
		d.Sessions = append(d.Sessions, it)
	}
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return s.render(c, status, "series", d)
}

// followFormPost records a follow request from the series page and says
// to check the e-mail, whatever the address did before.
func (s *Server) followFormPost(c echo.Context) error {
	slug, err := seriesSlugParam(c)
	if err != nil {
		return err
	}
	form := rsvpForm{Name: c.FormValue("name"), Email: c.FormValue("email")}
	mode := domain.FollowMode(c.FormValue("mode"))
	err = s.store.FollowSeries(c.Request().Context(), slug, domain.FollowInput{Name: form.Name, Email: form.Email, Mode: mode})
	var de *domain.Error
	switch {
	case err == nil:
		return s.renderSeries(c, http.StatusOK, rsvpForm{}, "", &notice{Kind: "ok",
			Text: "Almost there: we sent a link to " + form.Email + ". Open it to confirm that you follow this series."})
	case errors.As(err, &de) && de.Code == domain.EINVALID && len(de.Fields) > 0:
		form.setErrors(langOf(c), de.Fields)
		return s.renderSeries(c, http.StatusUnprocessableEntity, form, string(mode), nil)
	case errors.As(err, &de) && de.Code == domain.ECONFLICT:
		return s.renderSeries(c, http.StatusConflict, form, string(mode), &notice{Kind: "error", Text: de.Message})
	}
	return err
}

type followPageData struct {
	Meta                           pageMeta
	Eyebrow, Title, SeriesURL      string
	Question, Button, Action, CSRF string
	Danger                         bool
	Notice                         *notice
}

func (s *Server) followPageBase(v domain.FollowerView) followPageData {
	d := followPageData{Meta: s.meta(v.Series.Title), Title: v.Series.Title, SeriesURL: "/s/" + url.PathEscape(v.Series.Slug)}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, "/g/"+url.PathEscape(v.Group.Slug)
	return d
}

// followPage asks the person to confirm following (a link never changes
// anything: mail scanners open links).
func (s *Server) followPage(c echo.Context) error {
	t, err := followTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindFollowerByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	d := s.followPageBase(v)
	d.Eyebrow = "Follow this series"
	switch v.Follower.Status {
	case domain.FollowActive:
		d.Notice = &notice{Kind: "ok", Text: "You follow this series."}
	default:
		d.Question = fmt.Sprintf("%s, confirm that you want to follow this series: %s", v.Follower.Name, modeSentence(v.Follower.Mode))
		d.Button, d.Action, d.CSRF = "Confirm: follow this series", "/follow/"+url.PathEscape(t), httpkit.CSRFToken(c)
	}
	return s.render(c, http.StatusOK, "follow", d)
}

func (s *Server) followFormConfirm(c echo.Context) error {
	t, err := followTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.ConfirmFollow(c.Request().Context(), t)
	if err != nil {
		return err
	}
	d := s.followPageBase(v)
	d.Eyebrow = "Following"
	d.Notice = &notice{Kind: "ok", Text: "You follow this series: " + modeSentence(v.Follower.Mode) +
		" Every e-mail has a link to stop following."}
	return s.render(c, http.StatusOK, "follow", d)
}

// unfollowPage asks before unfollowing.
func (s *Server) unfollowPage(c echo.Context) error {
	t, err := followTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindFollowerByToken(c.Request().Context(), t)
	if err != nil && domain.ErrorCode(err) != domain.EGONE {
		return err
	}
	d := s.followPageBase(v)
	d.Eyebrow = "Stop following"
	if v.Follower.Status == domain.FollowUnfollowed {
		d.Notice = &notice{Kind: "ok", Text: "You no longer follow this series."}
	} else {
		d.Question = "Stop following this series? You will get no e-mails about new sessions. Places you already hold stay yours; cancel them from their own e-mails if you wish."
		d.Button, d.Action, d.CSRF, d.Danger = "Stop following", "/unfollow/"+url.PathEscape(t), httpkit.CSRFToken(c), true
	}
	return s.render(c, http.StatusOK, "follow", d)
}

// unfollowPost unfollows: from the page's button, or as the RFC 8058
// one-click POST a mail client sends to the List-Unsubscribe address
// (body "List-Unsubscribe=One-Click"). The secret link is the only
// authority, so no CSRF token is asked for.
func (s *Server) unfollowPost(c echo.Context) error {
	t, err := followTokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.Unfollow(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if strings.Contains(c.Request().Header.Get("Content-Type"), "form") && c.FormValue("List-Unsubscribe") == "One-Click" {
		return c.NoContent(http.StatusOK)
	}
	d := s.followPageBase(v)
	d.Eyebrow = "Stop following"
	d.Notice = &notice{Kind: "ok", Text: "You no longer follow this series."}
	return s.render(c, http.StatusOK, "follow", d)
}

type sessionItem struct {
	URL, When, Zone, StartISO, Seats string
	Cancelled                        bool
}

func modeSentence(m domain.FollowMode) string {
	if m == domain.FollowRSVP {
		return "we will sign you up for every new session while seats last, each with its calendar invite."
	}
	return "we will invite you to each new session, and you answer \"I'll come\" or \"not this time\"."
}

// groupCalendarURL is the address of a group's feed (the JSON API's).
func groupCalendarURL(baseURL, slug string) string {
	return baseURL + "/api/v1/public/groups/" + url.PathEscape(slug) + "/calendar.ics"
}

// seriesCalendarURL is the address of a series' feed (the JSON API's).
func seriesCalendarURL(baseURL, slug string) string {
	return baseURL + "/api/v1/public/series/" + url.PathEscape(slug) + "/calendar.ics"
}
