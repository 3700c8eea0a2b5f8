// Package httpkit is the HTTP plumbing that Convene's JSON API (api), its
// website (web) and its operations endpoints (ops) share: the one mapping
// from errors to HTTP statuses, the middleware every request goes through
// (request ids, counting, logging, body limits, security headers), path
// parameters, rate limits, CSRF, HEAD on GET routes, and how the parts are
// put together on one address.
//
// It holds no handler of its own and must not import api, web or ops:
// they import it, and never each other.
package httpkit

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/convene/convene/domain"
)

// MaxBodyBytes is the largest request body accepted unless a route says
// otherwise (64 KiB).
const MaxBodyBytes = 64 << 10

// Config is what every part's Echo instance is built with.
type Config struct {
	// Logger receives one line per request and the internal errors.
	Logger *slog.Logger
	// Metrics counts requests; nil counts nothing.
	Metrics *Metrics
	// TrustedProxies lists the IPs or CIDR ranges of reverse proxies whose
	// X-Forwarded-For header is believed. Empty: the peer address is used.
	TrustedProxies []string
	// Foreground learns of every request in flight (nil: nothing does), so
	// that background work can give way (notifications.Foreground).
	Foreground Foreground
	// BodyLimit is the largest body a route (Echo's path pattern) takes;
	// nil is MaxBodyBytes everywhere.
	BodyLimit func(route string) int64
}

// Foreground is told when a request begins; the function it returns is
// called when the request ends.
type Foreground interface {
	Begin() (end func())
}

// New returns an Echo instance with Convene's middleware, in this order:
// trailing slashes removed, a request id, counting, the foreground, one log
// line, panic recovery, the body limit and the security headers. onError
// writes errors as the part speaks them (problem+json, an HTML page).
func New(cfg Config, onError echo.HTTPErrorHandler) (*echo.Echo, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.BodyLimit == nil {
		cfg.BodyLimit = func(string) int64 { return MaxBodyBytes }
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = onError
	ipx, err := IPExtractor(cfg.TrustedProxies)
	if err != nil {
		return nil, err
	}
	e.IPExtractor = ipx
	e.Pre(middleware.RemoveTrailingSlash())
	e.Use(middleware.RequestIDWithConfig(middleware.RequestIDConfig{Generator: domain.NewID}))
	if cfg.Metrics != nil {
		e.Use(cfg.Metrics.countRequests)
	}
	if cfg.Foreground != nil {
		e.Use(inForeground(cfg.Foreground))
	}
	e.Use(logRequests(cfg.Logger))
	e.Use(middleware.Recover())
	e.Use(limitBody(cfg.BodyLimit))
	e.Use(securityHeaders)
	return e, nil
}

// Status is what an error is, for a client: its HTTP status and its stable
// code (a domain reason such as "event_full", else a domain code), with
// the message and field errors that are safe to show.
type Status struct {
	Status  int
	Code    string
	Message string
	Fields  []domain.FieldError
	// Echo is set when the error came from Echo (routing, middleware)
	// rather than from Convene's own code.
	Echo bool
}

var statusOf = map[string]int{
	domain.EINVALID:      http.StatusUnprocessableEntity,
	domain.ENOTFOUND:     http.StatusNotFound,
	domain.ECONFLICT:     http.StatusConflict,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EGONE:         http.StatusGone,
	domain.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	domain.ERATELIMITED:  http.StatusTooManyRequests,
	domain.EUNAVAILABLE:  http.StatusServiceUnavailable,
	domain.EINTERNAL:     http.StatusInternalServerError,
}

// reasonStatus overrides the status for reasons that are not their class's
// usual one.
var reasonStatus = map[string]int{
	domain.ReasonMalformedRequest:     http.StatusBadRequest,
	domain.ReasonUnsupportedMediaType: http.StatusUnsupportedMediaType,
	domain.ReasonMethodNotAllowed:     http.StatusMethodNotAllowed,
}

// StatusOf is the one place where errors become HTTP statuses, for the
// JSON API and the pages alike. Anything that is not a *domain.Error or an
// Echo error is internal (500), and its text is not shown.
func StatusOf(err error) Status {
	var (
		de *domain.Error
		he *echo.HTTPError
	)
	switch {
	case errors.As(err, &de):
		s := Status{Status: statusOf[de.Code], Code: de.Reason, Message: de.Message, Fields: de.Fields}
		if st, ok := reasonStatus[de.Reason]; ok {
			s.Status = st
		}
		if s.Code == "" {
			s.Code = de.Code
		}
		if de.Code == domain.EINTERNAL || s.Status == 0 {
			return internal
		}
		return s
	case errors.As(err, &he):
		return echoStatus(he)
	}
	return internal
}

var internal = Status{Status: http.StatusInternalServerError, Code: domain.EINTERNAL,
	Message: "Something went wrong on our side. It has been logged."}

func echoStatus(he *echo.HTTPError) Status {
	s := Status{Status: he.Code, Echo: true}
	switch he.Code {
	case http.StatusNotFound:
		s.Code, s.Message = "not_found", "There is nothing at this address."
	case http.StatusMethodNotAllowed:
		s.Code, s.Message = domain.ReasonMethodNotAllowed, "This method is not allowed here."
	case http.StatusRequestEntityTooLarge:
		s.Code, s.Message = domain.ReasonBodyTooLarge, "The request body is larger than 64 KiB."
	case http.StatusTooManyRequests:
		s.Code, s.Message = domain.ReasonRateLimited, "Too many requests; please wait a moment."
	default:
		if he.Code >= 500 {
			return internal
		}
		s.Code, s.Message = codeOf(http.StatusText(he.Code)), http.StatusText(he.Code)
	}
	return s
}

// Report logs what a status calls for and sets the headers it needs: an
// internal error is logged with the request id and route pattern (never
// the path, which may hold a token); an unavailable database gets
// Retry-After; a 401 says how to authenticate; a 405 lists HEAD wherever
// GET is allowed (HeadAsGet answers it).
func Report(c echo.Context, log *slog.Logger, s Status, err error) {
	h := c.Response().Header()
	switch s.Status {
	case http.StatusInternalServerError:
		log.LogAttrs(c.Request().Context(), slog.LevelError, "internal error", slog.String("err", err.Error()),
			slog.String("request_id", h.Get(echo.HeaderXRequestID)), slog.String("route", c.Path()))
	case http.StatusServiceUnavailable:
		h.Set("Retry-After", "1")
		log.WarnContext(c.Request().Context(), "unavailable", "err", err.Error(), "route", c.Path())
	case http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Bearer realm="convene"`)
	case http.StatusMethodNotAllowed:
		if allow := h.Get(echo.HeaderAllow); containsToken(allow, http.MethodGet) && !containsToken(allow, http.MethodHead) {
			h.Set(echo.HeaderAllow, allow+", "+http.MethodHead)
		}
	}
}
