package httpkit

import (
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"github.com/convene/convene/domain"
)

// RateLimit limits a route's requests per client IP with a token bucket
// (x/time/rate, through Echo's limiter): perMinute a minute, in bursts of
// as many; zero or less is no limit. Limited requests get 429 with
// Retry-After. Each call makes a limiter of its own.
func RateLimit(perMinute int) echo.MiddlewareFunc {
	if perMinute <= 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	retryAfter := max(1, (60+perMinute-1)/perMinute)
	limited := func(c echo.Context) error {
		c.Response().Header().Set("Retry-After", strconv.Itoa(retryAfter))
		return &domain.Error{Code: domain.ERATELIMITED, Reason: domain.ReasonRateLimited, Message: "Too many requests from your address; please wait a moment and try again."}
	}
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler:        func(c echo.Context, err error) error { return limited(c) },
		DenyHandler:         func(c echo.Context, _ string, _ error) error { return limited(c) },
	})
}

// Wrong check-in codes are limited per client address: WrongCodesPerMinute
// wrong codes (self check-in room codes, attendee codes at the door), after
// which the address must wait. Right codes cost nothing, so a room full of
// people on one Wi-Fi, or door staff behind one router, are never slowed
// down by the rush; guessing a code is hopeless either way.
const WrongCodesPerMinute = 10

// wrongCodeKey marks, in the request context, that the handler turned
// down a code.
const wrongCodeKey = "convene.wrong_code"

// WrongCode records that the request gave a wrong code.
func WrongCode(c echo.Context) { c.Set(wrongCodeKey, true) }

// CodeGuard counts wrong codes per client address. The JSON API and the
// pages share one, so that switching between them buys no more guesses.
// Its limiters measure elapsed time on the machine's clock, not dates.
type CodeGuard struct {
	mu      sync.Mutex
	clients map[string]*guardEntry
}

type guardEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewCodeGuard returns an empty guard.
func NewCodeGuard() *CodeGuard { return &CodeGuard{clients: map[string]*guardEntry{}} }

func (g *CodeGuard) limiter(ip string, now time.Time) *rate.Limiter {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.clients) > 10_000 { // forget addresses not seen for ten minutes
		for k, e := range g.clients {
			if now.Sub(e.seen) > 10*time.Minute {
				delete(g.clients, k)
			}
		}
	}
	e, ok := g.clients[ip]
	if !ok {
		e = &guardEntry{lim: rate.NewLimiter(rate.Limit(float64(WrongCodesPerMinute)/60), WrongCodesPerMinute)}
		g.clients[ip] = e
	}
	e.seen = now
	return e.lim
}

// Middleware refuses requests from an address that used up its wrong
// codes (429 with Retry-After), and charges a wrong code when the handler
// marked one (WrongCode).
func (g *CodeGuard) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		now := time.Now()
		lim := g.limiter(c.RealIP(), now)
		if lim.TokensAt(now) < 1 {
			r := lim.ReserveN(now, 1)
			wait := r.DelayFrom(now)
			r.CancelAt(now) // only asked how long; nothing taken
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
			return &domain.Error{Code: domain.ERATELIMITED, Reason: domain.ReasonRateLimited,
				Message: "Too many wrong codes from your address; please wait a minute and try again."}
		}
		err := next(c)
		if wrong, _ := c.Get(wrongCodeKey).(bool); wrong {
			lim.AllowN(now, 1)
		}
		return err
	}
}
