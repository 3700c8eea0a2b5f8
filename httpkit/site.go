package httpkit

import (
	"net/http"
	"strings"
)

// Part is one part of the service on the shared address: the paths it
// answers (a path ending in "/" is a prefix) and its handler.
type Part struct {
	Paths   []string
	Handler http.Handler
}

// Join puts the parts of the service on one address: a request goes to
// the first part with a path that matches it, and to fallback (the
// website, whose 404 page is for people) when none does. HEAD is answered
// on every GET route (HeadAsGet).
func Join(fallback http.Handler, parts ...Part) http.Handler {
	return HeadAsGet(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		for _, part := range parts {
			for _, m := range part.Paths {
				if p == m || strings.HasSuffix(m, "/") && (strings.HasPrefix(p, m) || p == strings.TrimSuffix(m, "/")) {
					part.Handler.ServeHTTP(w, r)
					return
				}
			}
		}
		fallback.ServeHTTP(w, r)
	}))
}
