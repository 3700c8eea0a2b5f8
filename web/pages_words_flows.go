package web

import (
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// Words the attendee pages share: an instant in a sentence, the domain's
// messages a page shows an attendee, and the names of form fields in
// sentences about them.

// instantHTML is an instant in the event's zone, in the language, for a
// sentence (Lang.HTML): the day and time in a <time> element, then the
// zone, "Monday 7 December 2026, 09:00 (Europe/Oslo, CET)" in English as
// present.Instant writes it.
func instantHTML(l *i18n.Lang, t time.Time, loc *time.Location) template.HTML {
	return template.HTML(`<time datetime="` + t.In(loc).Format(time.RFC3339) + `">` +
		template.HTMLEscapeString(present.SpanIn(t, time.Time{}, loc, format(l))) + `</time> ` +
		template.HTMLEscapeString(isolate(l, present.ZoneLabel(loc, t))))
}

// domainMessageIDs are the catalogue's words for the domain's messages
// that reach an attendee's page (a form's conflict, the error page),
// keyed by the domain's English message: one reason can come with
// different words (an RSVP not going, at the door and on the person's
// own page).
var domainMessageIDs = map[string]string{
	"This event has been cancelled.":                                                "error.domain.cancelled",
	"RSVPs for this event are not open yet.":                                        "error.domain.notopen",
	"RSVPs for this event are closed.":                                              "rsvp.closed",
	"This event is full and has no waitlist.":                                       "error.domain.full",
	"You have no RSVP from this invitation: say yes first.":                         "error.domain.norsvp",
	"Only people with a place can check in.":                                        "error.domain.notgoing",
	"Check-in is not open now.":                                                     "error.domain.checkinclosed",
	"You are checked in to this event; the RSVP can no longer be cancelled.":        "error.domain.attended",
	"The data of this RSVP was erased at the attendee's request.":                   "error.domain.rsvperased",
	"The data of this invitation was erased at the recipient's request.":            "error.domain.invitationerased",
	"This door link has expired or was revoked.":                                    "error.domain.doorexpired",
	"This confirmation link has expired. Follow the series again to get a new one.": "error.domain.followexpired",
}

// domainText is an error's message for an attendee in the language: the
// catalogue's when it has the domain's message, else the domain's own
// (English).
func domainText(l *i18n.Lang, err error) string {
	msg := domain.ErrorMessage(err)
	if id, ok := domainMessageIDs[msg]; ok {
		return l.T(id)
	}
	return msg
}

// fieldLabels are the catalogue's names of the attendee forms' fields,
// as the sentences about their errors start (l.Field).
var fieldLabels = map[string]string{
	"name": "label.name", "email": "label.email", "rating": "label.rating", "comment": "label.comment",
}

// fieldLabel names a form field in the language; a field the catalogue
// does not name is its own name.
func fieldLabel(l *i18n.Lang, field string) string {
	if id, ok := fieldLabels[field]; ok {
		return l.T(id)
	}
	return field
}

// pageLanguages is the language switch of a page shown at fallback: the
// address asked for, when it was a GET; after a form post, fallback (the
// page's own address: a form's action takes no GET), or no switch when
// fallback is "".
func pageLanguages(c echo.Context, current *i18n.Lang, fallback string) []langLink {
	path := c.Request().URL.Path
	if c.Request().Method != http.MethodGet && c.Request().Method != http.MethodHead {
		if path = fallback; path == "" {
			return nil
		}
	}
	return languageLinksAt(path, current)
}

// pageLangOnce is pageLang, once a request: a page shown after a form
// post chose its language already, to word the form's answer.
func (s *Server) pageLangOnce(c echo.Context, fallback string) *i18n.Lang {
	if l, ok := c.Get(langKey).(*i18n.Lang); ok {
		return l
	}
	return s.pageLang(c, fallback)
}
