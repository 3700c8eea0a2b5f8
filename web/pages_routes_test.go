package web

import (
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// TestPageRoutes pins the attendee pages' routes. They serve people and answer
// with HTML; every one lives under a page prefix (isPagePath), which is
// how the site tells them from the JSON API's, and none is in the API's
// openapi.yaml (the API's own tests check its routes against it).
func TestPageRoutes(t *testing.T) {
	s, err := New(nil, Config{Clock: domain.SystemClock})
	if err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, r := range s.Echo().Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		if !isPagePath(r.Path) {
			t.Errorf("route %s %s is not under a page prefix", r.Method, r.Path)
		}
		if strings.HasPrefix(r.Path, consolePrefix) {
			continue // the console's routes are pinned by TestConsoleAccess
		}
		pages = append(pages, r.Method+" "+echoPath(r.Path))
	}
	slices.Sort(pages)
	want := []string{
		"GET /c/{token}", "GET /door/{token}", "GET /e/{slug}", "GET /f/{token}", "GET /follow/{token}", "GET /g/{slug}", "GET /i/{token}",
		"GET /i/{token}/rsvp", "GET /j/{token}", "GET /r/{token}", "GET /r/{token}/cancel", "GET /r/{token}/erase", "GET /s/{slug}",
		"GET /static/{name}", "GET /unfollow/{token}", "GET /v/{id}",
		"POST /c/{token}", "POST /door/{token}/checkin", "POST /door/{token}/undo", "POST /door/{token}/walkin",
		"POST /e/{slug}/rsvp", "POST /f/{token}", "POST /follow/{token}", "POST /i/{token}/accept", "POST /i/{token}/decline",
		"POST /i/{token}/rsvp",
		"POST /r/{token}/cancel", "POST /r/{token}/checkin", "POST /r/{token}/erase", "POST /r/{token}/reconfirm", "POST /s/{slug}/follow", "POST /unfollow/{token}",
	}
	if !slices.Equal(pages, want) {
		t.Errorf("page routes %q, want %q", pages, want)
	}
}

// echoPath writes an Echo route path (/e/:slug) as OpenAPI would (/e/{slug}).
func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, seg := range parts {
		if name, ok := strings.CutPrefix(seg, ":"); ok {
			parts[i] = "{" + name + "}"
		}
	}
	return strings.Join(parts, "/")
}
