package httpkit

import (
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// IPExtractor returns how the client IP is found: the TCP peer, unless
// trusted proxies are configured, in which case X-Forwarded-For is read
// from right to left and the first untrusted address is the client.
func IPExtractor(trusted []string) (echo.IPExtractor, error) {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect(), nil
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, t := range trusted {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if !strings.Contains(t, "/") {
			if ip := net.ParseIP(t); ip != nil && ip.To4() != nil {
				t += "/32"
			} else {
				t += "/128"
			}
		}
		_, n, err := net.ParseCIDR(t)
		if err != nil {
			return nil, &domain.Error{Code: domain.EINVALID, Message: "CONVENE_TRUSTED_PROXIES: " + t + " is not an IP address or CIDR range"}
		}
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...), nil
}

// inForeground tells fg a request is in flight, so that e-mail work gives
// way to it. (The operations part is built without one: scrapes and
// profiles are not requests anyone waits on, and a 30-second profile would
// otherwise slow the e-mails it means to measure.)
func inForeground(fg Foreground) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			defer fg.Begin()()
			return next(c)
		}
	}
}

// limitBody refuses bodies over a route's limit before they are read.
func limitBody(limitOf func(route string) int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			limit := limitOf(c.Path())
			if r.ContentLength > limit {
				return ErrTooLarge(limit)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, limit)
			return next(c)
		}
	}
}

// ErrTooLarge is the error of a request body over limit bytes.
func ErrTooLarge(limit int64) error {
	return &domain.Error{Code: domain.ETOOLARGE, Reason: domain.ReasonBodyTooLarge,
		Message: "The request body is larger than " + strconv.FormatInt(limit>>10, 10) + " KiB."}
}

func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// logRequests writes one structured line per request. It logs the route
// pattern, never the raw path: paths can hold tokens.
func logRequests(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			route := c.Path()
			if route == "" {
				route = "(no route)"
			}
			method := c.Request().Method
			if IsHead(c.Request()) {
				method = http.MethodHead
			}
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
				slog.String("method", method),
				slog.String("route", route),
				slog.Int("status", c.Response().Status),
				slog.Int64("bytes", c.Response().Size),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
			)
			return nil
		}
	}
}

// containsToken reports whether a comma-separated header value lists tok.
func containsToken(list, tok string) bool {
	for _, t := range strings.Split(list, ",") {
		if strings.TrimSpace(t) == tok {
			return true
		}
	}
	return false
}

// codeOf turns an HTTP status text into a code: "Not Found" → "not_found".
func codeOf(text string) string { return strings.ToLower(strings.ReplaceAll(text, " ", "_")) }
