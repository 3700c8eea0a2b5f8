package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// headFixture is a world in which most GET routes answer 200: an
// organiser's group with a published event that has an RSVP, an
// invitation and a door link, a series with a follower, and a group whose
// event is over with its contribution records.
type headFixture struct {
	tok                       string
	gid, groupSlug, eid, slug string
	sid, seriesSlug           string
	manage, invitation, door  string
	follow, unfollow          string
	contribution              string
}

func newHeadFixture(t *testing.T, te *testEnv) headFixture {
	t.Helper()
	ctx := context.Background()
	u := storetest.Unique()
	c := newContribFixture(t, te) // an event that is over, with records
	f := headFixture{tok: c.ownerTok, gid: c.s.Group.ID, groupSlug: c.s.Group.Slug}
	items, _ := c.groupExport(t, te, "")
	f.contribution = items[0].ID
	f.eid, f.slug = te.event(f.tok, f.gid, 10, true)
	r := te.do("POST", "/api/v1/public/events/"+f.slug+"/rsvps", "", map[string]any{"name": "Grace Hopper", "email": "grace-" + u + "@example.org"})
	wantStatus(t, r, http.StatusCreated)
	var err error
	if f.manage, err = te.db.MintManageToken(ctx, r.m(t)["id"].(string)); err != nil {
		t.Fatal(err)
	}
	invitee := "ivy-" + u + "@example.org"
	wantStatus(t, te.do("POST", "/api/v1/events/"+f.eid+"/invitations", f.tok, map[string]any{
		"recipients": []map[string]any{{"email": invitee, "name": "Ivy"}}}), http.StatusCreated)
	f.invitation = te.invitationLink(t, f.tok, f.eid, invitee)
	r = te.do("POST", "/api/v1/events/"+f.eid+"/door-links", f.tok, nil)
	wantStatus(t, r, http.StatusCreated)
	f.door = r.m(t)["token"].(string)
	_, start := biEventBase(te)
	f.seriesSlug = "s-" + u
	r = te.do("POST", "/api/v1/groups/"+f.gid+"/series", f.tok, map[string]any{
		"slug": f.seriesSlug, "title": "Essentials", "kind": "live_session", "rrule": "FREQ=WEEKLY",
		"starts_at": start.Format(time.RFC3339), "duration": "PT1H", "time_zone": "Europe/Oslo",
		"online_url": "https://meet.example.org/essentials",
	})
	wantStatus(t, r, http.StatusCreated)
	f.sid = r.m(t)["id"].(string)
	follower := "fay-" + u + "@example.org"
	wantStatus(t, te.do("POST", "/api/v1/public/series/"+f.seriesSlug+"/followers", "", map[string]any{
		"name": "Fay", "email": follower, "mode": "invite"}), http.StatusAccepted)
	f.follow = te.followLink(t, follower)
	if f.unfollow, err = te.db.MintUnfollowToken(ctx, mustFollowerID(t, te, follower)); err != nil {
		t.Fatal(err)
	}
	return f
}

// value is what a route parameter stands for under a route; anything the
// fixture does not know gets a made-up value (and both methods a 404).
func (f headFixture) value(route, param string) string {
	switch param {
	case "id":
		switch {
		case strings.HasPrefix(route, "/api/v1/events/"):
			return f.eid
		case strings.HasPrefix(route, "/api/v1/groups/"):
			return f.gid
		case strings.HasPrefix(route, "/api/v1/series/"):
			return f.sid
		case strings.HasPrefix(route, "/api/v1/public/contributions/"), strings.HasPrefix(route, "/v/"):
			return f.contribution
		}
	case "slug":
		switch {
		case strings.Contains(route, "/events/"), strings.HasPrefix(route, "/e/"):
			return f.slug
		case strings.Contains(route, "/groups/"), strings.HasPrefix(route, "/g/"):
			return f.groupSlug
		case strings.Contains(route, "/series/"), strings.HasPrefix(route, "/s/"):
			return f.seriesSlug
		}
	case "token":
		switch {
		case strings.HasPrefix(route, "/api/v1/rsvps/"), strings.HasPrefix(route, "/r/"), strings.HasPrefix(route, "/j/"),
			strings.HasPrefix(route, "/c/"), strings.HasPrefix(route, "/f/"):
			return f.manage
		case strings.Contains(route, "/invitations/"), strings.HasPrefix(route, "/i/"):
			return f.invitation
		case strings.HasPrefix(route, "/door/"):
			return f.door
		case strings.HasPrefix(route, "/follow/"):
			return f.follow
		case strings.HasPrefix(route, "/unfollow/"):
			return f.unfollow
		}
	case "name":
		return "convene.css"
	}
	return "no-such-" + param
}

// TestHeadOnEveryGetRoute: HEAD answers on every GET route Echo has — the
// JSON API, the pages, feeds, health and metrics — with the GET's status
// and headers and no body, where it used to be 405 (monitors and link
// checkers ask with HEAD). Headers that differ between two GETs (Date, the
// request id, a fresh form token) only have to be there.
func TestHeadOnEveryGetRoute(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		f := newHeadFixture(t, te)
		te.api.cfg.AdminEmail = te.biGet(t, "/api/v1/me", f.tok)["email"].(string)
		send := func(method, path string) (int, http.Header, []byte) {
			t.Helper()
			req, err := http.NewRequest(method, te.srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+f.tok)
			client := *te.srv.Client()
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			return res.StatusCode, res.Header, b
		}

		var routes []string
		for _, r := range te.routes() {
			if r.Method == http.MethodGet && !slices.Contains(routes, r.Path) {
				routes = append(routes, r.Path)
			}
		}
		slices.Sort(routes)
		ok := 0
		for _, route := range routes {
			parts := strings.Split(route, "/")
			for i, p := range parts {
				if name, found := strings.CutPrefix(p, ":"); found {
					parts[i] = f.value(route, name)
				} else if p == "*" {
					parts[i] = "no-such-path"
				}
			}
			path := strings.Join(parts, "/")
			t.Run(strings.TrimPrefix(route, "/"), func(t *testing.T) {
				st1, h1, b1 := send(http.MethodGet, path)
				st, h, body := send(http.MethodHead, path)
				st2, h2, b2 := send(http.MethodGet, path)
				// A body that changes from one GET to the next (a time in
				// it) may change the length on the HEAD between them too.
				bodyChanges := !bytes.Equal(b1, b2)
				if st == http.StatusMethodNotAllowed || st != st1 || st1 != st2 {
					t.Fatalf("HEAD %s: %d; GET: %d, then %d", path, st, st1, st2)
				}
				if len(body) != 0 {
					t.Errorf("HEAD %s sent a body of %d bytes", path, len(body))
				}
				for name := range mergeKeys(h1, h, h2) {
					a, b := h1.Values(name), h2.Values(name)
					if bodyChanges && (name == "Content-Length" || name == "Etag") {
						if (len(h.Values(name)) > 0) != (len(a) > 0) {
							t.Errorf("HEAD %s: %s %q, GET %q", path, name, h.Values(name), a)
						}
						continue
					}
					switch {
					case slices.Equal(a, b) && !slices.Equal(h.Values(name), a):
						t.Errorf("HEAD %s: %s %q, GET %q", path, name, h.Values(name), a)
					case len(a) > 0 && len(b) > 0 && len(h.Values(name)) == 0:
						t.Errorf("HEAD %s lacks %s (GET: %q)", path, name, a)
					case len(a) == 0 && len(b) == 0 && len(h.Values(name)) > 0:
						t.Errorf("HEAD %s has %s %q, which GET has not", path, name, h.Values(name))
					}
				}
				// A console page's real answer to a client without a
				// session is the way to the sign-in page (the console's
				// own tests sign in: web.TestConsoleAccess).
				if st == http.StatusOK || (strings.HasPrefix(route, "/manage") && st == http.StatusSeeOther) {
					ok++
				} else {
					t.Logf("GET and HEAD %s: %d", route, st)
				}
			})
		}
		// The fixture reaches most routes for real, not only their 404.
		if len(routes) < 40 || ok < len(routes)*3/4 {
			t.Errorf("%d GET routes, %d of them answered 200", len(routes), ok)
		}
		// Routes without GET still refuse HEAD; where GET is allowed, the
		// Allow of a 405 says HEAD too.
		if st, _, _ := send(http.MethodHead, "/api/v1/public/confirmations/x"); st != http.StatusMethodNotAllowed {
			t.Errorf("HEAD on a POST-only route: %d, want 405", st)
		}
		for _, path := range []string{"/api/v1/events/" + f.eid, "/e/" + f.slug} {
			st, h, _ := send(http.MethodPut, path)
			if allow := h.Get("Allow"); st != http.StatusMethodNotAllowed || !strings.Contains(allow, "GET") || !strings.Contains(allow, "HEAD") {
				t.Errorf("PUT %s: %d, Allow %q; want 405 allowing GET and HEAD", path, st, allow)
			}
		}
	})
}

// mergeKeys returns the header names of all of hs.
func mergeKeys(hs ...http.Header) map[string]bool {
	keys := map[string]bool{}
	for _, h := range hs {
		for k := range h {
			keys[k] = true
		}
	}
	return keys
}
