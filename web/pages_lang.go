package web

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/i18n"
	"github.com/convene/convene/notifications/present"
)

// Languages of the attendee pages. A page speaks the language its visitor
// chose with the switch (?lang=, kept in a cookie), else the best of
// Convene's languages their browser asks for (Accept-Language), else the
// event's (domain.Event.Language). Each page template is parsed once and
// cloned per language with its own t, th and lang functions.

// translatedPages are the pages whose every string goes through the
// catalogues; the others are English until they do (a page half in one
// language would be worse).
var translatedPages = map[string]bool{"event": true, "rsvp": true, "cancel": true, "confirm": true, "erase": true,
	"message": true, "invitation": true, "verify": true,
	"group": true, "series": true, "follow": true, "feedback": true, "door": true, "join": true}

// translatedConsole are the console's pages whose every string goes
// through the catalogues (templates/console/<page>.html; its frame,
// layout.html, with each).
var translatedConsole = map[string]bool{
	"signin": true, "signin_link": true, "account": true, "home": true, "group": true, "group_form": true, "members": true,
	"event": true, "event_form": true, "event_cancel": true, "invitations": true, "email": true, "erase_rsvp": true,
	"series": true, "series_form": true, "series_list": true, "people": true, "door": true, "evidence": true,
}

const (
	langParam  = "lang"
	langCookie = "convene_lang"
	langKey    = "convene.lang" // the request's *i18n.Lang in the echo context
)

// pageFuncs are the templates' words in a language: t (a message), tn (a
// message with plural forms), th (a message with links in it), lang (the
// language: Tag, Dir), link (an escaped link for th), strong and code
// (escaped words marked up, for th) and list (names joined as the
// language joins them).
func pageFuncs(l *i18n.Lang) template.FuncMap {
	return template.FuncMap{
		"t":    l.T,
		"tn":   l.N,
		"th":   l.HTML,
		"lang": func() *i18n.Lang { return l },
		"link": func(href, text string) template.HTML {
			return template.HTML(`<a href="` + template.HTMLEscapeString(href) + `">` + template.HTMLEscapeString(text) + `</a>`)
		},
		"list": func(items []string) string { return strings.Join(items, l.T("list.separator")) },
		// strong and code mark words up for th: an event's title, a
		// JSON member's name.
		"strong": func(s string) template.HTML {
			return template.HTML("<strong>" + template.HTMLEscapeString(s) + "</strong>")
		},
		"code": func(s string) template.HTML {
			return template.HTML("<code>" + template.HTMLEscapeString(s) + "</code>")
		},
	}
}

// english is the language of pages without translations.
var english = i18n.Get(domain.DefaultLanguage)

// pageLang picks the language of a translated page for this request,
// with fallback the event's (or group's) language, and keeps it for
// render. A ?lang= (or a posted form's lang) that Convene speaks sets the cookie, so the choice
// holds on the next pages; the pseudo-locale is taken only when the
// server runs with Config.PseudoLocale (tests).
func (s *Server) pageLang(c echo.Context, fallback string) *i18n.Lang {
	req := c.Request()
	c.Response().Header().Add("Vary", "Accept-Language, Cookie")
	tag := ""
	q := req.URL.Query().Get(langParam)
	if q == "" && req.Method == http.MethodPost {
		// The RSVP form says which language it was shown in, so that its
		// answer speaks it too, cookie or no cookie.
		q = c.FormValue(langParam)
	}
	if q != "" {
		if tag = s.langTag(q); tag != "" {
			c.SetCookie(&http.Cookie{Name: langCookie, Value: tag, Path: "/", MaxAge: int((365 * 24 * time.Hour).Seconds()),
				HttpOnly: true, Secure: strings.HasPrefix(s.cfg.BaseURL, "https://"), SameSite: http.SameSiteLaxMode})
		}
	}
	if ck, err := req.Cookie(langCookie); tag == "" && err == nil {
		tag = s.langTag(ck.Value)
	}
	if tag == "" {
		tag = i18n.Negotiate(req.Header.Get("Accept-Language"), fallback)
	}
	l := i18n.Get(tag)
	c.Set(langKey, l)
	return l
}

func (s *Server) langTag(v string) string {
	if v == i18n.Pseudo && s.cfg.PseudoLocale {
		return i18n.Pseudo
	}
	return domain.LanguageTag(v)
}

// langOf is the request's language as pageLang chose it, else English.
func langOf(c echo.Context) *i18n.Lang {
	if l, ok := c.Get(langKey).(*i18n.Lang); ok {
		return l
	}
	return english
}

// langLink is one entry of the language switch.
type langLink struct {
	Tag, Name, URL string
	Current        bool
}

// languageLinks is the switch: the page's own address with ?lang= for
// each language, the current one marked.
func languageLinks(c echo.Context, current *i18n.Lang) []langLink {
	return languageLinksAt(c.Request().URL.Path, current)
}

// format is how l writes days and times, for present.SpanIn.
func format(l *i18n.Lang) present.Format {
	return present.Format{Date: l.Date, Time: l.Time, DateTime: l.DateTime}
}
