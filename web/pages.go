package web

import (
	"bytes"
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

// pageCSP is the Content-Security-Policy of every HTML page: the pages
// have no scripts and no inline styles, load only the stylesheet from this
// origin, post forms only here and may not be framed.
const pageCSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pagePrefixes are where the HTML pages and their assets live. They are
// for people, not programs, and so are not part of the JSON API or of
// openapi.yaml.
var pagePrefixes = []string{"/e/", "/r/", "/g/", "/i/", "/c/", "/j/", "/door/", "/v/", "/f/", "/static/", "/s/", "/follow/", "/unfollow/", "/manage"}

// isPagePath reports whether an Echo route path (/e/:slug) is one of the
// HTML pages' routes.
func isPagePath(p string) bool {
	for _, prefix := range pagePrefixes {
		if strings.HasPrefix(p, prefix) {
			return true
		}
	}
	return false
}

// pageRoutes registers the attendee-facing HTML pages. Middleware is set
// per route, not on a group: Echo adds catch-all routes for a group with
// middleware, which would change how unknown paths are answered (they stay
// 404 problem documents).
func (s *Server) pageRoutes(e *echo.Echo) {
	csrf := httpkit.CSRF(s.cfg.BaseURL)
	e.GET("/static/:name", serveStatic)
	e.GET("/e/:slug", s.eventPage, htmlPage, csrf)
	e.POST("/e/:slug/rsvp", s.rsvpFormPost, htmlPage, s.rateLimit(), csrf)
	e.GET("/r/:token", s.rsvpPage, htmlPage, tokenPage, csrf)
	e.POST("/r/:token/checkin", s.selfCheckinPost, htmlPage, tokenPage, s.codes.Middleware, csrf)
	e.GET("/j/:token", s.joinPage, htmlPage, tokenPage)
	e.GET("/door/:token", s.doorPage, htmlPage, tokenPage, csrf)
	// Door staff check a crowd in from one address: only wrong codes are
	// limited, not the pace of the door.
	e.POST("/door/:token/checkin", s.doorCheckinPost, htmlPage, tokenPage, s.codes.Middleware, csrf)
	e.POST("/door/:token/undo", s.doorUndoPost, htmlPage, tokenPage, csrf)
	e.POST("/door/:token/walkin", s.doorWalkInPost, htmlPage, tokenPage, csrf)
	e.POST("/r/:token/reconfirm", s.reconfirmFormPost, htmlPage, tokenPage, s.rateLimit(), csrf)
	e.GET("/r/:token/cancel", s.cancelPage, htmlPage, tokenPage, csrf)
	e.POST("/r/:token/cancel", s.cancelFormPost, htmlPage, tokenPage, s.rateLimit(), csrf)
	e.GET("/r/:token/erase", s.erasePage, htmlPage, tokenPage, csrf)
	e.POST("/r/:token/erase", s.eraseFormPost, htmlPage, tokenPage, s.rateLimit(), csrf)
	e.GET("/g/:slug", s.groupPage, htmlPage)
	e.GET("/i/:token", s.invitationPage, htmlPage, tokenPage, csrf)
	e.GET("/i/:token/rsvp", s.invitationRSVPPage, htmlPage, tokenPage)
	e.POST("/i/:token/rsvp", s.invitationRSVPPost, htmlPage, tokenPage, s.rateLimit(), csrf)
	e.POST("/i/:token/accept", s.acceptFormPost, htmlPage, tokenPage, s.rateLimit(), csrf)
	e.POST("/i/:token/decline", s.declineFormPost, htmlPage, tokenPage, s.rateLimit(), csrf)
	e.GET("/f/:token", s.feedbackPage, htmlPage, tokenPage, csrf)
	e.POST("/f/:token", s.feedbackFormPost, htmlPage, tokenPage, s.rateLimit(), csrf)
	e.GET("/c/:token", s.confirmPage, htmlPage, tokenPage, csrf)
	e.POST("/c/:token", s.confirmFormPost, htmlPage, tokenPage, s.rateLimit(), csrf)
	s.seriesPages(e, csrf)
	e.GET("/v/:id", s.verifyPage, htmlPage)
	s.consoleRoutes(e, csrf)
}

// htmlPage sets the headers every HTML page carries. Errors from the
// handler and the middleware after it (CSRF, rate limits) reach the
// website's error handler, which answers them as pages too.
func htmlPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Set(pageKey, true)
		pageHeaders(c)
		return next(c)
	}
}

// pageKey marks, in a request's context, a request that reached a page.
const pageKey = "convene.page"

// pageHeaders are the headers of every page, error pages included.
func pageHeaders(c echo.Context) {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
}

// tokenPage marks the pages whose address holds a manage token, error
// pages included: never stored, never sent on as a referrer, never indexed.
func tokenPage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		return next(c)
	}
}

// render executes a page into a buffer first, so that a template error
// becomes an error page rather than half a page.
func (s *Server) render(c echo.Context, status int, page string, data any) error {
	var buf bytes.Buffer
	t := pageTemplate[page][langOf(c).Tag()]
	if t == nil {
		t = pageTemplate[page][english.Tag()]
	}
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// renderError turns an error into a friendly page with the status the JSON
// API would give it. Internal errors are logged as handleError logs them:
// with the route pattern, never the path (it may hold a token).
func (s *Server) renderError(c echo.Context, err error) error {
	pageHeaders(c)
	st := httpkit.StatusOf(err)
	status, reason := st.Status, st.Code
	// Echo's CSRF middleware answers 400 for a missing token and 403 for
	// a wrong one or a cross-site post: both are a refused form.
	if st.Echo && (status == http.StatusBadRequest || status == http.StatusForbidden) {
		status, reason = http.StatusForbidden, "csrf"
	}
	httpkit.Report(c, s.log, httpkit.Status{Status: status}, err)
	d := messagePageData{Meta: s.meta("")}
	switch status {
	case http.StatusNotFound:
		d.Heading, d.Text = "Page not found", []string{"There is nothing at this address. The link may be mistyped or incomplete."}
		switch reason {
		case domain.ReasonEventNotFound:
			d.Heading, d.Text = "We can't find that event", []string{"It may not be published yet, or the link may be mistyped."}
		case domain.ReasonGroupNotFound:
			d.Heading, d.Text = "We can't find that group", []string{"The link may be mistyped."}
		case domain.ReasonRSVPNotFound:
			d.Heading, d.Text = "We can't find that RSVP", []string{"The link may be incomplete: check that you copied the whole link from your e-mail."}
		case domain.ReasonInvitationNotFound:
			d.Heading, d.Text = "We can't find that invitation", []string{"The link may be incomplete: check that you copied the whole link from your e-mail."}
		case domain.ReasonDoorLinkNotFound:
			d.Heading, d.Text = "We can't find that door link", []string{"Ask the organisers for the link again: check that you copied all of it."}
		case domain.ReasonConfirmationNotFound:
			d.Heading, d.Text = "We can't find that confirmation link", []string{"The link may be incomplete, or it expired and was removed. You can RSVP again on the event page."}
		}
	case http.StatusGone:
		d.Heading, d.Text = "This link no longer works", []string{domain.ErrorMessage(err)}
		if reason == domain.ReasonConfirmationExpired {
			d.Heading, d.Text = "This confirmation link has expired", []string{"Links to confirm an RSVP work for 48 hours. RSVP again on the event page and we will send a new one."}
		}
		if reason == domain.ReasonSignInLinkInvalid {
			d.Heading = "This sign-in link no longer works"
			d.Text = []string{"A sign-in link works once, for " + strconv.Itoa(int(domain.SignInLinkLifetime.Minutes())) + " minutes. Ask for a new one: it comes by e-mail in a moment."}
			d.Links = []pageLink{{URL: consolePrefix + "/sign-in", Label: "Get a new sign-in link"}}
		}
	case http.StatusUnauthorized:
		d.Heading, d.Text = "You are signed out", []string{"Your session has ended, so what you sent was not saved. Sign in again, then send it again."}
		d.Links = []pageLink{{URL: consolePrefix + "/sign-in", Label: "Sign in"}}
	case http.StatusForbidden:
		d.Heading = "This form has expired"
		d.Text = []string{"For your safety, a form only works for a while after its page was opened, and only when it was sent from this site. Nothing was changed.",
			"Go back, reload the page and send the form again."}
		if back, ok := backLink(c); ok {
			d.Links = []pageLink{back}
		}
	case http.StatusTooManyRequests:
		d.Heading, d.Text = "Too many tries", []string{"Too many requests came from your connection. Please wait a minute and try again."}
		if back, ok := backLink(c); ok {
			d.Links = []pageLink{back}
		}
	case http.StatusServiceUnavailable:
		d.Heading, d.Text = "Briefly unavailable", []string{"The service is briefly unavailable. Please try again in a moment."}
	case http.StatusInternalServerError:
		d.Heading, d.Text = "Something went wrong", []string{"Something went wrong on our side. It has been logged; please try again later."}
	default:
		d.Heading, d.Text = http.StatusText(status), []string{domain.ErrorMessage(err)}
	}
	d.Meta.Title = d.Heading
	d.Meta.NoIndex = true
	if rerr := s.render(c, status, "message", d); rerr != nil {
		s.log.ErrorContext(c.Request().Context(), "error page", "err", rerr.Error(), "route", c.Path())
		return c.String(http.StatusInternalServerError, "Something went wrong on our side.")
	}
	return nil
}

// backLink is the page a refused form came from.
func backLink(c echo.Context) (pageLink, bool) {
	if slug := c.Param("slug"); slug != "" {
		return pageLink{URL: "/e/" + url.PathEscape(slug), Label: "Back to the event"}, true
	}
	if t := c.Param("token"); t != "" {
		switch {
		case strings.HasPrefix(c.Path(), "/i/"):
			return pageLink{URL: "/i/" + url.PathEscape(t), Label: "Back to the invitation"}, true
		case strings.HasPrefix(c.Path(), "/c/"):
			return pageLink{URL: "/c/" + url.PathEscape(t), Label: "Back to the confirmation"}, true
		case strings.HasPrefix(c.Path(), "/f/"):
			return pageLink{URL: "/f/" + url.PathEscape(t), Label: "Back to the feedback form"}, true
		case strings.HasPrefix(c.Path(), "/door/"):
			return pageLink{URL: "/door/" + url.PathEscape(t), Label: "Back to the door list"}, true
		}
		return pageLink{URL: "/r/" + url.PathEscape(t), Label: "Back to your RSVP"}, true
	}
	return pageLink{}, false
}

// meta is the head of a page: its title and the stylesheet.
func (s *Server) meta(title string) pageMeta {
	return pageMeta{Title: title, CSS: staticURL["convene.css"], Icon: staticURL["favicon.svg"]}
}

// eventPage shows a published or cancelled event with its RSVP form.
func (s *Server) eventPage(c echo.Context) error {
	slug, err := slugParam(c)
	if err != nil {
		return err
	}
	e, g, err := s.store.FindPublicEvent(c.Request().Context(), slug)
	if err != nil {
		return err
	}
	if e.Slug != slug {
		// A former slug: links once published lead to the event for good.
		to := "/e/" + url.PathEscape(e.Slug)
		if q := c.QueryString(); q != "" {
			to += "?" + q
		}
		return c.Redirect(http.StatusMovedPermanently, to)
	}
	// The page holds the visitor's CSRF token: browsers may keep it but
	// must ask again, and shared caches must not keep it at all.
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return s.renderEvent(c, http.StatusOK, e, g, rsvpForm{}, nil)
}

func (s *Server) renderEvent(c echo.Context, status int, e domain.Event, g domain.Group, form rsvpForm, n *notice) error {
	now := s.now()
	l := s.pageLang(c, e.Language(g))
	sum := s.eventSummary(e, g, l)
	d := eventPageData{
		Meta: s.meta(e.Title), Event: sum, Description: paragraphs(e.Description), Notice: n, Form: form,
		CSRF: httpkit.CSRFToken(c), ConfirmByEmail: e.RSVPConfirmation == domain.ConfirmEmail,
	}
	d.Meta.Description = ogDescription(sum, e.Description, l)
	d.Meta.Languages = languageLinks(c, l)
	d.Meta.URL = s.cfg.BaseURL + sum.URL
	d.Meta.OG, d.Meta.SiteName = true, g.Name
	d.Meta.Brand, d.Meta.BrandURL = g.Name, sum.GroupURL
	// Hosts and speakers have a public role: their names are on the page.
	people, err := s.store.PublicEventPeople(c.Request().Context(), e.ID)
	if err != nil {
		return err
	}
	for _, h := range people.Hosts {
		d.Hosts = append(d.Hosts, h.Name)
	}
	for _, sp := range people.Speakers {
		d.Speakers = append(d.Speakers, speakerItem{Name: sp.Name, Talk: sp.TalkTitle, Slides: sp.SlidesURL})
	}
	if !sum.Cancelled && !sum.Over {
		d.Places = placesText(e, l)
		d.Open, d.Waitlist, d.Closed = admissionView(e, now, l)
	}
	return s.render(c, status, "event", d)
}

// rsvpFormPost takes the RSVP form. A new RSVP goes to the attendee's own
// page; anything else shows the event page again with what happened.
func (s *Server) rsvpFormPost(c echo.Context) error {
	slug, err := slugParam(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	form := rsvpForm{Name: c.FormValue("name"), Email: c.FormValue("email")}
	// The form says the language it was shown in: the attendee's e-mails
	// speak it.
	res, err := s.store.CreateRSVP(ctx, slug, domain.RSVPInput{Name: form.Name, Email: form.Email, Locale: domain.LanguageTag(c.FormValue(langParam))})
	s.countRSVP(res, err)
	if err == nil && res.Pending != nil {
		e, g, err := s.store.FindPublicEvent(ctx, slug)
		if err != nil {
			return err
		}
		return s.renderEvent(c, http.StatusOK, e, g, rsvpForm{}, pendingNotice(form.Email, res.Pending, e))
	}
	if err == nil && res.Created {
		return c.Redirect(http.StatusSeeOther, "/r/"+url.PathEscape(res.ManageToken)+"?new=1")
	}
	var (
		de     *domain.Error
		status = http.StatusOK
		n      *notice
	)
	switch {
	case err == nil:
		// The address has replied before. Saying how would tell anyone
		// who types an address whether that person is going.
		form = rsvpForm{}
		n = &notice{Kind: "info", Text: "This address has already replied. We have e-mailed it the RSVP again, with the link to manage it."}
	case errors.As(err, &de) && de.Code == domain.EINVALID && len(de.Fields) > 0:
		status = http.StatusUnprocessableEntity
		form.setErrors(de.Fields)
	case errors.As(err, &de) && de.Code == domain.ECONFLICT:
		status = http.StatusConflict
		n = &notice{Kind: "error", Text: de.Message}
	default:
		return err
	}
	e, g, err := s.store.FindPublicEvent(ctx, slug)
	if err != nil {
		return err
	}
	return s.renderEvent(c, status, e, g, form, n)
}

// rsvpPage is the attendee's own page, reached by the manage link.
func (s *Server) rsvpPage(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	return s.renderRSVP(c, http.StatusOK, t, "")
}

// renderRSVP renders the attendee's page; checkinErr is what went wrong
// with a self check-in just sent.
func (s *Server) renderRSVP(c echo.Context, status int, t, checkinErr string) error {
	v, err := s.store.FindRSVPByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if v.RSVP.ErasedAt != nil {
		return s.renderErased(c, v)
	}
	if v.RSVP.Status == domain.RSVPCancelled {
		return s.renderCancelled(c, v)
	}
	sum := s.eventSummary(v.Event, v.Group, langOf(c))
	base := "/r/" + url.PathEscape(t)
	// The feed link reads the feed and nothing else (domain/links.go).
	feed := s.cfg.BaseURL + "/api/v1/rsvps/" + url.PathEscape(domain.FeedToken(t)) + "/calendar.ics"
	d := rsvpPageData{
		Meta: s.meta("Your RSVP: " + v.Event.Title), Event: sum, Name: v.RSVP.Name, Email: v.RSVP.Email,
		Going: v.RSVP.Status == domain.RSVPGoing, FeedURL: feed, FeedWebcal: webcalURL(feed), CancelURL: base + "/cancel",
		CanCancel: v.Event.Status == domain.EventPublished && !sum.Over && v.RSVP.AttendedAt == nil,
		DataURL:   "/api/v1/rsvps/" + url.PathEscape(t) + "/data", EraseURL: base + "/erase",
		RecordsURL: "/api/v1/rsvps/" + url.PathEscape(t) + "/contributions",
	}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	d.StatusText = statusText(v.RSVP)
	d.CalendarReply = attendeeReply(v.RSVP, present.Zone(v.Event.TimeZone))
	// The code door staff scan: for people with a place, while there is
	// a door to show it at. RSVPs made before codes existed have none.
	if d.Going && v.RSVP.CheckinCode != "" && !sum.Cancelled && !sum.Over {
		d.CheckinCode = domain.FormatCode(v.RSVP.CheckinCode)
		d.CheckinQR = present.CheckinQRSVG(v.RSVP.CheckinCode)
	}
	if c.QueryParam("new") == "1" {
		d.Confirmation = d.StatusText + "."
		if !d.Going {
			d.Confirmation = "You're on the waitlist at position " + strconv.Itoa(v.RSVP.WaitlistPosition) + "."
		}
	}
	if sum.Online && v.Event.OnlineURL != "" && v.Event.Status == domain.EventPublished {
		if d.Going {
			// The personal join link: it records online attendance in the
			// check-in window, then forwards to the meeting.
			d.JoinURL = "/j/" + url.PathEscape(domain.JoinTokenOf(t))
		} else {
			d.JoinLater = true
		}
	}
	if sum.Over && !sum.Cancelled && domain.CheckFeedback(v.RSVP) == nil {
		d.FeedbackURL = "/f/" + url.PathEscape(t)
	}
	d.Checkin = s.checkinPanel(v, t, s.now(), checkinErr, c.QueryParam("checkedin") == "1")
	if r := v.RSVP; d.Going && v.Event.Reconfirm && !sum.Cancelled && !sum.Over && (r.ReconfirmAskedAt != nil || r.ReconfirmedAt != nil) {
		loc := present.Zone(v.Event.TimeZone)
		p := &reconfirmPanel{Action: base + "/reconfirm", Just: c.QueryParam("reconfirmed") == "1",
			By: present.Instant(v.Event.StartsAt.Add(-domain.ReconfirmDeadlineBefore), loc)}
		if r.ReconfirmedAt != nil {
			p.Confirmed, p.ConfirmedAt = true, present.Instant(*r.ReconfirmedAt, loc)
		}
		d.Reconfirm = p
	}
	d.CSRF = httpkit.CSRFToken(c)
	return s.render(c, status, "rsvp", d)
}

func statusText(r domain.RSVP) string {
	if r.Status == domain.RSVPWaitlisted {
		return "You're on the waitlist, at position " + strconv.Itoa(r.WaitlistPosition)
	}
	return "You're going"
}

// renderCancelled is the page of a cancelled RSVP's link: 410, with the way
// back to the event to reply again.
func (s *Server) renderCancelled(c echo.Context, v domain.RSVPView) error {
	sum := s.eventSummary(v.Event, v.Group, langOf(c))
	d := messagePageData{Meta: s.meta("You cancelled this RSVP"), Heading: "You cancelled this RSVP",
		Text: []string{"You no longer have a place at “" + v.Event.Title + "”."}}
	if r := v.RSVP.LastReply; r != nil && r.Status == domain.ReplyDeclined {
		d.Text = append(d.Text, attendeeReply(v.RSVP, present.Zone(v.Event.TimeZone)))
	}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	label := "See the event"
	if v.Event.RSVPOpen(s.now()) {
		d.Text = append(d.Text, "Changed your mind? You can reply again while RSVPs are open.")
		label = "Reply again on the event page"
	}
	d.Links = []pageLink{{URL: sum.URL, Label: label}}
	return s.render(c, http.StatusGone, "message", d)
}

// reconfirmFormPost records that the person still comes and goes back to
// their page, which then says so. The link in the e-mail only shows the
// page: mail scanners follow links.
func (s *Server) reconfirmFormPost(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	if _, err := s.store.ReconfirmRSVPByToken(c.Request().Context(), t); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/r/"+url.PathEscape(t)+"?reconfirmed=1#reconfirm")
}

// cancelPage asks before cancelling.
func (s *Server) cancelPage(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	v, err := s.store.FindRSVPByToken(c.Request().Context(), t)
	if err != nil {
		return err
	}
	if v.RSVP.ErasedAt != nil {
		return s.renderErased(c, v)
	}
	if v.RSVP.Status == domain.RSVPCancelled {
		return s.renderCancelled(c, v)
	}
	base := "/r/" + url.PathEscape(t)
	d := cancelPageData{Meta: s.meta("Cancel your RSVP?"), Event: s.eventSummary(v.Event, v.Group, langOf(c)),
		Going: v.RSVP.Status == domain.RSVPGoing, Action: base + "/cancel", KeepURL: base, CSRF: httpkit.CSRFToken(c)}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, d.Event.GroupURL
	return s.render(c, http.StatusOK, "cancel", d)
}

// cancelFormPost cancels and goes back to the RSVP's page, which then says
// it is cancelled. Cancelling twice is harmless.
func (s *Server) cancelFormPost(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	if _, err := s.store.CancelRSVPByToken(c.Request().Context(), t); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/r/"+url.PathEscape(t))
}

// groupPageHistory is how far back a group's page lists past events.
const groupPageHistory = 365 * 24 * time.Hour

// groupPage lists a group's upcoming and recent events and its feed.
func (s *Server) groupPage(c echo.Context) error {
	slug := c.Param("slug")
	var v domain.Validation
	if domain.CheckSlug(&v, "slug", slug); v.Err() != nil {
		return &domain.Error{Code: domain.ENOTFOUND, Reason: domain.ReasonGroupNotFound, Message: "No such group."}
	}
	now := s.now()
	g, events, err := s.store.FindPublicGroup(c.Request().Context(), slug, now.Add(-groupPageHistory))
	if err != nil {
		return err
	}
	l := s.pageLang(c, groupLanguage(g))
	d := s.groupView(g, events, now, l)
	d.Meta.Languages = languageLinks(c, l)
	// Nothing on it is personal; a minute is fresh enough.
	c.Response().Header().Set("Cache-Control", "public, max-age=60")
	return s.render(c, http.StatusOK, "group", d)
}

// groupView is a group's page in l: its events at now, the next first
// and the latest past first.
func (s *Server) groupView(g domain.Group, events []domain.Event, now time.Time, l *i18n.Lang) groupPageData {
	feed := groupCalendarURL(s.cfg.BaseURL, g.Slug)
	d := groupPageData{Meta: s.meta(g.Name), Name: g.Name, Description: paragraphs(g.Description),
		FeedURL: feed, FeedWebcal: webcalURL(feed)}
	d.Meta.URL = s.cfg.BaseURL + "/g/" + url.PathEscape(g.Slug)
	d.Meta.OG, d.Meta.SiteName = true, g.Name
	d.Meta.Description = oneLine(g.Description, 200)
	if d.Meta.Description == "" {
		d.Meta.Description = l.T("group.description", "Group", g.Name)
	}
	for _, e := range events {
		it := s.eventItem(e, l)
		if now.Before(e.EndsAt) {
			d.Upcoming = append(d.Upcoming, it)
		} else {
			d.Past = append([]eventItem{it}, d.Past...) // latest first
		}
	}
	return d
}

// webcalURL turns a feed's http(s) address into the webcal:// link that
// calendar apps subscribe to. The address is built from the configured
// base URL and escaped path segments, so it may be trusted as a URL.
func webcalURL(feed string) template.URL {
	for _, p := range []string{"https://", "http://"} {
		if rest, ok := strings.CutPrefix(feed, p); ok {
			return template.URL("webcal://" + rest)
		}
	}
	return ""
}

// seriesPages registers the series page and the follow and unfollow
// pages. The unfollow POST takes no CSRF token: mail clients send it as
// the RFC 8058 one-click unsubscribe, and the secret link is its only
// authority.
func (s *Server) seriesPages(e *echo.Echo, csrf echo.MiddlewareFunc) {
	e.GET("/s/:slug", s.seriesPage, htmlPage, csrf)
	e.POST("/s/:slug/follow", s.followFormPost, htmlPage, s.rateLimit(), csrf)
	e.GET("/follow/:token", s.followPage, htmlPage, tokenPage, csrf)
	e.POST("/follow/:token", s.followFormConfirm, htmlPage, tokenPage, s.rateLimit(), csrf)
	e.GET("/unfollow/:token", s.unfollowPage, htmlPage, tokenPage, csrf)
	e.POST("/unfollow/:token", s.unfollowPost, htmlPage, tokenPage, s.rateLimit())
}
