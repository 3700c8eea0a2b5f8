package api

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// slugEvent creates a meetup a week ahead in the group (a live session
// with online), with the slug (none when ""), and publishes it if asked; it
// returns the answer's id and slug.
func slugEvent(t *testing.T, te *testEnv, tok, gid, title, slug string, publish bool, online ...bool) (id, got string) {
	t.Helper()
	start := te.now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour)
	body := map[string]any{
		"title": title, "kind": "meetup", "venue": map[string]any{"name": "Community Hall"},
		"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339),
	}
	if len(online) > 0 && online[0] {
		body["kind"], body["online_url"] = "live_session", "https://meet.example.org/"+storetest.Unique()
		delete(body, "venue")
	}
	if slug != "" {
		body["slug"] = slug
	}
	r := te.do("POST", "/api/v1/groups/"+gid+"/events", tok, body)
	wantStatus(t, r, http.StatusCreated)
	m := r.m(t)
	id, got = m["id"].(string), m["slug"].(string)
	if publish {
		r := te.do("POST", "/api/v1/events/"+id+"/publish", tok, nil)
		wantStatus(t, r, http.StatusOK)
		got = r.m(t)["slug"].(string)
	}
	return id, got
}

// TestSlugsArePermanent (issue 13, point 6): a published event keeps every
// slug it had — old links redirect (pages) or answer for it (public API,
// RSVPs, calendar) — and no other event can take one over, so links in
// sent e-mails, invites and signed records never lead to someone else.
func TestSlugsArePermanent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, aTok := te.organiser("Ada")
		_, bTok := te.organiser("Bob")
		ga, gb := te.group(aTok), te.group(bTok)
		u := storetest.Unique()
		old, cur := "launch-"+u, "launch-"+u+"-v2"
		id, _ := slugEvent(t, te, aTok, ga, "Launch", old, true, true)
		r := te.do("POST", "/api/v1/public/events/"+old+"/rsvps", "", map[string]any{"name": "Grace", "email": "grace-" + u + "@example.org"})
		wantStatus(t, r, http.StatusCreated)
		grace := r.m(t)["manage_token"].(string)

		r = te.do("PATCH", "/api/v1/events/"+id, aTok, map[string]any{"slug": cur})
		wantStatus(t, r, http.StatusOK)
		if m := r.m(t); m["slug"] != cur || !strings.HasSuffix(m["public_url"].(string), "/e/"+cur) {
			t.Fatalf("after the slug change: %s", r.Body)
		}
		pc := newPageClient(t, te)

		t.Run("OldLinksLeadToTheEvent", func(t *testing.T) {
			p := pc.get("/e/" + old + "?utm_source=mail")
			if p.Status != http.StatusMovedPermanently || p.Header.Get("Location") != "/e/"+cur+"?utm_source=mail" {
				t.Fatalf("GET /e/%s: %d to %q, want 301 to /e/%s", old, p.Status, p.Header.Get("Location"), cur)
			}
			wantPage(t, pc.get("/e/"+cur), http.StatusOK)
			// A personal link made with the old slug still means the event.
			for _, q := range []string{"", "?event=" + old, "?event=" + cur} {
				if j := pc.get("/j/" + grace + q); j.Status != http.StatusOK || !strings.Contains(j.text(), "The session has not started yet") {
					t.Fatalf("/j/{token}%s: %d\n%s", q, j.Status, j.Body)
				}
			}
			if m := te.biGet(t, "/api/v1/public/events/"+old, ""); m["slug"] != cur || m["title"] != "Launch" {
				t.Fatalf("public event by its old slug: %v", m)
			}
			r := te.do("GET", "/api/v1/public/events/"+old+"/calendar.ics", "", nil)
			wantStatus(t, r, http.StatusOK)
			if !strings.Contains(string(r.Body), "/e/"+cur) {
				t.Fatalf("calendar by the old slug does not link the event:\n%s", r.Body)
			}
			// An RSVP through an old link is an RSVP to the event.
			wantStatus(t, te.do("POST", "/api/v1/public/events/"+old+"/rsvps", "", map[string]any{"name": "Linus", "email": "linus-" + u + "@example.org"}), http.StatusCreated)
			if going, _ := counts(te, aTok, id); going != 2 {
				t.Fatalf("%d going, want 2", going)
			}
		})

		t.Run("NobodyTakesThemOver", func(t *testing.T) {
			for _, s := range []string{old, cur} {
				r := te.do("POST", "/api/v1/groups/"+gb+"/events", bTok, map[string]any{
					"title": "Takeover", "kind": "meetup", "slug": s, "venue": map[string]any{"name": "Elsewhere"},
					"starts_at": te.now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "ends_at": te.now().Add(50 * time.Hour).UTC().Format(time.RFC3339),
				})
				wantProblem(t, r, http.StatusConflict, "slug_taken")
				bid, _ := slugEvent(t, te, bTok, gb, "Takeover", "", true)
				wantProblem(t, te.do("PATCH", "/api/v1/events/"+bid, bTok, map[string]any{"slug": s}), http.StatusConflict, "slug_taken")
				// Nor another event of the same group.
				aid, _ := slugEvent(t, te, aTok, ga, "Second", "", false)
				wantProblem(t, te.do("PATCH", "/api/v1/events/"+aid, aTok, map[string]any{"slug": s}), http.StatusConflict, "slug_taken")
			}
			if m := te.biGet(t, "/api/v1/public/events/"+old, ""); m["title"] != "Launch" {
				t.Fatalf("the old slug leads elsewhere: %v", m)
			}
		})

		t.Run("BackToAnOldSlug", func(t *testing.T) {
			r := te.do("PATCH", "/api/v1/events/"+id, aTok, map[string]any{"slug": old})
			wantStatus(t, r, http.StatusOK)
			p := pc.get("/e/" + cur)
			if p.Status != http.StatusMovedPermanently || p.Header.Get("Location") != "/e/"+old {
				t.Fatalf("GET /e/%s after going back: %d to %q", cur, p.Status, p.Header.Get("Location"))
			}
			wantPage(t, pc.get("/e/"+old), http.StatusOK)
		})
	})
}

// TestDraftSlugsAreInvisible (issue 13, point 6): another group's drafts
// neither block a slug nor shape one made from a title, so nobody can
// probe them; a draft gets its slug when it is published — a variant of
// one made from its title if that was taken meanwhile, a conflict for its
// own group if its chosen slug was.
func TestDraftSlugsAreInvisible(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, aTok := te.organiser("Ada")
		_, bTok := te.organiser("Bob")
		ga, gb := te.group(aTok), te.group(bTok)
		u := storetest.Unique()
		secret, title := "secret-"+u, "Secret plans "+u
		aChosen, _ := slugEvent(t, te, aTok, ga, "Chosen", secret, false)
		aMade, aSlug := slugEvent(t, te, aTok, ga, title, "", false)
		if aSlug != "secret-plans-"+u {
			t.Fatalf("slug made from the title: %q", aSlug)
		}
		wantProblem(t, te.do("GET", "/api/v1/public/events/"+secret, "", nil), http.StatusNotFound, "event_not_found")

		// B learns nothing of A's drafts: the chosen slug is available and
		// the title gives the same slug as if A's draft did not exist.
		bChosen, got := slugEvent(t, te, bTok, gb, "Mine", secret, false)
		if got != secret {
			t.Fatalf("B's draft slug %q, want %q", got, secret)
		}
		bMade, got := slugEvent(t, te, bTok, gb, title, "", false)
		if got != aSlug {
			t.Fatalf("B's slug made from the title %q, want %q (as if A's draft did not exist)", got, aSlug)
		}
		// Within a group, drafts do keep their slugs apart.
		r := te.do("POST", "/api/v1/groups/"+ga+"/events", aTok, map[string]any{
			"title": "Again", "kind": "meetup", "slug": secret, "venue": map[string]any{"name": "Hall"},
			"starts_at": te.now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "ends_at": te.now().Add(50 * time.Hour).UTC().Format(time.RFC3339),
		})
		wantProblem(t, r, http.StatusConflict, "slug_taken")

		// B publishes first and gets both slugs.
		for id, want := range map[string]string{bChosen: secret, bMade: aSlug} {
			r := te.do("POST", "/api/v1/events/"+id+"/publish", bTok, nil)
			wantStatus(t, r, http.StatusOK)
			if r.m(t)["slug"] != want {
				t.Fatalf("B's published slug %v, want %s", r.m(t)["slug"], want)
			}
		}
		// A's chosen slug was taken meanwhile: A is told, at publish, and
		// the draft stays a draft until A chooses another.
		m := wantProblem(t, te.do("POST", "/api/v1/events/"+aChosen+"/publish", aTok, nil), http.StatusConflict, "slug_taken")
		if errs, _ := m["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "slug" {
			t.Fatalf("publish conflict without the slug field: %v", m)
		}
		if e := te.biGet(t, "/api/v1/events/"+aChosen, aTok); e["status"] != "draft" || e["slug"] != secret {
			t.Fatalf("A's draft after the refused publish: %v", e)
		}
		wantStatus(t, te.do("PATCH", "/api/v1/events/"+aChosen, aTok, map[string]any{"slug": secret + "-a"}), http.StatusOK)
		r = te.do("POST", "/api/v1/events/"+aChosen+"/publish", aTok, nil)
		wantStatus(t, r, http.StatusOK)
		if r.m(t)["slug"] != secret+"-a" {
			t.Fatalf("A's published slug: %s", r.Body)
		}
		// A's slug made from the title takes a free variant.
		r = te.do("POST", "/api/v1/events/"+aMade+"/publish", aTok, nil)
		wantStatus(t, r, http.StatusOK)
		if s := r.m(t)["slug"].(string); s == aSlug || !strings.HasPrefix(s, aSlug+"-") {
			t.Fatalf("A's made slug published as %q", s)
		}
		if m := te.biGet(t, "/api/v1/public/events/"+aSlug, ""); m["title"] != title || m["group"].(map[string]any)["slug"] == nil {
			t.Fatalf("the title's slug leads to %v", m)
		}
	})
}

// TestSeriesDatesCannotBeSquatted (issue 13, point 6): {series}-{date} is
// the series' alone, whoever asks and whenever; and a series cannot be
// made whose dates events already have.
func TestSeriesDatesCannotBeSquatted(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		_, aTok := te.organiser("Ada")
		_, bTok := te.organiser("Bob")
		ga, gb := te.group(aTok), te.group(bTok)
		u := storetest.Unique()
		series := "weekly-" + u
		first := te.now().Add(7 * 24 * time.Hour).UTC().Truncate(24 * time.Hour).Add(17 * time.Hour)
		r := te.do("POST", "/api/v1/groups/"+ga+"/series", aTok, map[string]any{
			"slug": series, "title": "Weekly", "kind": "live_session", "rrule": "FREQ=WEEKLY",
			"starts_at": first.Format(time.RFC3339), "duration": "PT1H", "time_zone": "UTC", "online_url": "https://meet.example.org/weekly",
		})
		wantStatus(t, r, http.StatusCreated)
		// Ten weeks on: not made yet (four ahead).
		later := series + "-" + first.Add(70*24*time.Hour).Format("2006-01-02")
		for _, s := range []string{later, later + "-2", later + "-evening"} {
			for _, who := range []struct{ tok, gid string }{{bTok, gb}, {aTok, ga}} {
				r := te.do("POST", "/api/v1/groups/"+who.gid+"/events", who.tok, map[string]any{
					"title": "Squat", "kind": "meetup", "slug": s, "venue": map[string]any{"name": "Hall"},
					"starts_at": te.now().Add(48 * time.Hour).UTC().Format(time.RFC3339), "ends_at": te.now().Add(50 * time.Hour).UTC().Format(time.RFC3339),
				})
				wantProblem(t, r, http.StatusConflict, "slug_taken")
				id, _ := slugEvent(t, te, who.tok, who.gid, "Squat", "", true)
				wantProblem(t, te.do("PATCH", "/api/v1/events/"+id, who.tok, map[string]any{"slug": s}), http.StatusConflict, "slug_taken")
			}
		}
		// The occurrences of the series have their dates.
		for i, o := range te.biGet(t, "/api/v1/public/series/"+series, "")["occurrences"].([]any) {
			want := series + "-" + first.Add(time.Duration(i)*7*24*time.Hour).Format("2006-01-02")
			if s := o.(map[string]any)["slug"]; s != want {
				t.Fatalf("occurrence %d: slug %v, want %s", i, s, want)
			}
		}

		// An event already has a date of "fest-…": no series may be "fest-…".
		fest := "fest-" + u
		slugEvent(t, te, bTok, gb, "Fest", fest+"-2031-05-01", true)
		body := map[string]any{
			"slug": fest, "title": "Fest", "kind": "live_session", "rrule": "FREQ=WEEKLY",
			"starts_at": first.Format(time.RFC3339), "duration": "PT1H", "time_zone": "UTC", "online_url": "https://meet.example.org/fest",
		}
		wantProblem(t, te.do("POST", "/api/v1/groups/"+ga+"/series", aTok, body), http.StatusConflict, "slug_taken")
		body["slug"] = fest + "-x"
		wantStatus(t, te.do("POST", "/api/v1/groups/"+ga+"/series", aTok, body), http.StatusCreated)
	})
}

// TestSameTitleAtOnce (issue 13, point 6): events created at the same
// moment with the same title and no slug all succeed with slugs of their
// own — drafts of one group, and events of several groups published at
// once — instead of a 409 for a slug nobody chose. It matters on
// PostgreSQL, whose transactions run side by side.
func TestSameTitleAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		const n = 8
		start := te.now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Hour)
		body := func(title string) map[string]any {
			return map[string]any{"title": title, "kind": "meetup", "venue": map[string]any{"name": "Hall"},
				"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339)}
		}
		// at runs fn n times at once and returns the slugs it gave.
		at := func(t *testing.T, fn func(i int) (int, string, string)) []string {
			t.Helper()
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				slugs []string
				fails []string
				ready = make(chan struct{})
			)
			for i := range n {
				wg.Go(func() {
					<-ready
					status, slug, raw := fn(i)
					mu.Lock()
					defer mu.Unlock()
					if status >= 300 {
						fails = append(fails, fmt.Sprintf("%d %s", status, raw))
					}
					slugs = append(slugs, slug)
				})
			}
			close(ready)
			wg.Wait()
			if len(fails) > 0 {
				t.Fatalf("%d of %d refused: %s", len(fails), n, strings.Join(fails, "; "))
			}
			seen := map[string]bool{}
			for _, s := range slugs {
				if seen[s] {
					t.Fatalf("two events got slug %q: %q", s, slugs)
				}
				seen[s] = true
			}
			return slugs
		}
		for round := range 3 {
			title := fmt.Sprintf("Monthly meetup %s %d", storetest.Unique(), round)
			t.Run(fmt.Sprintf("OneGroup%d", round), func(t *testing.T) {
				_, tok := te.organiser("Ada")
				gid := te.group(tok)
				at(t, func(int) (int, string, string) {
					r := te.do("POST", "/api/v1/groups/"+gid+"/events", tok, body(title))
					slug, _ := r.m(t)["slug"].(string)
					return r.Status, slug, string(r.Body)
				})
			})
			t.Run(fmt.Sprintf("ManyGroupsPublished%d", round), func(t *testing.T) {
				type org struct{ tok, gid string }
				orgs := make([]org, n)
				for i := range orgs {
					_, tok := te.organiser("Ada")
					orgs[i] = org{tok, te.group(tok)}
				}
				slugs := at(t, func(i int) (int, string, string) {
					r := te.do("POST", "/api/v1/groups/"+orgs[i].gid+"/events", orgs[i].tok, body(title))
					if r.Status != http.StatusCreated {
						return r.Status, "", string(r.Body)
					}
					r = te.do("POST", "/api/v1/events/"+r.m(t)["id"].(string)+"/publish", orgs[i].tok, nil)
					slug, _ := r.m(t)["slug"].(string)
					return r.Status, slug, string(r.Body)
				})
				// Each slug leads to its own event.
				for _, s := range slugs {
					if m := te.biGet(t, "/api/v1/public/events/"+s, ""); m["slug"] != s {
						t.Fatalf("/public/events/%s answers %v", s, m)
					}
				}
			})
		}
	})
}
