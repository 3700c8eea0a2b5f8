package api

import (
	"log/slog"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/httpkit"
	"github.com/convene/convene/i18n"
)

// problemHandler is httpkit.ProblemHandler, but the problems of the
// endpoints attendees' own apps call (attendeePath) speak the language
// their Accept-Language asks for, when Convene has it: the title by the
// status, the detail by the code (catalogue messages problem.status.<n>
// and problem.<code>), and each field error's message. The code and the
// field names stay English, for programs; English answers are as they
// always were.
func problemHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		st := httpkit.StatusOf(err)
		httpkit.Report(c, log, st, err)
		p := httpkit.ProblemOf(st)
		if attendeePath(c.Request().URL.Path) {
			h := c.Response().Header()
			h.Add("Vary", "Accept-Language")
			l := i18n.Get(i18n.Negotiate(c.Request().Header.Get("Accept-Language"), domain.DefaultLanguage))
			h.Set("Content-Language", l.Tag())
			p = translateProblem(p, st, l)
		}
		httpkit.WriteProblem(c, p)
	}
}

// attendeePath tells the endpoints of attendees (no account: the public
// ones and those of a personal link) from the organisers' API.
func attendeePath(path string) bool {
	return strings.HasPrefix(path, "/api/v1/public/") || strings.HasPrefix(path, "/api/v1/rsvps/")
}

// translateProblem says p in l; English is left as it is.
func translateProblem(p httpkit.Problem, st httpkit.Status, l *i18n.Lang) httpkit.Problem {
	if l.Tag() == domain.DefaultLanguage {
		return p
	}
	if id := "problem.status." + strconv.Itoa(p.Status); i18n.Has(id) {
		p.Title = l.T(id)
	}
	if id := "problem." + p.Code; i18n.Has(id) {
		p.Detail = l.T(id)
	} else if id := "problem.status." + strconv.Itoa(p.Status); i18n.Has(id) {
		p.Detail = l.T(id) + "."
	}
	for i := range p.Errors {
		if i < len(st.Fields) {
			p.Errors[i].Message = l.Field(st.Fields[i], st.Fields[i].Field)
		}
	}
	return p
}
