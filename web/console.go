package web

import (
	"bytes"
	"context"
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
)

// The organiser console, under /manage: the pages organisers run their
// groups from. It calls the same store methods as the JSON API, with the
// signed-in organiser's id, so that authorization is the store's, the same
// on every page and form as on every API route: another group's ids are
// "not found", owner-only changes "forbidden". Every page needs a session
// (console_signin.go) except the ways in; every form carries a CSRF
// token. No page needs JavaScript: only passkeys, an optional way in, use
// the one script (console_passkeys.go).

// ConsoleAuth is what signing in and out needs.
type ConsoleAuth interface {
	RequestSignIn(ctx context.Context, email, locale string) error
	FindSignInLink(ctx context.Context, raw string) (domain.SignInLink, domain.Organiser, error)
	SignIn(ctx context.Context, raw, browser string) (domain.Session, string, error)
	AuthenticateSession(ctx context.Context, raw string) (domain.Session, domain.Organiser, error)
	ListSessions(ctx context.Context, organiserID string) ([]domain.Session, error)
	EndSession(ctx context.Context, organiserID, sessionID string) error
	EndAllSessions(ctx context.Context, organiserID string) (int64, error)
}

// ConsoleAccount is what the account page needs besides sessions: the
// organiser's API tokens.
type ConsoleAccount interface {
	ListAPITokens(ctx context.Context, organiserID string, opts domain.ListOptions) (domain.Page[domain.APIToken], error)
	CreateAPIToken(ctx context.Context, organiserID, name string, expiresAt *time.Time) (domain.APIToken, string, error)
	RevokeAPIToken(ctx context.Context, organiserID, tokenID string) error
}

// ConsoleGroups is what the home page and the group pages need.
type ConsoleGroups interface {
	ListGroups(ctx context.Context, organiserID string, opts domain.ListOptions) (domain.Page[domain.Group], error)
	CreateGroup(ctx context.Context, organiserID string, g domain.Group) (domain.Group, error)
	FindGroup(ctx context.Context, organiserID, groupID string) (domain.Group, domain.Role, error)
	UpdateGroup(ctx context.Context, organiserID, groupID string, u domain.GroupUpdate) (domain.Group, error)
	ListMembers(ctx context.Context, organiserID, groupID string, opts domain.ListOptions) (domain.Page[domain.Member], error)
	AddMember(ctx context.Context, actorID, groupID, email, name string, role domain.Role) (domain.Member, bool, error)
	RemoveMember(ctx context.Context, actorID, groupID, organiserID string) error
	SetMemberRole(ctx context.Context, actorID, groupID, organiserID string, role domain.Role) (domain.Member, error)
	ListEvents(ctx context.Context, organiserID, groupID string, f domain.EventFilter) (domain.Page[domain.Event], error)
}

// ConsoleStore is everything the console reads and changes.
type ConsoleStore interface {
	ConsoleAuth
	ConsoleAccount
	ConsoleGroups
	ConsoleEvents
	ConsolePasskeys
	ConsoleDoor
	ConsoleSeries
	ConsoleEvidence
	ConsolePeople
}

// consolePrefix is where the console lives.
const consolePrefix = "/manage"

// organiserKey and sessionKey hold, in a request's context, who is signed
// in (signedIn).
const (
	organiserKey = "convene.organiser"
	sessionKey   = "convene.session"
)

// consoleRoutes registers the console's pages. Like the attendee pages,
// middleware is set per route (see pageRoutes). Each route says who may
// reach it: anyone (the ways in), or a signed-in organiser; which groups'
// things an organiser may see or change is the store's to say.
func (s *Server) consoleRoutes(e *echo.Echo, csrf echo.MiddlewareFunc) {
	// The ways in.
	e.GET(consolePrefix+"/sign-in", s.signInPage, htmlPage, consolePage, csrf)
	e.POST(consolePrefix+"/sign-in", s.signInPost, htmlPage, consolePage, s.rateLimit(), csrf)
	e.GET(consolePrefix+"/sign-in/:token", s.signInLinkPage, htmlPage, consolePage, tokenPage, csrf)
	e.POST(consolePrefix+"/sign-in/:token", s.signInLinkPost, htmlPage, consolePage, tokenPage, s.rateLimit(), csrf)

	in := func(method, path string, h echo.HandlerFunc, mw ...echo.MiddlewareFunc) {
		e.Add(method, consolePrefix+path, h, append([]echo.MiddlewareFunc{htmlPage, consolePage, s.signedIn, csrf}, mw...)...)
	}
	in(http.MethodPost, "/sign-out", s.signOutPost)
	in(http.MethodGet, "", s.homePage)
	in(http.MethodGet, "/", s.homePage)
	in(http.MethodGet, "/account", s.accountPage)
	in(http.MethodPost, "/account/sign-out-everywhere", s.signOutEverywherePost)
	in(http.MethodPost, "/account/sessions/:session_id/end", s.endSessionPost)
	in(http.MethodPost, "/account/tokens", s.createTokenPost)
	in(http.MethodPost, "/account/tokens/:token_id/revoke", s.revokeTokenPost)
	in(http.MethodGet, "/groups/new", s.newGroupPage)
	in(http.MethodPost, "/groups", s.createGroupPost)
	in(http.MethodGet, "/groups/:group_id", s.groupConsolePage)
	in(http.MethodGet, "/groups/:group_id/settings", s.groupSettingsPage)
	in(http.MethodPost, "/groups/:group_id/settings", s.groupSettingsPost)
	in(http.MethodGet, "/groups/:group_id/members", s.membersPage)
	in(http.MethodPost, "/groups/:group_id/members", s.addMemberPost)
	in(http.MethodPost, "/groups/:group_id/members/:organiser_id/remove", s.removeMemberPost)
	in(http.MethodPost, "/groups/:group_id/members/:organiser_id/role", s.memberRolePost)
	in(http.MethodGet, "/groups/:group_id/events/new", s.newEventPage)
	in(http.MethodPost, "/groups/:group_id/events", s.createEventPost)
	in(http.MethodGet, "/events/:event_id", s.eventConsolePage)
	in(http.MethodGet, "/events/:event_id/edit", s.editEventPage)
	in(http.MethodPost, "/events/:event_id/edit", s.editEventPost)
	in(http.MethodPost, "/events/:event_id/publish", s.publishEventPost)
	in(http.MethodGet, "/events/:event_id/cancel", s.cancelEventPage)
	in(http.MethodPost, "/events/:event_id/cancel", s.cancelEventPost)
	in(http.MethodPost, "/events/:event_id/duplicate", s.duplicateEventPost)
	s.passkeyRoutes(e, csrf, in)
	in(http.MethodGet, "/events/:event_id/door", s.doorConsolePage)
	in(http.MethodPost, "/events/:event_id/door/people/:rsvp_id/check-in", s.consoleCheckinPost)
	in(http.MethodPost, "/events/:event_id/door/people/:rsvp_id/undo", s.consoleUndoCheckinPost)
	in(http.MethodPost, "/events/:event_id/door/walk-ins", s.consoleWalkInPost)
	in(http.MethodPost, "/events/:event_id/door/links", s.createDoorLinkPost)
	in(http.MethodPost, "/events/:event_id/door/links/:link_id/revoke", s.revokeDoorLinkPost)
	in(http.MethodGet, "/groups/:group_id/series", s.seriesListPage)
	in(http.MethodGet, "/groups/:group_id/series/new", s.newSeriesPage)
	in(http.MethodPost, "/groups/:group_id/series/new", s.newSeriesPost)
	in(http.MethodGet, "/series/:series_id", s.seriesConsolePage)
	in(http.MethodGet, "/series/:series_id/edit", s.editSeriesPage)
	in(http.MethodPost, "/series/:series_id/edit", s.editSeriesPost)
	in(http.MethodPost, "/series/:series_id/dates/:occurrence_id/cancel", s.cancelOccurrencePost)
	in(http.MethodPost, "/series/:series_id/dates/:occurrence_id/move", s.moveOccurrencePost)
	in(http.MethodGet, "/groups/:group_id/evidence", s.evidencePage)
	in(http.MethodGet, "/groups/:group_id/evidence.csv", s.evidenceExport("csv"))
	in(http.MethodGet, "/groups/:group_id/evidence.json", s.evidenceExport("json"))
	in(http.MethodGet, "/events/:event_id/people", s.peoplePage)
	in(http.MethodGet, "/events/:event_id/people.csv", s.peopleCSV)
	in(http.MethodPost, "/events/:event_id/people/:rsvp_id/seat", s.seatPost)
	in(http.MethodPost, "/events/:event_id/people/:rsvp_id/remove", s.removeRSVPPost)
	in(http.MethodGet, "/events/:event_id/people/:rsvp_id/erase", s.eraseRSVPPage)
	in(http.MethodPost, "/events/:event_id/people/:rsvp_id/erase", s.eraseRSVPPost)
	in(http.MethodGet, "/events/:event_id/invitations", s.invitationsPage)
	in(http.MethodPost, "/events/:event_id/invitations", s.invitationsPost)
	in(http.MethodGet, "/events/:event_id/email", s.emailPage)
	in(http.MethodPost, "/events/:event_id/email/:delivery_id/retry", s.retryPost)
}

// consolePage marks the console's pages: personal, so never stored by a
// cache, never sent on as a referrer, never indexed.
func consolePage(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Robots-Tag", "noindex, nofollow")
		// The console speaks its organiser's browser's language (English
		// when Convene does not have it); the attendee pages' switch and
		// its cookie are theirs.
		h.Add("Vary", "Accept-Language")
		c.Set(langKey, i18n.Get(i18n.Negotiate(c.Request().Header.Get("Accept-Language"), domain.DefaultLanguage)))
		return next(c)
	}
}

// sessionCookie is the name of the console's session cookie: __Host-
// prefixed when the service is reached over https, so that browsers
// insist on Secure, Path=/ and no Domain.
func (s *Server) sessionCookie() string {
	if s.secure() {
		return "__Host-convene_session"
	}
	return "convene_session"
}

func (s *Server) secure() bool { return strings.HasPrefix(s.cfg.BaseURL, "https://") }

// setSession gives the browser its session cookie: HttpOnly, SameSite=Lax
// (a link from an e-mail to a console page keeps the organiser signed in;
// a form posted from another site does not carry it), for at most the
// session's lifetime.
func (s *Server) setSession(c echo.Context, raw string) {
	c.SetCookie(&http.Cookie{Name: s.sessionCookie(), Value: raw, Path: "/", HttpOnly: true, Secure: s.secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: int(domain.SessionLifetime / time.Second)})
}

// clearSession removes the session cookie.
func (s *Server) clearSession(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", HttpOnly: true, Secure: s.secure(),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// session returns the session the request's cookie names and its
// organiser, or an EUNAUTHORIZED error.
func (s *Server) session(c echo.Context) (domain.Session, domain.Organiser, error) {
	ck, err := c.Cookie(s.sessionCookie())
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return domain.Session{}, domain.Organiser{}, errSignedOut
	}
	return s.store.AuthenticateSession(c.Request().Context(), ck.Value)
}

var errSignedOut = &domain.Error{Code: domain.EUNAUTHORIZED, Reason: domain.ReasonSessionNotFound,
	Message: "You are not signed in, or your session has ended."}

// signedIn lets a request through with a session, and puts its organiser
// in the context. Without one, a page asked for (GET) leads to the
// sign-in page, which comes back to it; a form sent is refused with a page
// that says so (its content cannot be kept).
func (s *Server) signedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		sess, o, err := s.session(c)
		if domain.ErrorCode(err) == domain.EUNAUTHORIZED {
			s.clearSession(c)
			if m := c.Request().Method; m == http.MethodGet || m == http.MethodHead {
				return c.Redirect(http.StatusSeeOther, consolePrefix+"/sign-in?next="+url.QueryEscape(c.Request().URL.RequestURI()))
			}
			return err
		}
		if err != nil {
			return err
		}
		c.Set(organiserKey, o)
		c.Set(sessionKey, sess)
		return next(c)
	}
}

// organiser is the signed-in organiser (within signedIn).
func organiser(c echo.Context) domain.Organiser {
	o, _ := c.Get(organiserKey).(domain.Organiser)
	return o
}

// currentSession is the request's session (within signedIn).
func currentSession(c echo.Context) domain.Session {
	sess, _ := c.Get(sessionKey).(domain.Session)
	return sess
}

// consoleMeta is what every console page shows around its content.
type consoleMeta struct {
	Title string
	CSS   string
	Icon  string
	// Who is the signed-in organiser (their name, else their address);
	// empty on the ways in.
	Who  string
	CSRF string
	// Section is the part of the navigation the page belongs to: "home",
	// "account".
	Section string
	// Crumbs lead back up from the page (the group, the event).
	Crumbs []pageLink
	// Notice says what the last form did.
	Notice *notice
	// Script is the one script the page loads, if any (passkeys.js).
	Script string
}

// consoleMeta is the frame of a console page titled title (in the
// request's language: langOf(c)).
func (s *Server) consoleMeta(c echo.Context, title string) consoleMeta {
	m := consoleMeta{Title: title, CSS: staticURL["convene.css"], Icon: staticURL["favicon.svg"], CSRF: httpkit.CSRFToken(c)}
	if o := organiser(c); o.ID != "" {
		m.Who = o.Name
		if m.Who == "" {
			m.Who = o.Email
		}
	}
	m.Notice = consoleNotice(langOf(c), c.QueryParam("done"))
	return m
}

// consoleNotice is the notice of ?done=key in the language, or nil for a
// key that has none.
func consoleNotice(l *i18n.Lang, key string) *notice {
	id, ok := consoleDone[key]
	if !ok {
		return nil
	}
	return &notice{Kind: "ok", Text: l.T(id)}
}

// consoleDone are the notices a page shows after a form sent the browser
// to it (?done=<key>), as catalogue ids. Only these texts can be shown
// this way.
var consoleDone = map[string]string{
	"group-created":    "console.notice.group-created",
	"group-saved":      "console.notice.group-saved",
	"member-added":     "console.notice.member-added",
	"member-removed":   "console.notice.member-removed",
	"session-ended":    "console.notice.session-ended",
	"token-revoked":    "console.notice.token-revoked",
	"signed-out":       "console.notice.signed-out",
	"signed-out-all":   "console.notice.signed-out-all",
	"role-saved":       "console.notice.role-saved",
	"already-member":   "console.notice.already-member",
	"event-created":    "console.notice.event-created",
	"event-saved":      "console.notice.event-saved",
	"event-published":  "console.notice.event-published",
	"event-cancelled":  "console.notice.event-cancelled",
	"event-duplicated": "console.notice.event-duplicated",
	"passkey-added":    "console.notice.passkey-added",
	"passkey-renamed":  "console.notice.passkey-renamed",
	"passkey-removed":  "console.notice.passkey-removed",
	"invited":          "console.notice.invited",
	"retried":          "console.notice.retried",
}

// renderConsole executes a console page into a buffer first, so that a
// template error becomes an error page rather than half a page.
func (s *Server) renderConsole(c echo.Context, status int, page string, data any) error {
	ts, ok := consoleTemplate[page]
	if !ok {
		return errors.New("web: no console template " + page)
	}
	t := ts[english.Tag()]
	if lt, ok := ts[langOf(c).Tag()]; ok {
		t = lt
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "console", data); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// formErrors turns a validation error into sentences by field, in the
// language, for a form shown again; any other error is returned as it is.
func formErrors(l *i18n.Lang, err error) (map[string]string, error) {
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EINVALID || len(de.Fields) == 0 {
		return nil, err
	}
	out := make(map[string]string, len(de.Fields))
	for _, f := range de.Fields {
		if _, ok := out[f.Field]; !ok {
			out[f.Field] = fieldSentence(l, f)
		}
	}
	return out, nil
}

// fieldSentence says a field error as a sentence under the field, in the
// language: "The name is required." (i18n's Field, with the field's
// label from consoleLabels). An error the console makes itself
// (consoleFieldMessages) is its own sentence.
func fieldSentence(l *i18n.Lang, f domain.FieldError) string {
	if id, ok := consoleFieldMessages[f.Message]; ok && f.Format == "" {
		return l.T(id)
	}
	id, ok := consoleLabels[f.Field]
	if !ok {
		id = "console.label.unknown"
	}
	return l.Field(f, l.T(id))
}

// consoleFieldMessages are the field errors the console makes itself,
// whole sentences (by their English), as catalogue ids.
var consoleFieldMessages = map[string]string{
	slugTaken: "console.common.slug-taken",
}

// consoleLabels name the console forms' fields in the error sentences, as
// catalogue ids: the subject of "{{.Field}} is required.".
var consoleLabels = map[string]string{
	"name":                "console.label.name",
	"slug":                "console.label.slug",
	"description":         "console.label.description",
	"time_zone":           "console.label.time_zone",
	"locale":              "console.label.locale",
	"contact_email":       "console.label.contact_email",
	"email":               "console.label.email",
	"role":                "console.label.role",
	"expires_at":          "console.label.expires_at",
	"title":               "console.label.title",
	"kind":                "console.label.kind",
	"starts_at":           "console.label.starts_at",
	"ends_at":             "console.label.ends_at",
	"venue":               "console.label.venue",
	"venue.name":          "console.label.venue.name",
	"venue.address":       "console.label.venue.address",
	"online_url":          "console.label.online_url",
	"capacity":            "console.label.capacity",
	"rsvp_opens_at":       "console.label.rsvp_opens_at",
	"rsvp_closes_at":      "console.label.rsvp_closes_at",
	"rsvp_confirmation":   "console.label.rsvp_confirmation",
	"hosts":               "console.label.hosts",
	"speakers":            "console.label.speakers",
	"speakers.name":       "console.label.speakers.name",
	"speakers.email":      "console.label.speakers.email",
	"speakers.talk_title": "console.label.speakers.talk_title",
	"speakers.slides_url": "console.label.speakers.slides_url",
	"reason":              "console.label.reason",
	"q":                   "console.label.q",
	"status":              "console.label.status",
	"cursor":              "console.label.cursor",
	"people":              "console.label.people",
	"message":             "console.label.message",
}

// consoleID reads an id path parameter; one that cannot be an id is "not
// found" at once.
func consoleID(c echo.Context, name, what string) (string, error) {
	return httpkit.ID(c, name, what)
}

// formField is one text field of a console form, as the "console-field"
// template draws it.
type formField struct {
	ID, Name, Label, Value, Error, Type, Auto, Max, Hint, List string
	Required                                                   bool
}

// consoleFuncs build form fields in the templates: field(id, name, label,
// value, error, type, required, autocomplete, maxlength), then
// fieldHint(f, hint) and fieldList(f, datalist id); strong(text) and
// span(class, text) are escaped markup to put into a message with th.
var consoleFuncs = template.FuncMap{
	"strong": func(s string) template.HTML {
		return template.HTML("<strong>" + template.HTMLEscapeString(s) + "</strong>")
	},
	"span": func(class, s string) template.HTML {
		return template.HTML(`<span class="` + template.HTMLEscapeString(class) + `">` + template.HTMLEscapeString(s) + "</span>")
	},
	"field": func(id, name, label string, value, err any, typ string, required bool, auto, max string) formField {
		return formField{ID: id, Name: name, Label: label, Value: text(value), Error: text(err), Type: typ, Required: required, Auto: auto, Max: max}
	},
	"fieldHint": func(f formField, hint string) formField { f.Hint = hint; return f },
	"fieldList": func(f formField, list string) formField { f.List = list; return f },
}

// text is a template value as a string: "" for a missing one (a field
// without an error reads a nil map).
func text(v any) string {
	s, _ := v.(string)
	return s
}
