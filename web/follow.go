package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/i18n"
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
	v, l, err := s.findSeries(c)
	if err != nil {
		return err
	}
	return s.renderSeries(c, http.StatusOK, v, l, rsvpForm{}, "", nil)
}

// findSeries is the series of the page's address, and the language to
// show it in (its group's, unless the visitor asks for another).
func (s *Server) findSeries(c echo.Context) (domain.SeriesView, *i18n.Lang, error) {
	slug, err := seriesSlugParam(c)
	if err != nil {
		return domain.SeriesView{}, nil, err
	}
	v, err := s.store.FindPublicSeries(c.Request().Context(), slug)
	if err != nil {
		return domain.SeriesView{}, nil, err
	}
	return v, s.pageLang(c, groupLanguage(v.Group)), nil
}

// seriesRefusals are the catalogue's words for the refusals of the follow
// form.
var seriesRefusals = map[string]string{
	domain.ReasonSeriesEnded:       "series.refused.ended",
	domain.ReasonNoUpcomingSession: "series.refused.none",
}

// renderSeries draws the series page in l; the follow form's answer
// comes with its values and errors, or a notice.
func (s *Server) renderSeries(c echo.Context, status int, v domain.SeriesView, l *i18n.Lang, form rsvpForm, mode string, n *notice) error {
	d := s.seriesView(v, l)
	d.CSRF, d.Form, d.Mode, d.Notice = httpkit.CSRFToken(c), form, mode, n
	d.Meta.Languages = languageLinksAt("/s/"+url.PathEscape(v.Series.Slug), l)
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return s.render(c, status, "series", d)
}

// seriesView is a series' page in l, its follow form empty.
func (s *Server) seriesView(v domain.SeriesView, l *i18n.Lang) seriesPageData {
	x := v.Series
	loc := present.Zone(x.TimeZone)
	feed := seriesCalendarURL(s.cfg.BaseURL, x.Slug)
	d := seriesPageData{Meta: s.meta(x.Title), Title: x.Title, Schedule: scheduleText(x, loc, l),
		GroupName: v.Group.Name, GroupURL: "/g/" + url.PathEscape(v.Group.Slug), Description: paragraphs(x.Description),
		Ended: x.EndedAt != nil, Action: "/s/" + url.PathEscape(x.Slug) + "/follow", FeedURL: feed, FeedWebcal: webcalURL(feed)}
	d.Meta.URL = s.cfg.BaseURL + "/s/" + url.PathEscape(x.Slug)
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, d.GroupURL
	for _, o := range v.Occurrences {
		it := sessionItem{URL: "/e/" + url.PathEscape(o.Slug), When: present.SpanIn(o.StartsAt, o.EndsAt, loc, listFormat(l)),
			Zone: present.SpanZoneLabel(loc, o.StartsAt, o.EndsAt), StartISO: o.StartsAt.In(loc).Format(time.RFC3339),
			Cancelled: o.Status == domain.EventCancelled}
		if !it.Cancelled {
			it.Seats = seatsText(o.SeatsLeft, x.Waitlist, l)
		}
		d.Sessions = append(d.Sessions, it)
	}
	return d
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
	err = s.store.FollowSeries(c.Request().Context(), slug, domain.FollowInput{Name: form.Name, Email: form.Email, Mode: mode,
		Locale: domain.LanguageTag(c.FormValue(langParam))})
	var de *domain.Error
	if err != nil && !(errors.As(err, &de) && (de.Code == domain.EINVALID && len(de.Fields) > 0 || de.Code == domain.ECONFLICT)) {
		return err
	}
	v, l, ferr := s.findSeries(c)
	if ferr != nil {
		return ferr
	}
	switch {
	case err == nil:
		return s.renderSeries(c, http.StatusOK, v, l, rsvpForm{}, "", &notice{Kind: "ok", Text: l.T("series.follow.sent", "Email", form.Email)})
	case de.Code == domain.EINVALID:
		form.setFieldErrors(l, de.Fields, "series.mode.label", "mode-invite")
		return s.renderSeries(c, http.StatusUnprocessableEntity, v, l, form, string(mode), nil)
	}
	return s.renderSeries(c, http.StatusConflict, v, l, form, string(mode), &notice{Kind: "error", Text: conflictText(l, de, seriesRefusals)})
}

type followPageData struct {
	Meta                           pageMeta
	Eyebrow, Title, SeriesURL      string
	Question, Button, Action, CSRF string
	Danger                         bool
	Notice                         *notice
}

// The steps of following a series, each a page: confirm following,
// followed, confirm stopping, stopped.
const (
	stepFollow     = "follow"
	stepFollowed   = "followed"
	stepUnfollow   = "unfollow"
	stepUnfollowed = "unfollowed"
)

// renderFollow draws a step's page in the language of the series' group,
// unless the visitor asks for another; its button posts to the page's
// own address.
func (s *Server) renderFollow(c echo.Context, v domain.FollowerView, step string) error {
	l := s.pageLang(c, groupLanguage(v.Group))
	d := s.followView(v, l, step, c.Request().URL.Path)
	if d.Action != "" {
		d.CSRF = httpkit.CSRFToken(c)
	}
	d.Meta.Languages = languageLinks(c, l)
	return s.render(c, http.StatusOK, "follow", d)
}

// followView is a step's page in l; a step that asks (follow, unfollow)
// has a button that posts to action, unless it is already done.
func (s *Server) followView(v domain.FollowerView, l *i18n.Lang, step, action string) followPageData {
	d := followPageData{Meta: s.meta(v.Series.Title), Title: v.Series.Title, SeriesURL: "/s/" + url.PathEscape(v.Series.Slug)}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, "/g/"+url.PathEscape(v.Group.Slug)
	switch step {
	case stepFollow:
		d.Eyebrow = l.T("follow.eyebrow")
		if v.Follower.Status == domain.FollowActive {
			d.Notice = &notice{Kind: "ok", Text: l.T("follow.active")}
			break
		}
		d.Question = l.T("follow.question", "Name", v.Follower.Name, "Mode", modeSentence(v.Follower.Mode, l))
		d.Button, d.Action = l.T("follow.confirm"), action
	case stepFollowed:
		d.Eyebrow = l.T("follow.following")
		d.Notice = &notice{Kind: "ok", Text: l.T("follow.done", "Mode", modeSentence(v.Follower.Mode, l))}
	case stepUnfollow, stepUnfollowed:
		d.Eyebrow = l.T("follow.stop")
		if step == stepUnfollowed || v.Follower.Status == domain.FollowUnfollowed {
			d.Notice = &notice{Kind: "ok", Text: l.T("follow.stopped")}
			break
		}
		d.Question = l.T("follow.stop.question")
		d.Button, d.Action, d.Danger = l.T("follow.stop"), action, true
	}
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
	return s.renderFollow(c, v, stepFollow)
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
	return s.renderFollow(c, v, stepFollowed)
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
	return s.renderFollow(c, v, stepUnfollow)
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
	return s.renderFollow(c, v, stepUnfollowed)
}

type sessionItem struct {
	URL, When, Zone, StartISO, Seats string
	Cancelled                        bool
}

// modeSentence says what following in mode m does, to follow a colon.
func modeSentence(m domain.FollowMode, l *i18n.Lang) string {
	if m == domain.FollowRSVP {
		return l.T("follow.mode.rsvp")
	}
	return l.T("follow.mode.invite")
}

// groupCalendarURL is the address of a group's feed (the JSON API's).
func groupCalendarURL(baseURL, slug string) string {
	return baseURL + "/api/v1/public/groups/" + url.PathEscape(slug) + "/calendar.ics"
}

// seriesCalendarURL is the address of a series' feed (the JSON API's).
func seriesCalendarURL(baseURL, slug string) string {
	return baseURL + "/api/v1/public/series/" + url.PathEscape(slug) + "/calendar.ics"
}

// scheduleText says in l when a series meets: "Every 3 months on the
// third Tuesday, 17:00–18:30 (Europe/Berlin, CET)", as
// present.Schedule says it in English. Rules it cannot put in words are
// shown as they are.
func scheduleText(x domain.Series, loc *time.Location, l *i18n.Lang) string {
	start := x.StartsAt.In(loc)
	times := l.Time(start) + "–" + l.Time(start.Add(x.Duration)) + " " + isolate(l, present.ZoneLabel(loc, x.StartsAt))
	parts := map[string]string{}
	for _, p := range strings.Split(x.RRule, ";") {
		if k, v, ok := strings.Cut(p, "="); ok {
			parts[k] = v
		}
	}
	n, _ := strconv.Atoi(parts["INTERVAL"])
	if n < 1 {
		n = 1
	}
	unit := map[string]string{"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}[parts["FREQ"]]
	if unit == "" {
		return l.T("series.schedule", "Rule", l.T("series.schedule.raw", "RRule", x.RRule), "Times", times)
	}
	// series.schedule.every.day, .week, .month, .year; .days… for 2 or more.
	every := l.T("series.schedule.every." + unit)
	if n > 1 {
		every = l.N("series.schedule.every."+unit+"s", n)
	}
	rule := every
	if d := parts["BYDAY"]; len(d) >= 2 && !strings.Contains(d, ",") && weekdays[d[len(d)-2:]] {
		day, ord := d[len(d)-2:], strings.TrimPrefix(d[:len(d)-2], "+")
		nth := map[string]int{"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "-1": -1}
		switch k, ok := nth[ord]; {
		case ok:
			// series.schedule.nth.MO… with the ordinal as a word
			// (series.schedule.ordinal.1… .last) and as a number, N, for
			// languages whose ordinals agree with the day.
			ordinal := "series.schedule.ordinal." + ord
			if k < 0 {
				ordinal = "series.schedule.ordinal.last"
			}
			rule = l.T("series.schedule.rule", "Every", every, "Day", l.T("series.schedule.nth."+day, "Nth", l.T(ordinal), "N", k))
		case ord == "":
			rule = l.T("series.schedule.rule", "Every", every, "Day", l.T("series.schedule.on."+day)) // series.schedule.on.MO…
		}
	}
	return l.T("series.schedule", "Rule", rule, "Times", times)
}

// weekdays are RRULE's names of the days of the week.
var weekdays = map[string]bool{"MO": true, "TU": true, "WE": true, "TH": true, "FR": true, "SA": true, "SU": true}
