package web

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"net/url"
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
	// The handler may have chosen the language already (an event's
	// page, the console); else the visitor's choice or browser's.
	l := s.pageLangOnce(c, domain.DefaultLanguage)
	var back *pageLink
	if b, ok := backLink(c, l); ok {
		back = &b
	}
	d := errorPageData(l, status, reason, err, back)
	d.Meta = s.meta("")
	if !strings.HasPrefix(c.Request().URL.Path, consolePrefix) {
		// The console speaks its organiser's browser's language.
		d.Meta.Languages = pageLanguages(c, l, "")
	}
	d.Meta.Title = d.Heading
	d.Meta.NoIndex = true
	if rerr := s.render(c, status, "message", d); rerr != nil {
		s.log.ErrorContext(c.Request().Context(), "error page", "err", rerr.Error(), "route", c.Path())
		return c.String(http.StatusInternalServerError, "Something went wrong on our side.")
	}
	return nil
}

// errorPageData is the error page's words in l for an error with its
// status and reason; back is the page a refused form came from, if any.
func errorPageData(l *i18n.Lang, status int, reason string, err error, back *pageLink) messagePageData {
	var d messagePageData
	say := func(heading string, text ...string) { d.Heading, d.Text = heading, text }
	switch status {
	case http.StatusNotFound:
		switch reason {
		case domain.ReasonEventNotFound:
			say(l.T("error.event.heading"), l.T("error.event.text"))
		case domain.ReasonGroupNotFound:
			say(l.T("error.group.heading"), l.T("error.group.text"))
		case domain.ReasonRSVPNotFound:
			say(l.T("error.rsvp.heading"), l.T("error.link.incomplete"))
		case domain.ReasonInvitationNotFound:
			say(l.T("error.invitation.heading"), l.T("error.link.incomplete"))
		case domain.ReasonDoorLinkNotFound:
			say(l.T("error.door.heading"), l.T("error.door.text"))
		case domain.ReasonConfirmationNotFound:
			say(l.T("error.confirmation.heading"), l.T("error.confirmation.text"))
		default:
			say(l.T("error.notfound.heading"), l.T("error.notfound.text"))
		}
	case http.StatusGone:
		switch reason {
		case domain.ReasonConfirmationExpired:
			say(l.T("error.expired.heading"), l.T("error.expired.text"))
		case domain.ReasonSignInLinkInvalid:
			say(l.T("error.signin.heading"), l.N("error.signin.text", int(domain.SignInLinkLifetime.Minutes())))
			d.Links = []pageLink{{URL: consolePrefix + "/sign-in", Label: l.T("error.signin.link")}}
		default:
			say(l.T("error.gone.heading"), domainText(l, err))
		}
	case http.StatusUnauthorized:
		say(l.T("error.signedout.heading"), l.T("error.signedout.text"))
		d.Links = []pageLink{{URL: consolePrefix + "/sign-in", Label: l.T("error.signedout.link")}}
	case http.StatusForbidden:
		say(l.T("error.csrf.heading"), l.T("error.csrf.text"), l.T("error.csrf.again"))
		if back != nil {
			d.Links = []pageLink{*back}
		}
	case http.StatusTooManyRequests:
		say(l.T("error.limit.heading"), l.T("error.limit.text"))
		if back != nil {
			d.Links = []pageLink{*back}
		}
	case http.StatusServiceUnavailable:
		say(l.T("error.unavailable.heading"), l.T("error.unavailable.text"))
	case http.StatusInternalServerError:
		say(l.T("error.internal.heading"), l.T("error.internal.text"))
	default:
		heading := http.StatusText(status)
		if id, ok := statusIDs[status]; ok {
			heading = l.T(id)
		}
		say(heading, domainText(l, err))
	}
	return d
}

// statusIDs name the other statuses a page may answer with, as
// http.StatusText does in English.
var statusIDs = map[int]string{
	http.StatusBadRequest:            "error.status.400",
	http.StatusConflict:              "error.status.409",
	http.StatusRequestEntityTooLarge: "error.status.413",
	http.StatusUnprocessableEntity:   "error.status.422",
}

// backLink is the page a refused form came from.
func backLink(c echo.Context, l *i18n.Lang) (pageLink, bool) {
	if slug := c.Param("slug"); slug != "" {
		return pageLink{URL: "/e/" + url.PathEscape(slug), Label: l.T("error.back.event")}, true
	}
	if t := c.Param("token"); t != "" {
		switch {
		case strings.HasPrefix(c.Path(), "/i/"):
			return pageLink{URL: "/i/" + url.PathEscape(t), Label: l.T("invitation.back")}, true
		case strings.HasPrefix(c.Path(), "/c/"):
			return pageLink{URL: "/c/" + url.PathEscape(t), Label: l.T("error.back.confirmation")}, true
		case strings.HasPrefix(c.Path(), "/f/"):
			return pageLink{URL: "/f/" + url.PathEscape(t), Label: l.T("error.back.feedback")}, true
		case strings.HasPrefix(c.Path(), "/door/"):
			return pageLink{URL: "/door/" + url.PathEscape(t), Label: l.T("error.back.door")}, true
		}
		return pageLink{URL: "/r/" + url.PathEscape(t), Label: l.T("error.back.rsvp")}, true
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
	l := s.pageLangOnce(c, e.Language(g))
	sum := s.eventSummary(e, g, l)
	d := eventPageData{
		Meta: s.meta(e.Title), Event: sum, Description: paragraphs(e.Description), Notice: n, Form: form,
		CSRF: httpkit.CSRFToken(c), ConfirmByEmail: e.RSVPConfirmation == domain.ConfirmEmail,
	}
	d.Meta.Description = ogDescription(sum, e.Description, l)
	// After the RSVP form's post the page is drawn at the form's address,
	// which takes no GET: the switch leads to the event's page.
	d.Meta.Languages = pageLanguages(c, l, sum.URL)
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
		l := s.pageLangOnce(c, e.Language(g))
		return s.renderEvent(c, http.StatusOK, e, g, rsvpForm{}, pendingNotice(l, form.Email, res.Pending, e))
	}
	if err == nil && res.Created {
		return c.Redirect(http.StatusSeeOther, "/r/"+url.PathEscape(res.ManageToken)+"?new=1")
	}
	var (
		de     *domain.Error
		status = http.StatusOK
	)
	switch {
	case err == nil:
	case errors.As(err, &de) && de.Code == domain.EINVALID && len(de.Fields) > 0:
		status = http.StatusUnprocessableEntity
	case errors.As(err, &de) && de.Code == domain.ECONFLICT:
		status = http.StatusConflict
	default:
		return err
	}
	e, g, ferr := s.store.FindPublicEvent(ctx, slug)
	if ferr != nil {
		return ferr
	}
	form, n := rsvpAnswer(s.pageLangOnce(c, e.Language(g)), form, err)
	return s.renderEvent(c, status, e, g, form, n)
}

// rsvpAnswer is what the event page says after a reply to its form that
// made no new RSVP (err nil: the address had replied), in l: the form
// with its errors, or a notice.
func rsvpAnswer(l *i18n.Lang, form rsvpForm, err error) (rsvpForm, *notice) {
	var de *domain.Error
	switch {
	case err == nil:
		// The address has replied before. Saying how would tell anyone
		// who types an address whether that person is going.
		return rsvpForm{}, &notice{Kind: "info", Text: l.T("rsvppage.replied")}
	case errors.As(err, &de) && de.Code == domain.EINVALID && len(de.Fields) > 0:
		form.setErrors(l, de.Fields)
		return form, nil
	}
	return form, &notice{Kind: "error", Text: domainText(l, err)}
}

// rsvpPage is the attendee's own page, reached by the manage link.
func (s *Server) rsvpPage(c echo.Context) error {
	t, err := tokenParam(c)
	if err != nil {
		return err
	}
	return s.renderRSVP(c, http.StatusOK, t, nil)
}

// renderRSVP renders the attendee's page; checkinErr is what went wrong
// with a self check-in just sent (nil: nothing).
func (s *Server) renderRSVP(c echo.Context, status int, t string, checkinErr error) error {
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
	l := s.pageLang(c, v.RSVP.Language(v.Event, v.Group))
	q := rsvpQuery{New: c.QueryParam("new") == "1", CheckedIn: c.QueryParam("checkedin") == "1", Reconfirmed: c.QueryParam("reconfirmed") == "1"}
	d := s.rsvpData(l, v, t, q, checkinErr)
	d.CSRF = httpkit.CSRFToken(c)
	d.Meta.Languages = pageLanguages(c, l, "/r/"+url.PathEscape(t))
	return s.render(c, status, "rsvp", d)
}

// rsvpQuery is what the address of an attendee's page says just
// happened: a new reply, a check-in, a reconfirmation.
type rsvpQuery struct{ New, CheckedIn, Reconfirmed bool }

// rsvpData is the attendee's page of the RSVP v (manage token t) in l.
func (s *Server) rsvpData(l *i18n.Lang, v domain.RSVPView, t string, q rsvpQuery, checkinErr error) rsvpPageData {
	sum := s.eventSummary(v.Event, v.Group, l)
	loc := present.Zone(v.Event.TimeZone)
	base := "/r/" + url.PathEscape(t)
	// The feed link reads the feed and nothing else (domain/links.go).
	feed := s.cfg.BaseURL + "/api/v1/rsvps/" + url.PathEscape(domain.FeedToken(t)) + "/calendar.ics"
	d := rsvpPageData{
		Meta: s.meta(l.T("rsvppage.title", "Title", v.Event.Title)), Event: sum, Name: v.RSVP.Name, Email: v.RSVP.Email,
		Going: v.RSVP.Status == domain.RSVPGoing, FeedURL: feed, FeedWebcal: webcalURL(feed), CancelURL: base + "/cancel",
		CanCancel: v.Event.Status == domain.EventPublished && !sum.Over && v.RSVP.AttendedAt == nil,
		DataURL:   "/api/v1/rsvps/" + url.PathEscape(t) + "/data", EraseURL: base + "/erase",
		RecordsURL: "/api/v1/rsvps/" + url.PathEscape(t) + "/contributions",
	}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	d.StatusText = statusText(l, v.RSVP)
	d.CalendarReply = attendeeReply(l, v.RSVP, loc)
	// The code door staff scan: for people with a place, while there is
	// a door to show it at. RSVPs made before codes existed have none.
	if d.Going && v.RSVP.CheckinCode != "" && !sum.Cancelled && !sum.Over {
		d.CheckinCode = domain.FormatCode(v.RSVP.CheckinCode)
		d.CheckinQR = present.CheckinQRSVGLabel(v.RSVP.CheckinCode, l.T("rsvppage.code.qr", "Code", d.CheckinCode))
	}
	if q.New {
		d.Confirmation = l.T("rsvppage.new.going")
		if !d.Going {
			d.Confirmation = l.T("rsvppage.new.waitlisted", "Position", v.RSVP.WaitlistPosition)
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
	var errText string
	if checkinErr != nil {
		errText = domainText(l, checkinErr)
		if domain.ErrorCode(checkinErr) == domain.EINVALID {
			errText = l.T("rsvppage.checkin.wrong")
		}
	}
	d.Checkin = s.checkinPanel(v, t, s.now(), errText, q.CheckedIn)
	if d.Checkin != nil && d.Checkin.In {
		d.CheckinAt = instantHTML(l, *v.RSVP.AttendedAt, loc)
	}
	if r := v.RSVP; d.Going && v.Event.Reconfirm && !sum.Cancelled && !sum.Over && (r.ReconfirmAskedAt != nil || r.ReconfirmedAt != nil) {
		p := &reconfirmPanel{Action: base + "/reconfirm", Just: q.Reconfirmed,
			By: template.HTML("<strong>") + instantHTML(l, v.Event.StartsAt.Add(-domain.ReconfirmDeadlineBefore), loc) + template.HTML("</strong>")}
		if r.ReconfirmedAt != nil {
			p.Confirmed, p.ConfirmedAt = true, instantHTML(l, *r.ReconfirmedAt, loc)
		}
		d.Reconfirm = p
	}
	return d
}

// statusText says where an RSVP stands, in l: going, or the place in the
// waitlist.
func statusText(l *i18n.Lang, r domain.RSVP) string {
	if r.Status == domain.RSVPWaitlisted {
		return l.T("status.waitlisted", "Position", r.WaitlistPosition)
	}
	return l.T("status.going")
}

// renderCancelled is the page of a cancelled RSVP's link: 410, with the way
// back to the event to reply again.
func (s *Server) renderCancelled(c echo.Context, v domain.RSVPView) error {
	l := s.pageLang(c, v.RSVP.Language(v.Event, v.Group))
	d := s.cancelledData(l, v)
	d.Meta.Languages = pageLanguages(c, l, "")
	return s.render(c, http.StatusGone, "message", d)
}

// cancelledData is the page of a cancelled RSVP in l.
func (s *Server) cancelledData(l *i18n.Lang, v domain.RSVPView) messagePageData {
	sum := s.eventSummary(v.Event, v.Group, l)
	heading := l.T("cancel.done.heading")
	d := messagePageData{Meta: s.meta(heading), Heading: heading,
		Paras: []template.HTML{l.HTML("cancel.done.text", "Title", v.Event.Title)}}
	if r := v.RSVP.LastReply; r != nil && r.Status == domain.ReplyDeclined {
		d.Paras = append(d.Paras, attendeeReply(l, v.RSVP, present.Zone(v.Event.TimeZone)))
	}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, sum.GroupURL
	label := l.T("message.event")
	if v.Event.RSVPOpen(s.now()) {
		d.Paras = append(d.Paras, l.HTML("cancel.done.again"))
		label = l.T("cancel.done.reply")
	}
	d.Links = []pageLink{{URL: sum.URL, Label: label}}
	return d
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
	l := s.pageLang(c, v.RSVP.Language(v.Event, v.Group))
	d := s.cancelData(l, v, t)
	d.CSRF = httpkit.CSRFToken(c)
	d.Meta.Languages = pageLanguages(c, l, "")
	return s.render(c, http.StatusOK, "cancel", d)
}

// cancelData is the page that asks before cancelling the RSVP v (manage
// token t), in l.
func (s *Server) cancelData(l *i18n.Lang, v domain.RSVPView, t string) cancelPageData {
	base := "/r/" + url.PathEscape(t)
	d := cancelPageData{Meta: s.meta(l.T("cancel.title")), Event: s.eventSummary(v.Event, v.Group, l),
		Going: v.RSVP.Status == domain.RSVPGoing, Action: base + "/cancel", KeepURL: base}
	d.Meta.NoIndex = true
	d.Meta.Brand, d.Meta.BrandURL = v.Group.Name, d.Event.GroupURL
	return d
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
