package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/domain"
	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// followLink returns the token of the follow confirmation e-mail to addr,
// as the e-mail job would mint it.
func (te *testEnv) followLink(t testing.TB, addr string) string {
	t.Helper()
	_, raw, err := te.db.LoadFollowConfirmation(context.Background(), mustFollowerID(t, te, addr))
	if err != nil || raw == "" {
		t.Fatalf("LoadFollowConfirmation: token %q, %v", raw, err)
	}
	return raw
}

func TestFollowAPIAndPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		clock := atClock(te, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		slug := "essentials-" + storetest.Unique()
		wantStatus(t, te.do("POST", "/api/v1/groups/"+gid+"/series", tok, seriesBody(slug)), http.StatusCreated)
		u := storetest.Unique()
		grace := "grace-" + u + "@example.org"

		t.Run("ErrBadInput", func(t *testing.T) {
			r := te.do("POST", "/api/v1/public/series/"+slug+"/followers", "", map[string]any{"name": "", "email": "grace@", "mode": "sometimes"})
			wantProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
			if f := strings.Join(fieldsOf(t, r), ","); f != "name,email,mode" {
				t.Fatalf("fields %s", f)
			}
			wantProblem(t, te.do("POST", "/api/v1/public/series/nope-"+u+"/followers", "", map[string]any{"name": "G", "email": grace}), http.StatusNotFound, "series_not_found")
			wantProblem(t, te.do("POST", "/api/v1/public/followers/"+strings.Repeat("x", 43)+"/confirm", "", nil), http.StatusNotFound, "follower_not_found")
		})

		t.Run("FollowConfirmSignsUpThenUnfollow", func(t *testing.T) {
			r := te.do("POST", "/api/v1/public/series/"+slug+"/followers", "", map[string]any{"name": "Grace", "email": grace, "mode": "rsvp"})
			wantStatus(t, r, http.StatusAccepted)
			first := string(r.Body)
			// Asking again answers the same: nothing tells that she asked.
			r = te.do("POST", "/api/v1/public/series/"+slug+"/followers", "", map[string]any{"name": "Grace", "email": grace, "mode": "rsvp"})
			if r.Status != http.StatusAccepted || string(r.Body) != first {
				t.Fatalf("second follow: %d %s", r.Status, r.Body)
			}
			confirm := te.followLink(t, grace)
			r = te.do("POST", "/api/v1/public/followers/"+confirm+"/confirm", "", nil)
			wantStatus(t, r, http.StatusOK)
			if m := r.m(t); m["status"] != "active" || m["mode"] != "rsvp" {
				t.Fatalf("confirmed: %s", r.Body)
			}
			// Signed up for every upcoming occurrence (two seats each).
			pub := te.do("GET", "/api/v1/public/series/"+slug, "", nil).m(t)
			for _, o := range pub["occurrences"].([]any) {
				if left := o.(map[string]any)["seats_left"]; left != float64(1) {
					t.Fatalf("occurrence %v: seats_left %v, want 1 after the follower's sign-up", o, left)
				}
			}
			// Confirming again changes nothing.
			wantStatus(t, te.do("POST", "/api/v1/public/followers/"+confirm+"/confirm", "", nil), http.StatusOK)
			pub = te.do("GET", "/api/v1/public/series/"+slug, "", nil).m(t)
			if left := pub["occurrences"].([]any)[0].(map[string]any)["seats_left"]; left != float64(1) {
				t.Fatalf("seats_left %v after confirming twice", left)
			}
			r = te.do("POST", "/api/v1/public/followers/"+confirm+"/unfollow", "", nil)
			wantStatus(t, r, http.StatusOK)
			if r.m(t)["status"] != "unfollowed" {
				t.Fatalf("unfollow: %s", r.Body)
			}
		})

		t.Run("ExpiredConfirmation", func(t *testing.T) {
			late := "late-" + u + "@example.org"
			wantStatus(t, te.do("POST", "/api/v1/public/series/"+slug+"/followers", "", map[string]any{"name": "Late", "email": late}), http.StatusAccepted)
			confirm := te.followLink(t, late)
			clock.Advance(domain.FollowConfirmWindow + time.Minute)
			t.Cleanup(func() { clock.Advance(-domain.FollowConfirmWindow - time.Minute) })
			wantProblem(t, te.do("POST", "/api/v1/public/followers/"+confirm+"/confirm", "", nil), http.StatusGone, "follow_link_expired")
		})

		t.Run("Pages", func(t *testing.T) {
			pc := newPageClient(t, te)
			p := pc.get("/s/" + slug)
			wantPage(t, p, http.StatusOK)
			for _, want := range []string{"Essentials: what you need to know", "Every 3 months on the third Tuesday, 17:00–18:30 (Europe/Berlin, CET)",
				"Follow this series", "Sign me up for every session", "/api/v1/public/series/" + slug + "/calendar.ics"} {
				if !strings.Contains(p.text(), want) {
					t.Fatalf("series page lacks %q:\n%s", want, p.Body)
				}
			}
			// A bad address is shown next to the field.
			bad := pc.post("/s/"+slug+"/follow", url.Values{"_csrf": {p.csrf(t)}, "name": {"Hedy"}, "email": {"hedy@"}, "mode": {"invite"}})
			wantPage(t, bad, http.StatusUnprocessableEntity)
			if !strings.Contains(bad.Body, `id="email-error"`) {
				t.Fatalf("no field error:\n%s", bad.Body)
			}
			hedy := "hedy-" + u + "@example.org"
			ok := pc.post("/s/"+slug+"/follow", url.Values{"_csrf": {p.csrf(t)}, "name": {"Hedy"}, "email": {hedy}, "mode": {"invite"}})
			wantPage(t, ok, http.StatusOK)
			if !strings.Contains(ok.text(), "we sent a link to "+hedy) {
				t.Fatalf("no check-your-mail notice:\n%s", ok.Body)
			}
			confirm := te.followLink(t, hedy)
			// Opening the link changes nothing; the button confirms.
			fp := pc.get("/follow/" + confirm)
			wantPage(t, fp, http.StatusOK)
			if v, _ := db.FindFollowerByToken(context.Background(), confirm); v.Follower.Status != domain.FollowPending {
				t.Fatalf("opening the link changed the follower: %s", v.Follower.Status)
			}
			done := pc.post("/follow/"+confirm, url.Values{"_csrf": {fp.csrf(t)}})
			wantPage(t, done, http.StatusOK)
			if !strings.Contains(done.text(), "You follow this series") {
				t.Fatalf("confirm page:\n%s", done.Body)
			}
			// A mail client's RFC 8058 one-click POST, with no cookie and
			// no CSRF token, unfollows.
			unfollow, err := db.MintUnfollowToken(context.Background(), mustFollowerID(t, te, hedy))
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("POST", te.srv.URL+"/unfollow/"+unfollow, strings.NewReader("List-Unsubscribe=One-Click"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("one-click unfollow: %d", res.StatusCode)
			}
			if v, _ := db.FindFollowerByToken(context.Background(), unfollow); v.Follower.Status != domain.FollowUnfollowed {
				t.Fatalf("after one-click unfollow: %s", v.Follower.Status)
			}
			up := pc.get("/unfollow/" + unfollow)
			wantPage(t, up, http.StatusOK)
			if !strings.Contains(up.text(), "You no longer follow this series") {
				t.Fatalf("unfollow page:\n%s", up.Body)
			}
			wantPage(t, pc.get("/follow/"+strings.Repeat("x", 43)), http.StatusNotFound)
		})
	})
}

func mustFollowerID(t testing.TB, te *testEnv, addr string) string {
	t.Helper()
	q := `SELECT id FROM series_followers WHERE email_norm = ?`
	if te.db.Dialect() == store.Postgres {
		q = `SELECT id FROM series_followers WHERE email_norm = $1`
	}
	var id string
	if err := te.db.SQL().QueryRow(q, domain.NormalizeEmail(addr)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}
