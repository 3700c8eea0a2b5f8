package ops

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// BenchStaticPath serves, when Config.BenchStatic is set, the bytes of a
// group's feed as a static response: the baseline that convene-bench
// compares the real feed with. It does not exist otherwise.
const BenchStaticPath = "/bench/static.ics"

// benchFeed is one group feed as the service answered it the first time
// it was asked for.
type benchFeed struct {
	status int
	header http.Header
	body   []byte
}

// benchStatic holds the captured feeds by group slug.
type benchStatic struct {
	mu    sync.Mutex
	feeds map[string]*benchFeed
}

func (s *Server) benchRoutes(e *echo.Echo) {
	if !s.cfg.BenchStatic || s.cfg.Site == nil {
		return
	}
	b := &benchStatic{feeds: map[string]*benchFeed{}}
	e.GET(BenchStaticPath, func(c echo.Context) error { return s.serveBenchStatic(c, b) })
}

// serveBenchStatic answers GET /bench/static.ics?group=SLUG. The first
// request for a group asks the service for the real feed and keeps its
// answer; every request then gets those bytes and headers from memory,
// 304 when If-None-Match names the ETag, with no database work and no
// encoding.
func (s *Server) serveBenchStatic(c echo.Context, b *benchStatic) error {
	slug := c.QueryParam("group")
	b.mu.Lock()
	f := b.feeds[slug]
	b.mu.Unlock()
	if f == nil {
		rec := httptest.NewRecorder()
		req := c.Request().Clone(c.Request().Context())
		req.URL = &url.URL{Path: "/api/v1/public/groups/" + url.PathEscape(slug) + "/calendar.ics"}
		req.RequestURI = req.URL.Path
		req.Header.Del("If-None-Match")
		req.Header.Del("If-Modified-Since")
		s.cfg.Site.ServeHTTP(rec, req)
		f = &benchFeed{status: rec.Code, header: rec.Header().Clone(), body: rec.Body.Bytes()}
		b.mu.Lock()
		b.feeds[slug] = f
		b.mu.Unlock()
	}
	h := c.Response().Header()
	for k, v := range f.header {
		h[k] = v
	}
	etag := f.header.Get("ETag")
	for _, t := range strings.Split(c.Request().Header.Get("If-None-Match"), ",") {
		if etag != "" && strings.TrimSpace(t) == etag {
			h.Del("Content-Type")
			h.Del("Content-Disposition")
			return c.NoContent(http.StatusNotModified)
		}
	}
	return c.Blob(f.status, f.header.Get("Content-Type"), f.body)
}
