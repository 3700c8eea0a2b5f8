package api

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/convene/convene/store"
	"github.com/convene/convene/store/storetest"
)

// TestEraseAcrossSeriesPages: on an occurrence of a series, the erase page
// says that the erasure reaches every session of the series and ends the
// following; erasing by the page, by the attendee's API call or by the
// organisers' removes the person from every occurrence the organisers
// look at, and gives their upcoming places back.
func TestEraseAcrossSeriesPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		te := newTestEnv(t, db)
		atClock(te, db, time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		_, tok := te.organiser("Ada")
		gid := te.group(tok)
		slug := "essentials-" + storetest.Unique()
		r := te.do("POST", "/api/v1/groups/"+gid+"/series", tok, seriesBody(slug))
		wantStatus(t, r, http.StatusCreated)
		var occ []string
		for _, o := range r.m(t)["occurrences"].([]any) {
			occ = append(occ, o.(map[string]any)["event_id"].(string))
		}
		if len(occ) != 4 {
			t.Fatalf("%d occurrences, want 4", len(occ))
		}
		u := storetest.Unique()
		// Each follows, asking to be signed up for every session (two
		// seats each), and gets the link of their first session's RSVP.
		follow := func(name string) (addr, manage string) {
			t.Helper()
			addr = strings.ToLower(name) + "-" + u + "@example.org"
			wantStatus(t, te.do("POST", "/api/v1/public/series/"+slug+"/followers", "", map[string]any{"name": name, "email": addr, "mode": "rsvp"}),
				http.StatusAccepted)
			wantStatus(t, te.do("POST", "/api/v1/public/followers/"+te.followLink(t, addr)+"/confirm", "", nil), http.StatusOK)
			q := `SELECT id FROM rsvps WHERE event_id = ? AND email_norm = ?`
			if db.Dialect() == store.Postgres {
				q = `SELECT id FROM rsvps WHERE event_id = $1 AND email_norm = $2`
			}
			var id string
			if err := db.SQL().QueryRow(q, occ[0], addr).Scan(&id); err != nil {
				t.Fatal(err)
			}
			manage, err := db.MintManageToken(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			return addr, manage
		}
		grace, gTok := follow("Grace")
		hedy, hTok := follow("Hedy")
		// The organisers see both at every session.
		seen := func(addr string) (n int) {
			for _, id := range occ {
				for _, r := range listAll(t, te, tok, "/api/v1/events/"+id+"/rsvps") {
					if strings.Contains(strings.ToLower(fmt.Sprint(r)), addr) {
						n++
					}
				}
			}
			return n
		}
		if g, h := seen(grace), seen(hedy); g != 4 || h != 4 {
			t.Fatalf("the organisers see Grace at %d sessions and Hedy at %d, want 4 each", g, h)
		}

		pc := newPageClient(t, te)
		confirm := pc.get("/r/" + gTok + "/erase")
		wantPage(t, confirm, http.StatusOK)
		wantText(t, confirm, "Erase your data?", "is a session of the series", "Essentials: what you need to know",
			"from all your RSVPs to its sessions, past and upcoming (4 in all)", "You will also stop following the series",
			"This also gives up your places at 4 upcoming sessions", "Yes, erase my data</button>")
		done := pc.post("/r/"+gTok+"/erase", url.Values{"_csrf": {confirm.csrf(t)}})
		wantPage(t, done, http.StatusOK)
		wantText(t, done, "Your data has been erased", "every session of the series", "you no longer follow it")
		if n := seen(grace); n != 0 {
			t.Errorf("after erasing on the page the organisers still see Grace at %d sessions", n)
		}

		wantStatus(t, te.do("DELETE", "/api/v1/rsvps/"+hTok+"/data", "", nil), http.StatusNoContent)
		if n := seen(hedy); n != 0 {
			t.Errorf("after erasing by the API the organisers still see Hedy at %d sessions", n)
		}
		// Their places at every upcoming session are free again.
		pub := te.do("GET", "/api/v1/public/series/"+slug, "", nil).m(t)
		for _, o := range pub["occurrences"].([]any) {
			if left := o.(map[string]any)["seats_left"]; left != float64(2) {
				t.Errorf("occurrence %v: seats_left %v, want 2", o.(map[string]any)["starts_at"], left)
			}
		}

		// The organisers erase Ivy, who asked them, from one session: she
		// is gone from all.
		ivy, _ := follow("Ivy")
		var ivyAt2 string
		for _, r := range listAll(t, te, tok, "/api/v1/events/"+occ[2]+"/rsvps") {
			if r["email"] == ivy {
				ivyAt2 = r["id"].(string)
			}
		}
		if ivyAt2 == "" {
			t.Fatal("Ivy has no RSVP to the third session")
		}
		_, other := te.organiser("Mallory")
		path := "/api/v1/events/" + occ[2] + "/rsvps/" + ivyAt2 + "/data"
		wantProblem(t, te.do("DELETE", path, other, nil), http.StatusNotFound, "")
		if n := seen(ivy); n != 4 {
			t.Fatalf("another group's organiser's attempt changed Ivy's RSVPs: seen at %d sessions", n)
		}
		wantStatus(t, te.do("DELETE", path, tok, nil), http.StatusNoContent)
		if n := seen(ivy); n != 0 {
			t.Errorf("after the organisers' erasure they still see Ivy at %d sessions", n)
		}
	})
}
