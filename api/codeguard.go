package api

import (
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"

	"github.com/convene/convene/domain"
)

// Wrong check-in codes are limited per client address: WrongCodesPerMinute
// wrong codes (self check-in room codes, attendee codes at the door), after
// which the address must wait. Right codes cost nothing, so a room full of
// people on one Wi-Fi, or door staff behind one router, are never slowed
// down by the rush; guessing a code is hopeless either way.
const WrongCodesPerMinute = 10

// wrongCodeKey marks, in the request context, that the handler turned
// down a code.
const wrongCodeKey = "convene.wrong_code"

// markWrongCode records that the request gave a wrong code.
func markWrongCode(c echo.Context) { c.Set(wrongCodeKey, true) }

// codeGuard counts wrong codes per client address.
type codeGuard struct {
	mu      sync.Mutex
	clients map[string]*guardEntry
}

type guardEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

func newCodeGuard() *codeGuard { return &codeGuard{clients: map[string]*guardEntry{}} }

func (g *codeGuard) limiter(ip string, now time.Time) *rate.Limiter {
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

// middleware refuses requests from an address that used up its wrong codes
// (429 with Retry-After), and charges a wrong code when the handler marked
// one.
func (g *codeGuard) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		now := time.Now()
		lim := g.limiter(c.RealIP(), now)
		if lim.TokensAt(now) < 1 {
			r := lim.ReserveN(now, 1)
			wait := r.DelayFrom(now)
			r.CancelAt(now) // only asked how long; nothing taken
			c.Response().Header().Set("Retry-After", strconv.Itoa(max(1, int(wait.Seconds()+0.999))))
			return &domain.Error{Code: domain.ERATELIMITED, Reason: "rate_limited",
				Message: "Too many wrong codes from your address; please wait a minute and try again."}
		}
		err := next(c)
		if wrong, _ := c.Get(wrongCodeKey).(bool); wrong {
			lim.AllowN(now, 1)
		}
		return err
	}
}
