package httpkit

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Problem is an RFC 9457 problem document, extended with a stable code and
// field errors: how the JSON API and the operations endpoints answer an
// error.
type Problem struct {
	Type     string         `json:"type"`
	Title    string         `json:"title"`
	Status   int            `json:"status"`
	Detail   string         `json:"detail"`
	Code     string         `json:"code"`
	Instance string         `json:"instance,omitempty"`
	Errors   []ProblemField `json:"errors,omitempty"`
}

// ProblemField is one invalid field of a request.
type ProblemField struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// ProblemOf is the problem document of an error.
func ProblemOf(s Status) Problem {
	p := Problem{Type: "about:blank", Title: http.StatusText(s.Status), Status: s.Status, Detail: s.Message, Code: s.Code}
	for _, f := range s.Fields {
		p.Errors = append(p.Errors, ProblemField{Field: f.Field, Message: f.Message})
	}
	return p
}

// ProblemHandler is the error handler of the parts that speak JSON: the
// error as an application/problem+json document with the status StatusOf
// gives it.
func ProblemHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		s := StatusOf(err)
		Report(c, log, s, err)
		WriteProblem(c, ProblemOf(s))
	}
}

// WriteProblem writes a problem document (no body for HEAD).
func WriteProblem(c echo.Context, p Problem) {
	b, _ := json.Marshal(p)
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	if c.Request().Method != http.MethodHead {
		c.Response().Write(b)
	}
}
