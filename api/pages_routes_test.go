package api

import (
	"slices"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/convene/convene/domain"
)

// TestPageRoutesAreNotTheAPI pins the HTML pages' routes. They serve
// people, answer with HTML and are not in openapi.yaml; isPagePath tells
// them apart from the JSON API, whose routes must all be documented.
func TestPageRoutesAreNotTheAPI(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+path] = true
		}
	}
	s, err := New(nil, Config{Clock: domain.SystemClock})
	if err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, r := range s.Echo().Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		k := r.Method + " " + echoPath(r.Path)
		switch {
		case isPagePath(r.Path):
			pages = append(pages, k)
			if documented[k] {
				t.Errorf("page route %s is in openapi.yaml, which documents the JSON API only", k)
			}
		case !documented[k]:
			t.Errorf("route %s is neither a page nor in openapi.yaml", k)
		}
	}
	for k := range documented {
		if _, path, _ := strings.Cut(k, " "); isPagePath(path) {
			t.Errorf("openapi.yaml documents %s under a page prefix", k)
		}
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
